// Every Grafana dashboard panel runs against the real schema on demo data: the SQL is expanded the
// way Grafana and the ClickHouse plugin expand it (test/helpers/grafana-macros.ts), then executed
// on chDB. Data is generated inside the engine (INSERT ... SELECT FROM numbers()), so the
// materialized views fill the rollups exactly as production inserts do.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expandGrafanaSql,
  panelIntervalMs,
  type VariableState,
} from '../helpers/grafana-macros.js';
import { getJson, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { latencyPanelSql, latencyVariableSql } from '../../scripts/latency-dashboard.js';
import { quantileSql } from '../../src/storage/catalog/histogram.js';
import {
  histogramFromJson,
  histogramQuantile,
} from '../../src/analytics/queries/stats-histogram.js';

const DIR = new URL('../../dashboards/', import.meta.url);

interface Target {
  refId: string;
  rawSql: string;
  editorType: string;
  format: number;
  datasource: { uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  interval?: string;
  gridPos: { x: number; w: number };
  targets?: Target[];
  datasource?: { type: string; uid: string };
}
interface Variable {
  type: string;
  name: string;
  query: string;
  current: { value: string | string[] };
  includeAll?: boolean;
  multi?: boolean;
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const dashboards = files.map((file) => ({
  file,
  dash: JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as Dashboard,
}));

// Six deployments: two provisioned (PTU) with a spillover path to pay-as-you-go, on-demand pools,
// and one model with no price entry. Tuples: provider, model, deployment, tier, region, $/input token, $/output token.
const DEPLOYMENTS = `[
  ('azure.ai.openai', 'gpt-4o', 'ptu-gpt4o-eastus', 'provisioned', 'eastus', 2.5e-6, 10e-6),
  ('azure.ai.openai', 'gpt-4o', 'paygo-gpt4o-eastus', 'on_demand', 'eastus', 2.5e-6, 10e-6),
  ('azure.ai.openai', 'gpt-4o', 'ptu-gpt4o-swedencentral', 'provisioned', 'swedencentral', 2.5e-6, 10e-6),
  ('openai', 'gpt-4o-mini', 'openai-gpt4o-mini', 'on_demand', 'us', 0.15e-6, 0.6e-6),
  ('anthropic', 'claude-sonnet-4', 'anthropic-sonnet', 'on_demand', 'us-east-1', 3e-6, 15e-6),
  ('openai', 'mystery-model', 'openai-mystery', 'on_demand', 'us', 0, 0)]`;
const TENANTS = "['acme', 'globex', 'initech', 'umbrella', 'hooli']";

// 6000 calls over the last 6 hours (one per 3.6 s). Scripted shapes so every panel has something
// to show: a prompt-version change 2 h ago that breaks the prompt cache, a TTFT incident in
// swedencentral in the last 20 minutes, 429s and 5xx, spillover from the eastus PTU.
const SEED_CALLS = `
INSERT INTO llm_calls (call_id, trace_id, span_id, start_time, end_time, duration_ms, span_name, source, kind, service, environment,
  route, feature, tenant, provider, operation, request_model, response_model, model, deployment, capacity_tier, region, streaming,
  status, error_type, http_status, input_tokens, cache_read_tokens, output_tokens, ttft_ms, itl_ms, attempt, fallback_from,
  cache_layer, cache_hit, prompt_version, conversation_id, price_entry, priced,
  cost_input, cost_cache_read, cost_output, cost_total, list_cost)
SELECT call_id, trace_id, span_id, t, t + toIntervalMillisecond(toUInt64(dur)), dur, 'chat', 'wrapper', 'inference', 'support-api', 'production',
  route, feature, tenant, d.1, 'chat', d.2, d.2, d.2, d.3, d.4, d.5, streaming,
  if(err, 'error', 'ok'), if(err, if(is429, '429', '500'), ''), if(err, if(is429, 429, 500), 200), inp, cached, outp, ttft, itl,
  if(fb != '', 2, 1), fb, layer, hit, pv, conv, if(d.6 > 0, d.2, ''), d.6 > 0,
  toDecimal128(f * (inp - cached) * d.6, 18), toDecimal128(f * cached * d.6 * 0.5, 18), toDecimal128(f * outp * d.7, 18),
  toDecimal128(f * ((inp - cached) * d.6 + cached * d.6 * 0.5 + outp * d.7), 18), toDecimal128((inp - cached) * d.6 + cached * d.6 * 0.5 + outp * d.7, 18)
FROM (
  SELECT *, if(err OR hit, 0, 500 + (h % 4000)) AS inp, toUInt64(inp * if(pv = 'v1', 0.6, 0.1)) AS cached,
    if(err OR hit, 0, 50 + intDiv(h, 7) % 700) AS outp,
    if(streaming AND NOT err AND NOT hit, (200 + intDiv(h, 11) % 800) * if(d.5 = 'swedencentral' AND t > now64(6) - INTERVAL 20 MINUTE, 15, 1), NULL) AS ttft,
    if(streaming AND NOT err AND NOT hit, 20 + intDiv(h, 13) % 30, NULL) AS itl,
    coalesce(ttft, 300) + outp * coalesce(itl, 5) AS dur, if(d.4 = 'provisioned', 0.6, 1) AS f
  FROM (
    SELECT number AS n, cityHash64(n, 'seed') AS h, concat('call-', toString(n)) AS call_id, lower(hex(cityHash64(n, 'trace'))) AS trace_id,
      lower(hex(cityHash64(n, 'span'))) AS span_id, now64(6) - toIntervalMillisecond(n * 3600) AS t,
      ${TENANTS}[n % 5 + 1] AS tenant, ['/chat', '/search', '/summarize', '/classify'][intDiv(n, 7) % 4 + 1] AS route,
      ['support-bot', 'doc-search', 'digest', 'triage'][intDiv(n, 7) % 4 + 1] AS feature,
      ${DEPLOYMENTS}[n % 6 + 1] AS d, n % 3 != 0 AS streaming, h % 1000 < 50 AS err, h % 1000 < 30 AS is429,
      if(n % 6 = 1 AND intDiv(h, 17) % 3 = 0, 'ptu-gpt4o-eastus', '') AS fb,
      multiIf(route = '/search', 'semantic', route = '/chat', 'response', '') AS layer,
      layer != '' AND NOT err AND intDiv(h, 19) % 100 < if(layer = 'semantic', 25, 5) AS hit,
      if(t < now64(6) - INTERVAL 2 HOUR, 'v1', 'v2') AS pv, concat('conv-', toString(intDiv(n, 4))) AS conv
    FROM numbers(6000)))`;

// 1500 outcomes: even ones share the trace of call 4n, odd ones only its conversation.
const SEED_OUTCOMES = `
INSERT INTO outcomes (outcome_id, time, name, success, value, trace_id, conversation_id, tenant, source)
SELECT concat('o-', toString(number)), now64(6) - toIntervalMillisecond(number * 14400),
  if(number % 3 = 0, 'checkout', 'ticket_resolved'), cityHash64(number, 'o') % 10 < 8,
  if(cityHash64(number, 'o') % 10 < 8, toDecimal128(20 + number % 50, 18), NULL),
  if(number % 2 = 0, lower(hex(cityHash64(number * 4, 'trace'))), ''), concat('conv-', toString(number)),
  ${TENANTS}[(number * 4) % 5 + 1], 'api'
FROM numbers(1500)`;

// 12 alerts x 5 transitions over the last 100 minutes; most end firing, every third resolved.
const SEED_ALERTS = `
INSERT INTO alert_events (event_id, time, fingerprint, rule, kind, severity, state, tenant, labels, value, threshold, summary,
  started_at, notified, notify_failed)
SELECT concat('ev-', toString(number)), now64(3) - toIntervalMinute(100 - k * 20), concat('fp-', toString(fp)),
  ['ttft_drift', 'budget_soft', 'rate_limited_429', 'unpriced_calls'][fp % 4 + 1], 'threshold', if(fp % 2 = 0, 'critical', 'warning'),
  if(k = 4 AND fp % 3 = 0, 'resolved', ['pending', 'firing', 'resolved', 'pending', 'firing'][k + 1]), ${TENANTS}[fp % 5 + 1],
  map('route', '/chat'), 1.5 + k, 1.0, 'demo alert', now64(3) - INTERVAL 100 MINUTE,
  if(k > 0, ['webhook'], []), if(number % 7 = 0, ['slack'], [])
FROM (SELECT number, number % 12 AS fp, intDiv(number, 12) AS k FROM numbers(60))`;

let rt: TestRuntime;

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return rt.runtime.storage.query(sql);
}

const to = new Date();
const from = new Date(to.getTime() - 6 * 3_600_000);

/** Variables as Grafana resolves them on load: query variables run their (expanded) query. */
async function resolveVariables(
  dash: Dashboard,
  pick: 'default' | 'first',
): Promise<Record<string, VariableState>> {
  const vars: Record<string, VariableState> = {};
  for (const v of dash.templating.list) {
    if (v.type === 'datasource') continue;
    if (v.type === 'query') {
      const sql = expandGrafanaSql(v.query, { from, to, intervalMs: 60_000, variables: vars });
      const options = (await rows(sql)).map((r) => String(Object.values(r)[0]));
      vars[v.name] = { current: pick === 'first' ? options.slice(0, 1) : ['$__all'], options };
    } else {
      const value = Array.isArray(v.current.value) ? v.current.value : [v.current.value];
      vars[v.name] = { current: value, options: value };
    }
  }
  return vars;
}

beforeAll(async () => {
  rt = await startTestRuntime();
  for (const sql of [SEED_CALLS, SEED_OUTCOMES, SEED_ALERTS]) await rt.runtime.storage.command(sql);
});

afterAll(async () => {
  await rt?.runtime.stop();
});

describe('Grafana dashboards', () => {
  it('are well-formed and use the provisioned ClickHouse data source', () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
    const uids = new Set(dashboards.map((d) => d.dash.uid));
    expect(uids.size).toBe(dashboards.length);
    for (const { file, dash } of dashboards) {
      expect(dash.templating.list[0], file).toMatchObject({
        type: 'datasource',
        name: 'datasource',
        query: 'grafana-clickhouse-datasource',
      });
      for (const p of dash.panels) {
        expect(p.gridPos.x + p.gridPos.w, `${file}: ${p.title}`).toBeLessThanOrEqual(24);
        if (p.type === 'row') continue;
        expect(p.datasource, `${file}: ${p.title}`).toEqual({
          type: 'grafana-clickhouse-datasource',
          uid: '${datasource}',
        });
        expect(p.targets?.length, `${file}: ${p.title}`).toBeGreaterThan(0);
        for (const t of p.targets ?? []) {
          expect(t.editorType).toBe('sql');
          // Time series panels need the plugin's time-series format (long frames widened per label).
          expect(t.format, `${file}: ${p.title}`).toBe(p.type === 'timeseries' ? 0 : 1);
        }
      }
    }
  });

  it('seeded demo data across the rollups', async () => {
    const [counts] =
      await rows(`SELECT (SELECT count() FROM llm_calls) AS calls, (SELECT count() FROM llm_costs_tenant_1h) AS h1,
      (SELECT count() FROM llm_capacity_1m) AS cap, (SELECT count() FROM llm_cache_1m) AS cache, (SELECT count() FROM outcomes) AS outcomes`);
    expect(counts).toMatchObject({ calls: '6000', outcomes: '1500' });
    expect(Number(counts?.h1)).toBeGreaterThan(100);
  });

  describe.each(dashboards)('$file', ({ dash }) => {
    it('every variable query and panel query runs and returns rows (all variables at their defaults)', async () => {
      const variables = await resolveVariables(dash, 'default');
      for (const [name, v] of Object.entries(variables))
        expect(v.options.length, `variable ${name}`).toBeGreaterThan(0);
      const failures: string[] = [];
      for (const p of dash.panels) {
        for (const t of p.targets ?? []) {
          const sql = expandGrafanaSql(t.rawSql, {
            from,
            to,
            intervalMs: panelIntervalMs(from, to, p.interval),
            variables,
          });
          try {
            const result = await rows(sql);
            if (result.length === 0) failures.push(`${p.title}: no rows`);
          } catch (err) {
            failures.push(`${p.title}: ${(err as Error).message.split('\n')[0]}\n${sql}`);
          }
        }
      }
      expect(failures).toEqual([]);
    });

    it('every panel query also runs with one value selected in each multi-value variable', async () => {
      const variables = await resolveVariables(dash, 'first');
      const failures: string[] = [];
      for (const p of dash.panels) {
        for (const t of p.targets ?? []) {
          const sql = expandGrafanaSql(t.rawSql, {
            from,
            to,
            intervalMs: panelIntervalMs(from, to, p.interval),
            variables,
          });
          await rows(sql).catch((err: Error) =>
            failures.push(`${p.title}: ${err.message.split('\n')[0]}`),
          );
        }
      }
      expect(failures).toEqual([]);
    });
  });
});

describe('latency dashboard and GET /v1/latency read the same histograms', () => {
  const latency = dashboards.find((d) => d.file === 'latency-ttft.json')!.dash;
  const summary = latency.panels.find((p) => p.title === 'Latency summary')!;
  // Whole minutes, so the panel (whole hours of llm_perf_1h, minutes of llm_perf_1m) and the API
  // (its planner's cut of the same range) merge exactly the same buckets.
  const MIN = 60_000;
  const wTo = new Date(Math.floor(to.getTime() / MIN) * MIN);
  const wFrom = new Date(wTo.getTime() - 4 * 3_600_000 - 17 * MIN);

  async function panelRows(tenants: string[] | 'all'): Promise<Record<string, unknown>[]> {
    const variables = await resolveVariables(latency, 'default');
    if (tenants !== 'all') variables.tenant = { current: tenants, options: tenants };
    const sql = expandGrafanaSql(summary.targets![0]!.rawSql, {
      from: wFrom,
      to: wTo,
      intervalMs: panelIntervalMs(wFrom, wTo, summary.interval),
      variables,
    });
    return rows(sql);
  }

  async function apiRows(tenant?: string): Promise<Record<string, Record<string, number>>> {
    const qs = `from=${wFrom.toISOString()}&to=${wTo.toISOString()}&group_by=provider,model,region${tenant !== undefined ? `&tenant=${tenant}` : ''}`;
    const res = await getJson<{ rows: Record<string, unknown>[] }>(`${rt.apiUrl}/v1/latency?${qs}`);
    expect(res.status).toBe(200);
    const out: Record<string, Record<string, number>> = {};
    for (const r of res.body.rows)
      out[`${String(r.provider)}|${String(r.model)}|${String(r.region)}`] = {
        calls: Number(r.calls),
        ttft_p50: (r.ttft_ms as { p50: number }).p50,
        ttft_p95: (r.ttft_ms as { p95: number }).p95,
        ttft_p99: (r.ttft_ms as { p99: number }).p99,
        duration_p95: (r.latency_ms as { p95: number }).p95,
      };
    return out;
  }

  const round = (v: unknown): number | null =>
    v === null || v === undefined ? null : Math.round(Number(v) * 100) / 100;

  it.each([
    ['all tenants', 'all' as const],
    ['one tenant', ['globex']],
  ])(
    'the Latency summary p50/p95/p99 equal /v1/latency for the same window (%s)',
    async (_label, tenants) => {
      const panel = await panelRows(tenants);
      const api = await apiRows(tenants === 'all' ? undefined : tenants[0]);
      expect(panel.length).toBeGreaterThan(3);
      expect(panel.length).toBe(Object.keys(api).length);
      for (const row of panel) {
        const key = `${String(row.provider)}|${String(row.model)}|${String(row.region)}`;
        const a = api[key];
        expect(a, key).toBeDefined();
        expect(Number(row.call_count), key).toBe(a!.calls);
        expect(round(row.ttft_p50_ms), key).toBe(a!.ttft_p50);
        expect(round(row.ttft_p95_ms), key).toBe(a!.ttft_p95);
        expect(round(row.ttft_p99_ms), key).toBe(a!.ttft_p99);
        expect(round(row.duration_p95_ms), key).toBe(a!.duration_p95);
      }
    },
  );

  it('quantileSql is the arithmetic of histogramQuantile', async () => {
    const [row] = await rows(
      `SELECT toJSONString(sumMap(ttft_h)) AS h, ${[0.01, 0.5, 0.95, 0.999].map((q, i) => `${quantileSql('sumMap(ttft_h)', q)} AS q${i}`).join(', ')} FROM llm_perf_1m`,
    );
    const h = histogramFromJson(JSON.parse(String(row!.h)));
    expect(h.size).toBeGreaterThan(10);
    [0.01, 0.5, 0.95, 0.999].forEach((q, i) =>
      expect(Number(row![`q${i}`])).toBeCloseTo(histogramQuantile(h, q)!, 9),
    );
  });

  it('dashboards/latency-ttft.json holds what scripts/latency-dashboard.ts generates', () => {
    const panels = latencyPanelSql();
    for (const [id, sql] of Object.entries(panels))
      expect(latency.panels.find((p) => p.id === Number(id))?.targets?.[0]?.rawSql, id).toBe(sql);
    const vars = latencyVariableSql();
    for (const v of latency.templating.list)
      if (vars[v.name] !== undefined) expect(v.query, v.name).toBe(vars[v.name]);
  });
});

describe('budgets dashboard', () => {
  it('spend this period (days, hours and minutes of the cost rollups) equals llm_calls', async () => {
    const budgets = dashboards.find((d) => d.file === 'budgets.json')!.dash;
    const panel = budgets.panels.find(
      (p) => p.title === 'Spend this period by tenant and feature',
    )!;
    const variables = await resolveVariables(budgets, 'default');
    variables.period = { current: ['month'], options: ['month'] };
    const sql = expandGrafanaSql(panel.targets![0]!.rawSql, {
      from,
      to,
      intervalMs: 60_000,
      variables,
    });
    expect(sql).toContain('llm_costs_tenant_1d');
    const got = await rows(sql);
    const want =
      await rows(`SELECT tenant, feature, environment, count() AS calls, toFloat64(sum(cost_total)) AS spend
      FROM llm_calls WHERE start_time >= toStartOfMonth(now('UTC')) AND kind IN ('inference', 'embeddings')
      GROUP BY tenant, feature, environment`);
    expect(got.length).toBeGreaterThan(5);
    const key = (r: Record<string, unknown>): string =>
      `${String(r.tenant)}|${String(r.feature)}|${String(r.environment)}`;
    const byKey = new Map(want.map((r) => [key(r), r]));
    expect(got.length).toBe(want.length);
    for (const r of got) {
      expect(Number(r.calls), key(r)).toBe(Number(byKey.get(key(r))?.calls));
      expect(Number(r.spend), key(r)).toBeCloseTo(Number(byKey.get(key(r))?.spend), 9);
    }
  });
});

describe('spend per outcome dashboard', () => {
  // Panels that only sum linked calls read just the calls whose trace or conversation an outcome
  // names (a semi-join the bloom-filter indexes serve), not every call of the range.
  const LINKED_ONLY =
    "\n    AND (trace_id IN (SELECT trace_id FROM o WHERE trace_id != '') OR conversation_id IN (SELECT conversation_id FROM o WHERE conversation_id != ''))";

  it('answers exactly what the unfiltered join answers', async () => {
    const dash = dashboards.find((d) => d.file === 'spend-per-outcome.json')!.dash;
    const variables = await resolveVariables(dash, 'default');
    const filtered = dash.panels.filter((p) => p.targets?.[0]?.rawSql.includes(LINKED_ONLY));
    expect(filtered.map((p) => p.title).length).toBe(4);
    for (const p of filtered) {
      const ctx = { from, to, intervalMs: panelIntervalMs(from, to, p.interval), variables };
      const sql = p.targets![0]!.rawSql;
      const got = await rows(expandGrafanaSql(sql, ctx));
      const all = await rows(expandGrafanaSql(sql.replace(LINKED_ONLY, ''), ctx));
      expect(got.length, p.title).toBeGreaterThan(0);
      const sorted = (r: Record<string, unknown>[]): string[] =>
        r.map((x) => JSON.stringify(x)).sort();
      expect(sorted(got), p.title).toEqual(sorted(all));
    }
  });

  it('unlinked spend (one pass over the range) equals the calls no link of the other panels names', async () => {
    const dash = dashboards.find((d) => d.file === 'spend-per-outcome.json')!.dash;
    const sqlOf = (title: string): string =>
      dash.panels.find((p) => p.title === title)!.targets![0]!.rawSql;
    const variables = await resolveVariables(dash, 'default');
    const ctx = { from, to, intervalMs: 60_000, variables };
    // The direct formulation on the links every other panel of the dashboard joins by: every
    // call of the range read, those no link names summed.
    // The panels' links carry no call id; the direct form names the linked calls by it.
    const links = sqlOf('By feature')
      .replace('c AS (SELECT trace_id,', 'c AS (SELECT call_id, trace_id,')
      .replace('ck AS (SELECT row_part,', 'ck AS (SELECT call_id, row_part,')
      .replace('links AS (SELECT 1 AS linked,', 'links AS (SELECT ck.call_id AS call_id,')
      .replace(
        'GROUP BY ck.row_part, ck.row_offset',
        'GROUP BY ck.call_id, ck.row_part, ck.row_offset',
      );
    expect(links).toContain('links AS (SELECT ck.call_id AS call_id,');
    const direct = `${links.slice(0, links.indexOf('per_outcome AS')).replace(LINKED_ONLY, '').trimEnd().replace(/,$/, '')}
SELECT countIf(call_id NOT IN (SELECT call_id FROM links)) AS unlinked_calls,
  toFloat64(sumIf(cost_total, call_id NOT IN (SELECT call_id FROM links))) AS unlinked_spend,
  round(100 * unlinked_spend / toFloat64(sum(cost_total)), 1) AS unlinked_pct
FROM c WHERE $__timeFilter(start_time)`;
    const [got] = await rows(expandGrafanaSql(sqlOf('Unlinked spend'), ctx));
    const [want] = await rows(expandGrafanaSql(direct, ctx));
    expect(Number(want?.unlinked_calls)).toBeGreaterThan(0);
    expect(Number(want?.unlinked_pct)).toBeLessThan(100);
    expect(got).toEqual(want);
  });
});
