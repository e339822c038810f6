// The cost, cache, alert and budget panels that read llm_calls_1m until migration 0041 dropped it
// give the same answers from the day and hour cost tables plus llm_calls (scripts/cost-panels.ts):
// on one store, llm_calls_1m is put back beside them from its catalog entry (its view fills it as
// production inserts did), then every moved panel runs in its old form (test/fixtures) and its new
// one, expanded the same way, over ranges cut at odd seconds, minutes and hours, at several
// intervals, with "All" and with one value picked in every variable.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOW, historyTable } from '../../src/storage/catalog/catalog.js';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { rollupTableSql, viewSql } from '../../src/storage/sqlgen/render.js';
import { movedDashboard } from '../../scripts/cost-dashboards.js';
import { expandGrafanaSql, type VariableState } from '../helpers/grafana-macros.js';

const DIR = new URL('../../dashboards/', import.meta.url);
const OLD = JSON.parse(
  readFileSync(new URL('../fixtures/grafana-calls-1m-panels.json', import.meta.url), 'utf8'),
) as Record<
  string,
  { panels: Record<string, { title: string; rawSql: string }>; variables: Record<string, string> }
>;

interface Dashboard {
  panels: { id: number; targets?: { rawSql: string }[] }[];
  templating: {
    list: { name: string; type: string; query: string; current: { value: unknown } }[];
  };
}
const current = (file: string): Dashboard =>
  JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as Dashboard;

// 30,000 calls over the last 75 hours (one per 9 s): five tenants, an unpriced model, tool spans
// (not billable), errors, 429s, retries, fallbacks, app-cache hits, calls with incomplete usage.
const SEED = `
INSERT INTO llm_calls (call_id, trace_id, span_id, start_time, end_time, duration_ms, span_name, source, kind, service, environment,
  route, feature, tenant, provider, operation, request_model, response_model, model, deployment, capacity_tier, region,
  status, http_status, input_tokens, cache_read_tokens, cache_creation_tokens, output_tokens, attempt, fallback_from, cache_hit,
  price_entry, priced, usage_incomplete, cost_input, cost_cache_read, cost_output, cost_total, list_cost)
SELECT concat('c-', toString(n)), lower(hex(cityHash64(n, 't'))), lower(hex(cityHash64(n, 's'))), t, t + INTERVAL 1 SECOND, 1000, 'chat', 'wrapper',
  if(n % 17 = 0, 'tool', if(n % 11 = 0, 'embeddings', 'inference')), 'api', ['production', 'staging'][n % 2 + 1],
  ['/chat', '/search', '/summarize', '/classify'][intDiv(n, 3) % 4 + 1], ['support-bot', 'doc-search', 'digest', 'triage'][intDiv(n, 5) % 4 + 1],
  ['acme', 'globex', 'initech', 'umbrella', 'hooli'][n % 5 + 1], d.1, 'chat', d.2, d.2, d.2, d.3, d.4, 'eastus',
  if(h % 100 < 5, 'error', 'ok'), if(h % 100 < 5, if(h % 100 < 2, 429, 500), 200), inp, cached, toUInt64(h % 50), outp,
  if(h % 13 = 0, 2, 1), if(h % 29 = 0, 'ptu-a', ''), h % 37 = 0, if(d.5 > 0, d.2, ''), d.5 > 0, h % 41 = 0,
  toDecimal128(inp * d.5, 18), toDecimal128(cached * d.5 / 2, 18), toDecimal128(outp * d.5 * 4, 18),
  toDecimal128(inp * d.5 + cached * d.5 / 2 + outp * d.5 * 4, 18), toDecimal128((inp + cached + outp * 4) * d.5 * 1.25, 18)
FROM (
  SELECT number AS n, cityHash64(n, 'seed') AS h, now64(6) - toIntervalMillisecond(1000 + n * 9000 + h % 9000) AS t,
    [('openai', 'gpt-4o', 'ptu-a', 'provisioned', 2.5e-6), ('openai', 'gpt-4o-mini', 'paygo-b', 'on_demand', 0.15e-6),
     ('anthropic', 'claude-sonnet-4', 'anthropic-c', 'on_demand', 3e-6), ('openai', 'mystery-model', 'paygo-d', 'on_demand', 0)][intDiv(h, 7) % 4 + 1] AS d,
    100 + h % 3000 AS inp, toUInt64(inp * (h % 7) / 10) AS cached, 20 + intDiv(h, 11) % 500 AS outp
  FROM numbers(30000))`;

let storage: QueryRunner;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'llm-finops-cost-panels-'));
  storage = await createStorage({ database: 'default', dataDir });
  await migrate(storage, { ttl_days: 400 });
  // llm_calls_1m as the catalog last defined it (0040), filled by its own view from the inserts.
  const old = historyTable('llm_calls_1m')!;
  await storage.command(
    rollupTableSql(old.family, old.table, NOW, 'single').replace('{{ttl_days}}', '400'),
  );
  await storage.command(viewSql({ ...old, version: NOW, sourceGrain: undefined }, 'single'));
  await storage.command(SEED);
}, 120_000);

afterAll(async () => {
  await storage?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// A budget forecast divides by the share of the period elapsed at now(), which moves between two
// queries; the spend it divides is compared in its own column.
const sorted = (rows: Record<string, unknown>[]): string[] =>
  rows
    .map((r) =>
      JSON.stringify(
        Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('forecast'))),
      ),
    )
    .sort();

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const end = Date.now();
/** [from, to] of each range, cut at odd seconds, minutes and hours. */
const RANGES: [string, Date, Date][] = [
  [
    '2 days 5 h',
    new Date(end - 2 * 24 * HOUR - 5 * HOUR - 17 * MIN - 23 * S),
    new Date(end - 3 * MIN - 11 * S),
  ],
  ['3 days to now', new Date(end - 3 * 24 * HOUR), new Date(end)],
  ['5 h', new Date(end - 26 * HOUR - 41 * S), new Date(end - 21 * HOUR + 7 * MIN)],
  [
    '37 min',
    new Date(Math.floor(end / HOUR) * HOUR - 30 * HOUR + 11 * MIN + 5 * S),
    new Date(Math.floor(end / HOUR) * HOUR - 30 * HOUR + 48 * MIN),
  ],
];
const INTERVALS = [60 * S, 15 * MIN, HOUR, 24 * HOUR];

async function variables(
  file: string,
  pick: 'all' | 'first',
  period: string,
): Promise<Record<string, VariableState>> {
  const vars: Record<string, VariableState> = {};
  for (const v of current(file).templating.list) {
    if (v.type === 'datasource') continue;
    if (v.type === 'query') {
      const sql = expandGrafanaSql(v.query, {
        from: RANGES[1]![1],
        to: RANGES[1]![2],
        intervalMs: MIN,
        variables: vars,
      });
      const options = (await storage.query(sql)).map((r) => String(Object.values(r)[0]));
      vars[v.name] = { current: pick === 'first' ? options.slice(0, 1) : ['$__all'], options };
    } else {
      const value = v.name === 'period' ? [period] : [String(v.current.value)];
      vars[v.name] = { current: value, options: value };
    }
  }
  return vars;
}

describe.each(Object.keys(OLD))('%s without llm_calls_1m', (file) => {
  const old = OLD[file]!;

  it('holds what scripts/cost-dashboards.ts writes, and no panel or variable reads llm_calls_1m', () => {
    const text = readFileSync(new URL(file, DIR), 'utf8');
    expect(text).not.toContain('llm_calls_1m');
    expect(JSON.parse(movedDashboard(file, text))).toEqual(JSON.parse(text));
  });

  it.each(['all', 'first'] as const)(
    'answers every moved panel as before (variables: %s)',
    async (pick) => {
      const dash = current(file);
      const periods = file === 'budgets.json' ? ['day', 'week', 'month'] : ['month'];
      const mismatches: string[] = [];
      let compared = 0;
      let nonEmpty = 0;
      for (const period of periods) {
        const vars = await variables(file, pick, period);
        for (const [id, panel] of Object.entries(old.panels)) {
          const now = dash.panels.find((p) => p.id === Number(id))?.targets?.[0]?.rawSql;
          expect(now, panel.title).toBeDefined();
          for (const [range, from, to] of RANGES)
            for (const intervalMs of INTERVALS) {
              const ctx = { from, to, intervalMs, variables: vars };
              const before = await storage.query(expandGrafanaSql(panel.rawSql, ctx));
              const after = await storage.query(expandGrafanaSql(now!, ctx));
              compared++;
              if (before.length > 0) nonEmpty++;
              if (JSON.stringify(sorted(before)) !== JSON.stringify(sorted(after)))
                mismatches.push(
                  `${panel.title} (${range}, ${intervalMs / 1000} s, ${period}): ${before.length} vs ${after.length} rows`,
                );
            }
        }
      }
      expect(mismatches).toEqual([]);
      // The comparisons saw data: most panels answer rows over most ranges.
      expect(nonEmpty).toBeGreaterThan(compared / 2);
    },
    300_000,
  );

  it('offers every variable value the old query offered', async () => {
    for (const [name, query] of Object.entries(old.variables)) {
      const now = current(file).templating.list.find((v) => v.name === name)!.query;
      for (const [range, from, to] of RANGES) {
        const ctx = { from, to, intervalMs: MIN, variables: {} };
        const before = (await storage.query(expandGrafanaSql(query, ctx))).map(
          (r) => Object.values(r)[0],
        );
        const after = (await storage.query(expandGrafanaSql(now, ctx))).map(
          (r) => Object.values(r)[0],
        );
        expect(before.length, `${name} ${range}`).toBeGreaterThan(0);
        expect(after, `${name} ${range}`).toEqual(expect.arrayContaining(before));
      }
    }
  });
});
