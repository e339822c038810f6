// The SQL the cost panels of the dashboards share (scripts/cost-dashboards.ts writes them): the
// rows of a panel's range from the day and hour cost tables and llm_calls, as the API's planner
// cuts a range, with the answers the minute rows of llm_calls_1m gave (dropped by migration 0041).
import { CALLS } from '../src/storage/catalog/measures.js';

const BILLABLE = "kind IN ('inference', 'embeddings')";

// The range `$__timeFilter(minute)` selected from llm_calls_1m: the minutes m with from <= m <= to,
// i.e. calls with M0 <= start_time < M1. Whole hours [H0, H1) and whole days [D0, D1) inside it.
export const M0 = 'toStartOfMinute($__fromTime + INTERVAL 59 SECOND)';
export const M1 = '(toStartOfMinute($__toTime) + INTERVAL 1 MINUTE)';
export const H0 = `toStartOfHour(${M0} + INTERVAL 3599 SECOND, 'UTC')`;
export const H1 = `greatest(${H0}, toStartOfHour(${M1}, 'UTC'))`;
const D0 = `toStartOfDay(${M0} + INTERVAL 86399 SECOND, 'UTC')`;
const D1 = `greatest(${D0}, toStartOfDay(${M1}, 'UTC'))`;

/** `$__conditionalAll(dim IN (${dim:singlequote}), $dim)` for each of a dashboard's variables. */
export function filtersOf(vars: readonly string[]): string {
  return [
    BILLABLE,
    ...vars.map((d) => `$__conditionalAll(${d} IN (\${${d}:singlequote}), $${d})`),
  ].join(' AND ');
}

/**
 * A calls measure of one llm_calls row (its aggregate over that row alone): the panels sum rows,
 * so a call read raw is one more row, without grouping the edges by minute first (which cost more
 * than it saved: the minutes of a dense range hold about a call per dimension set).
 */
export function perCall(measure: string): string {
  const raw = CALLS.measures[measure]?.raw;
  if (raw === undefined) throw new Error(`no calls measure ${measure}`);
  if (raw === 'count()') return 'toUInt64(1)';
  const m = /^(countIf|sum)\((.*)\)$/.exec(raw);
  if (m === null || m[2]!.includes('(')) throw new Error(`${measure}: no per-call form of ${raw}`);
  return m[1] === 'countIf' ? `toUInt64(${m[2]})` : m[2]!;
}

/**
 * Rows (minute, dims..., measures...) of the panel's range: days, hours, then minutes of llm_calls.
 * `series`: a time series bucketed by $__timeInterval(minute); a day or an hour row keeps its own
 * bucket only when the interval is a whole number of days or hours, so otherwise those tables read
 * nothing and llm_calls (by its time projection) answers the whole range, as the minute rows did.
 */
export function costSource(
  dims: readonly string[],
  measures: readonly string[],
  filters: string,
  series: boolean,
  /** A condition on llm_calls rows only, where the panel keeps only rows it holds anyway. */
  rawOnly?: string,
): string {
  const h1 = series ? `if($__interval_s % 3600 = 0, ${H1}, ${H0})` : H1;
  const d1 = series ? `if($__interval_s % 86400 = 0, ${D1}, ${D0})` : D1;
  const cols = [...dims, ...measures].join(', ');
  const raw = [...dims, ...measures.map((m) => `${perCall(m)} AS ${m}`)].join(', ');
  return `(SELECT day AS minute, ${cols} FROM llm_costs_tenant_1d WHERE day >= ${D0} AND day < ${d1} AND ${filters}
  UNION ALL
  SELECT hour AS minute, ${cols} FROM llm_costs_tenant_1h WHERE hour >= ${H0} AND hour < ${h1} AND NOT (hour >= ${D0} AND hour < ${d1}) AND ${filters}
  UNION ALL
  SELECT toStartOfMinute(start_time) AS minute, ${raw} FROM llm_calls
  WHERE start_time >= ${M0} AND start_time < ${M1} AND NOT (start_time >= ${H0} AND start_time < ${h1}) AND ${filters}${rawOnly !== undefined ? ` AND ${rawOnly}` : ''})`;
}

/** Variable options: the time-first hourly tables over the hours the range touches. */
export function costVariableSql(name: string): string {
  const table = name === 'tenant' ? 'llm_costs_per_tenant_1h' : 'llm_costs_1h';
  return `SELECT DISTINCT ${name} FROM ${table} WHERE hour >= toStartOfHour($__fromTime, 'UTC') AND hour <= $__toTime AND ${BILLABLE} ORDER BY ${name}`;
}

/**
 * The budget panels read whole days and hours already; their last part (the current hour, or the
 * hour before the range starts) read llm_calls_1m and now reads llm_calls, grouped the same way.
 */
export function budgetSql(sql: string): string {
  const minutes =
    /SELECT tenant, feature, environment, calls, cost_total FROM llm_calls_1m WHERE minute >= (greatest\(ps, toStartOfHour\((?:now\('UTC'\)|\$__fromTime)\)\)) AND minute < (now\('UTC'\)|\$__fromTime) AND ([^\n]*?)\)(\n| GROUP|$)/g;
  let out = sql.replace(
    minutes,
    (_m, lower: string, upper: string, rest: string, after: string) =>
      `SELECT tenant, feature, environment, count() AS calls, sum(cost_total) AS cost_total FROM llm_calls WHERE start_time >= ${lower} AND toStartOfMinute(start_time) < ${upper} AND ${rest} GROUP BY tenant, feature, environment)${after}`,
  );
  const series =
    /FROM llm_calls_1m WHERE minute >= ps AND \$__timeFilter\(minute\) AND (kind IN \('inference', 'embeddings'\)(?: AND \$__conditionalAll\(\w+ IN \(\$\{\w+:singlequote\}\), \$\w+\))*)/;
  out = out.replace(
    series,
    (_m, filters: string) =>
      `FROM ${costSource(['tenant'], ['cost_total'], filters, true)} WHERE minute >= ps`,
  );
  return out;
}
