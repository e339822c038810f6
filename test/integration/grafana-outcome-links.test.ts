// The spend-per-outcome panels link calls to outcomes reading the range's calls once: each call
// and outcome is unrolled into its (trace, conversation) keys and joined once on them, where the
// direct statement of the rule joins the calls twice (by trace, by conversation) and a third time
// for their cost, reading llm_calls three times (0.8-1.0 s a panel at 100M calls, 0.25 s now:
// README, Grafana row). On real chDB, every linking panel must answer what the direct statement
// answers, at two conversation windows, for the benchmark's calls and outcomes and for calls at
// the edges of a conversation window, a call two outcomes claim, a trace link that wins over a
// conversation link, a call stored twice (two rows, both linked, as the statement counts them),
// and another tenant's outcome naming the same trace and conversation (it links none of them).
// "By feature" must also answer what /v1/outcomes/spend answers for the same range and window.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryOutcomeSpend } from '../../src/analytics/queries/outcomes-spend.js';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { generateSql, outcomesSql } from '../bench/analytics-gen.js';
import { hourStartMs } from '../helpers/clock.js';
import {
  expandGrafanaSql,
  panelIntervalMs,
  type VariableState,
} from '../helpers/grafana-macros.js';

const HOUR = 3_600_000;
const MIN = 60_000;
const END = hourStartMs() - 2 * HOUR;
const TO = new Date(END);
const FROM = new Date(END - 6 * HOUR);
/** The edge outcomes' time: EB ten minutes after it, in the same conversation. */
const T = END - HOUR;

interface Panel {
  title: string;
  interval?: string;
  targets?: { rawSql: string }[];
}
const dash = JSON.parse(
  readFileSync(new URL('../../dashboards/spend-per-outcome.json', import.meta.url), 'utf8'),
) as { panels: Panel[] };

/** The rule as first written (an outcome links calls of its own tenant, or any when it has none):
 * the calls joined by trace, by conversation, then for their cost. */
const DIRECT_LINKS = `links AS (SELECT call_id, argMin(okey, (prio, otime)) AS okey FROM (
  SELECT c.call_id AS call_id, o.okey AS okey, 0 AS prio, o.time AS otime FROM c INNER JOIN o ON c.trace_id = o.trace_id
  WHERE c.trace_id != '' AND (o.tenant = '' OR o.tenant = c.tenant)
  UNION ALL
  SELECT c.call_id AS call_id, o.okey AS okey, 1 AS prio, o.time AS otime FROM c INNER JOIN o ON c.conversation_id = o.conversation_id
  WHERE c.conversation_id != '' AND (o.tenant = '' OR o.tenant = c.tenant) AND c.start_time <= o.time AND c.start_time >= o.time - toIntervalHour(toUInt32(\${window_h:singlequote}))
  ) GROUP BY call_id),
per_outcome AS (SELECT o.okey AS okey, any(o.time) AS otime, any(o.name) AS name, any(o.success) AS success, any(o.value) AS value,
  if(any(o.feature) != '', any(o.feature), argMinIf(c.feature, c.start_time, c.call_id != '')) AS feature,
  any(o.tenant) AS tenant, countIf(c.call_id != '') AS linked_calls, sum(c.cost_total) AS spend
  FROM o LEFT JOIN links l ON l.okey = o.okey LEFT JOIN c ON c.call_id = l.call_id
  GROUP BY o.okey)
`;

function directSql(sql: string): string {
  const start = sql.indexOf('ck AS (');
  const endMark = 'GROUP BY o.okey)\n';
  const end = sql.indexOf(endMark, start);
  if (start < 0 || end < 0) throw new Error('panel SQL no longer has the one-read links');
  // The panels' links read no call id; the direct statement joins the calls by it.
  const head = sql
    .slice(0, start)
    .replace('c AS (SELECT trace_id,', 'c AS (SELECT call_id, trace_id,');
  if (!head.includes('SELECT call_id, trace_id')) throw new Error('panel SQL no longer has its c');
  return head + DIRECT_LINKS + sql.slice(end + endMark.length);
}

const linking = dash.panels.filter((p) => p.targets?.[0]?.rawSql.includes('links AS') === true);

function micros(ms: number): string {
  return `fromUnixTimestamp64Micro(toInt64(${ms * 1000}))`;
}

/** Calls of tenant edge-t around outcomes EA (time T) and EB (T + 10 min), one conversation. */
const EDGE_CALLS: [string, string, number, number][] = [
  // id, trace, start, cost: c1 linked to EA by trace five hours before it (no window for traces)
  ['e1', 'edge-trace-a', T - 5 * HOUR, 1],
  ['e2', '', T - 59 * MIN, 2], // in EA's 1 h window, before EB's
  ['e3', '', T - 61 * MIN, 4], // outside both 1 h windows, inside the 24 h ones
  ['e4', '', T + 5 * MIN, 8], // after EA: only EB's
  ['e5', 'edge-trace-b', T - 30 * MIN, 16], // in both windows: the earlier outcome (EA) takes it
  ['e6', 'edge-trace-a', T - 30 * MIN, 32], // EA by trace wins over EA/EB by conversation
  ['e2', '', T - 59 * MIN, 2], // e2 stored twice (a re-sent span): two rows, both linked
];

let dir: string;
let storage: QueryRunner;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outcome-links-'));
  storage = await createStorage({ database: 'default', dataDir: dir });
  await migrate(storage, { ttl_days: 400 });
  await storage.command(generateSql(0, 40_000, 40_000, END));
  await storage.command(outcomesSql(40_000, END));
  const calls = EDGE_CALLS.map(
    ([id, trace, at, cost], i) =>
      `('${id}', 'span-${i}', '${trace}', 'edge-conv', ${micros(at)}, ${micros(at + 500)}, 'inference', 'edge-t', 'f-edge', toDecimal128('${cost}', 18))`,
  );
  await storage.command(
    `INSERT INTO llm_calls (call_id, span_name, trace_id, conversation_id, start_time, end_time, kind, tenant, feature, cost_total) VALUES ${calls.join(', ')}`,
  );
  await storage.command(`INSERT INTO outcomes (outcome_id, time, name, success, value, trace_id, conversation_id, tenant, source) VALUES
    ('EA', ${micros(T)}, 'edge-a', true, 10, 'edge-trace-a', 'edge-conv', 'edge-t', 'api'),
    ('EB', ${micros(T + 10 * MIN)}, 'edge-b', false, NULL, '', 'edge-conv', 'edge-t', 'api'),
    ('EC', ${micros(T - 20 * MIN)}, 'edge-c', true, 5, 'edge-trace-b', 'edge-conv', 'edge-u', 'api')`);
}, 120_000);

afterAll(async () => {
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

function variables(tenant: string, windowH: string): Record<string, VariableState> {
  return {
    tenant: { current: [tenant], options: ['edge-t', 't0'] },
    outcome: { current: ['$__all'], options: ['edge-a', 'edge-b', 'checkout', 'ticket_resolved'] },
    window_h: { current: [windowH], options: ['1', '6', '24', '72'] },
  };
}

async function answer(sql: string, p: Panel, vars: Record<string, VariableState>, from = FROM) {
  const ctx = {
    from,
    to: TO,
    intervalMs: panelIntervalMs(from, TO, p.interval),
    variables: vars,
  };
  const rows = await storage.query(expandGrafanaSql(sql, ctx));
  return rows.map((r) => JSON.stringify(r)).sort();
}

describe('spend per outcome: links read the calls once', () => {
  it('has the four linking panels', () => {
    expect(linking.map((p) => p.title)).toEqual([
      'Spend per successful outcome',
      'By feature',
      'By outcome and tenant',
      'Spend per successful outcome over time',
    ]);
  });

  for (const windowH of ['1', '24'])
    for (const tenant of ['$__all', 'edge-t'])
      it(`answers as the three-read statement (window ${windowH} h, tenant ${tenant})`, async () => {
        for (const p of linking) {
          const sql = p.targets![0]!.rawSql;
          const vars = variables(tenant, windowH);
          const got = await answer(sql, p, vars);
          expect(got.length, p.title).toBeGreaterThan(0);
          expect(got, p.title).toEqual(await answer(directSql(sql), p, vars));
        }
      });

  it('links the edge calls as the rule says', async () => {
    const p = linking.find((x) => x.title === 'By outcome and tenant')!;
    const at = async (windowH: string, tenant = 'edge-t') =>
      (await answer(p.targets![0]!.rawSql, p, variables(tenant, windowH)))
        .map((r) => JSON.parse(r) as Record<string, unknown>)
        .filter((r) => String(r.name).startsWith('edge-'));
    // 1 h: EA has e1, e6 (trace), e2 (both rows), e5 (conversation); EB has e4; e3 is in no
    // window.
    expect(await at('1')).toEqual([
      expect.objectContaining({ name: 'edge-a', tenant: 'edge-t', linked: '5', spend_usd: 53 }),
      expect.objectContaining({ name: 'edge-b', tenant: 'edge-t', linked: '1', spend_usd: 8 }),
    ]);
    // 24 h: e3 joins EA (the earlier of the two outcomes whose window holds it).
    expect(await at('24')).toEqual([
      expect.objectContaining({ name: 'edge-a', linked: '6', spend_usd: 57 }),
      expect.objectContaining({ name: 'edge-b', linked: '1', spend_usd: 8 }),
    ]);
    // Another tenant's outcome (EC, tenant edge-u) names e5's trace and the conversation: it
    // claims none of edge-t's calls, so the answer over all tenants is the same for edge-t.
    expect(await at('1', '$__all')).toEqual([
      expect.objectContaining({ name: 'edge-a', tenant: 'edge-t', linked: '5', spend_usd: 53 }),
      expect.objectContaining({ name: 'edge-b', tenant: 'edge-t', linked: '1', spend_usd: 8 }),
      expect.objectContaining({ name: 'edge-c', tenant: 'edge-u', linked: '0', spend_usd: 0 }),
    ]);
  });

  for (const windowH of ['1', '24'])
    it(`"By feature" answers what /v1/outcomes/spend answers (window ${windowH} h)`, async () => {
      const p = linking.find((x) => x.title === 'By feature')!;
      // 20 days: the generator's outcomes (one per 1,000 calls) and the edge ones.
      const from = new Date(END - 20 * 24 * HOUR);
      const panel = (
        await answer(p.targets![0]!.rawSql, p, variables('$__all', windowH), from)
      ).map((r) => JSON.parse(r) as Record<string, unknown>);
      const api = await queryOutcomeSpend(storage, {
        from,
        to: TO,
        windowHours: Number(windowH),
        groupBy: 'feature',
      });
      expect(panel.length).toBeGreaterThan(5);
      const byFeature = new Map(api.rows.map((r) => [String(r.feature), r]));
      expect([...byFeature.keys()].sort()).toEqual(panel.map((r) => String(r.feature)).sort());
      for (const r of panel) {
        const a = byFeature.get(String(r.feature))!;
        expect(
          [Number(r.outcomes), Number(r.successful), Number(r.linked)],
          String(r.feature),
        ).toEqual([a.outcomes, a.successful_outcomes, a.linked_calls]);
        // The panel converts its Decimal sum to Float64 for Grafana; the API keeps the Decimal.
        expect(Number(r.spend_usd), String(r.feature)).toBeCloseTo(Number(a.spend_usd), 9);
      }
    });
});
