// npm run dashboards:latency — writes the SQL of dashboards/latency-ttft.json from the catalog, so the
// panels read the same histogram rollups with the same quantile arithmetic as GET /v1/latency
// (storage/catalog/histogram.ts quantileSql is the SQL twin of stats-histogram.ts). Panels read
// llm_perf_1h for the whole hours of a range (tables always; time series when a point spans an hour
// or more) and llm_perf_1m for the rest, which are time-first and hold about 80 rows a minute at
// 100M calls, where llm_calls_1m held about one row per call. A tenant has no perf minute table:
// with tenants selected the panels compute the same histograms from llm_calls by its tenant-first
// key instead (one branch or the other reads rows; the other's WHERE is constant false).
import { readFileSync, writeFileSync } from 'node:fs';
import { quantileSql } from '../src/storage/catalog/histogram.js';
import { PERF } from '../src/storage/catalog/measures.js';

const FILE = new URL('../dashboards/latency-ttft.json', import.meta.url);

const DIMS = ['provider', 'model', 'region'];
const FILTERS = DIMS.map((d) => `$__conditionalAll(${d} IN (\${${d}:singlequote}), $${d})`).join(
  ' AND ',
);
/** '1=1' with All tenants (read the rollups), '0' with tenants picked (read llm_calls). */
const ALL_TENANTS = '$__conditionalAll(0, $tenant)';
const TENANTS = '$__conditionalAll(tenant IN (${tenant:singlequote}), $tenant)';
const H0 = 'toStartOfHour($__fromTime + INTERVAL 3599 SECOND)';
const SERIES = `concat(provider, ' / ', model, ' / ', region) AS series`;

interface SourceOptions {
  /** End of the whole hours read from llm_perf_1h (an expression; equal to H0 reads none). */
  hoursTo: string;
}

/** Rows of (minute, provider, model, region, measures...) for the panel's range. */
export function perfSource(measures: readonly string[], o: SourceOptions): string {
  const hours = `minute >= ${H0} AND minute < ${o.hoursTo}`;
  const cols = ['minute', ...DIMS, ...measures].join(', ');
  const raw = measures.map((m) => `${PERF.measures[m]!.raw} AS ${m}`).join(', ');
  return `(SELECT ${cols} FROM llm_perf_1m WHERE ${ALL_TENANTS} AND minute >= $__fromTime AND minute < $__toTime AND NOT (${hours}) AND ${FILTERS}
  UNION ALL
  SELECT hour AS minute, ${[...DIMS, ...measures].join(', ')} FROM llm_perf_1h WHERE ${ALL_TENANTS} AND hour >= ${H0} AND hour < ${o.hoursTo} AND ${FILTERS}
  UNION ALL
  SELECT toStartOfMinute(start_time) AS minute, ${DIMS.join(', ')}, ${raw} FROM llm_calls
  WHERE NOT (${ALL_TENANTS}) AND ${TENANTS} AND start_time >= $__fromTime AND start_time < $__toTime AND ${PERF.where} AND ${FILTERS}
  GROUP BY minute, ${DIMS.join(', ')})`;
}

/** Time series: whole hours from llm_perf_1h only when a point spans at least an hour. */
const SERIES_HOURS = `if($__interval_s >= 3600, toStartOfHour($__toTime), ${H0})`;
const TABLE_HOURS = 'toStartOfHour($__toTime)';
const BOUNDARY = '$__toTime - toIntervalMinute(toUInt32(${drift_window:singlequote}))';

function quantileSeries(measure: string, q: number): string {
  return `SELECT $__timeInterval(minute) AS time, ${SERIES}, ${quantileSql(`sumMap(${measure})`, q)} AS ms
FROM ${perfSource([measure], { hoursTo: SERIES_HOURS })}
GROUP BY time, series HAVING ms IS NOT NULL ORDER BY time`;
}

/** Panel id -> SQL. */
export function latencyPanelSql(): Record<number, string> {
  const q = (m: string, p: number, cond?: string): string =>
    quantileSql(cond === undefined ? `sumMap(${m})` : `sumMapIf(${m}, ${cond})`, p);
  return {
    21: quantileSeries('ttft_h', 0.95),
    22: quantileSeries('ttft_h', 0.5),
    23: `SELECT provider, model, region,
  ${q('ttft_h', 0.95, `minute < ${BOUNDARY}`)} AS baseline_p95_ms,
  ${q('ttft_h', 0.95, `minute >= ${BOUNDARY}`)} AS current_p95_ms,
  ${q('ttft_h', 0.5, `minute >= ${BOUNDARY}`)} AS current_p50_ms,
  round(current_p95_ms / baseline_p95_ms, 2) AS drift_ratio,
  sumIf(attempts, minute >= ${BOUNDARY}) AS current_calls
FROM ${perfSource(['ttft_h', 'attempts'], { hoursTo: `toStartOfHour(${BOUNDARY})` })}
GROUP BY provider, model, region
HAVING current_p95_ms IS NOT NULL
ORDER BY drift_ratio DESC`,
    25: quantileSeries('itl_h', 0.95),
    26: quantileSeries('duration_h', 0.95),
    27: `SELECT $__timeInterval(minute) AS time, ${SERIES},
  100 * sum(errors) / sum(attempts) AS error_pct, 100 * sum(rate_limited) / sum(attempts) AS rate_limited_pct
FROM ${perfSource(['attempts', 'errors', 'rate_limited'], { hoursTo: SERIES_HOURS })}
GROUP BY time, series ORDER BY time`,
    28: `SELECT provider, model, region, sum(attempts) AS call_count,
  ${q('ttft_h', 0.5)} AS ttft_p50_ms, ${q('ttft_h', 0.95)} AS ttft_p95_ms, ${q('ttft_h', 0.99)} AS ttft_p99_ms,
  ${q('duration_h', 0.5)} AS duration_p50_ms, ${q('duration_h', 0.95)} AS duration_p95_ms,
  round(100 * sum(errors) / sum(attempts), 2) AS error_pct
FROM ${perfSource(['attempts', 'errors', 'ttft_h', 'duration_h'], { hoursTo: TABLE_HOURS })}
GROUP BY provider, model, region ORDER BY ttft_p95_ms DESC`,
  };
}

/** Variable name -> query: the small hourly and daily perf tables, not llm_calls_1m. */
export function latencyVariableSql(): Record<string, string> {
  const dim = (d: string): string =>
    `SELECT DISTINCT ${d} FROM llm_perf_1h WHERE hour >= toStartOfHour($__fromTime) AND hour <= $__toTime ORDER BY ${d}`;
  return {
    provider: dim('provider'),
    model: dim('model'),
    region: dim('region'),
    tenant:
      'SELECT DISTINCT tenant FROM llm_perf_tenant_1d WHERE day >= toStartOfDay($__fromTime) AND day <= $__toTime ORDER BY tenant',
  };
}

interface Dashboard {
  panels: { id: number; targets?: { rawSql: string }[] }[];
  templating: { list: { name: string; query: string }[] };
}

function main(): void {
  const dash = JSON.parse(readFileSync(FILE, 'utf8')) as Dashboard;
  const panels = latencyPanelSql();
  for (const p of dash.panels) {
    const sql = panels[p.id];
    if (sql !== undefined && p.targets?.[0] !== undefined) p.targets[0].rawSql = sql;
  }
  const vars = latencyVariableSql();
  for (const v of dash.templating.list) v.query = vars[v.name] ?? v.query;
  writeFileSync(FILE, `${JSON.stringify(dash, null, 2)}\n`);
  console.log(`dashboards/latency-ttft.json: ${Object.keys(panels).length} panels written`);
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop()!))
  main();
