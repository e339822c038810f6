// The SQL of spend per outcome (outcomes-spend.ts holds the rule and assembles the answer): the
// outcomes and candidate calls of a question, the links between them, and the statements that
// sum them.
import { BILLABLE } from '../../storage/catalog/measures.js';
import { costReadSql } from './costs.js';
import type { OutcomeSpendQuery } from './outcomes-spend.js';
import { COVERED_MAPS, TOKEN_NAMES, coverageSql } from './outcomes-spend-reserved.js';

// The links read the range's calls once: only calls whose trace or conversation an outcome names
// (a semi-join; the bloom-filter indexes skip granules only where outcomes are sparse: at one
// outcome per 1,000 calls every granule holds some outcome's call), each call and outcome
// unrolled into its (trace, conversation) keys and joined once on them. A link row is one stored
// row (its part and offset), carrying what the questions sum, so no question joins the calls
// again: joining them by trace, by conversation and then for their cost read llm_calls three
// times (2.7 s for 6 hours of a 100M-call month). A link carries no call id (`linked` marks a
// matched row of the LEFT JOIN): reading call_id for every call of the range was ~12 % of it.
// test/integration/outcome-links-once.test.ts
// holds it to the rule (outcomes-spend.ts), computed in JavaScript from the stored rows.
// The semi-join's key sets come from o_any, the outcomes without FINAL: a superset of o's keys
// (every version of an outcome in the range), so it admits every call o links and the join on
// ok (o's keys) drops the rest; ClickHouse evaluates a CTE at each reference, and FINAL made each
// of o's four cost ~9 ms more (6 h of the 100M month, three alternating pairs: the links'
// statement 0.86-0.94x, the whole question 0.92-1.02x).
const LINKS = `cl AS (SELECT * FROM c
      WHERE (trace_id != '' AND trace_id IN (SELECT trace_id FROM o_any WHERE trace_id != ''))
        OR (conversation_id != '' AND conversation_id IN (SELECT conversation_id FROM o_any WHERE conversation_id != ''))),
    ck AS (SELECT row_part, row_offset, start_time, cost_total, priced, usage_incomplete, route, feature, tenant,
            input_tokens, cache_read_tokens, cache_creation_tokens, output_tokens, res, hour, k.1 AS via, k.2 AS key
          FROM cl ARRAY JOIN [(0, trace_id), (1, conversation_id)] AS k WHERE k.2 != ''),
    ok AS (SELECT okey, time, tenant, k.1 AS via, k.2 AS key
          FROM o ARRAY JOIN [(0, trace_id), (1, conversation_id)] AS k WHERE k.2 != ''),
    links AS (SELECT 1 AS linked, argMin(ok.okey, (ck.via, ok.time)) AS okey,
        any(ck.start_time) AS start_time, any(ck.cost_total) AS cost_total, any(ck.priced) AS priced,
        any(ck.usage_incomplete) AS usage_incomplete, any(ck.route) AS route, any(ck.feature) AS feature,
        any(ck.tenant) AS tenant, any(ck.input_tokens) AS input_tokens, any(ck.cache_read_tokens) AS cache_read_tokens,
        any(ck.cache_creation_tokens) AS cache_creation_tokens, any(ck.output_tokens) AS output_tokens,
        any(ck.res) AS res, any(ck.hour) AS hour
      FROM ck INNER JOIN ok ON ck.via = ok.via AND ck.key = ok.key
      WHERE (ok.tenant = '' OR ok.tenant = ck.tenant)
        AND (ck.via = 0 OR (ck.start_time <= ok.time AND ck.start_time >= ok.time - toIntervalMillisecond({window_ms:UInt64})))
      GROUP BY ck.row_part, ck.row_offset)`;

export function ctes(q: OutcomeSpendQuery): { sql: string; params: Record<string, unknown> } {
  const windowMs = Math.round(q.windowHours * 3_600_000);
  const params: Record<string, unknown> = {
    from: (q.from.getTime() / 1000).toFixed(3),
    to: (q.to.getTime() / 1000).toFixed(3),
    calls_from: ((q.from.getTime() - windowMs) / 1000).toFixed(3),
    window_ms: windowMs,
  };
  const oFilter = [
    q.name !== undefined ? 'AND name = {name:String}' : '',
    q.tenant !== undefined ? 'AND tenant = {tenant:String}' : '',
  ].join(' ');
  // o and o_any read the same outcomes: the last versions (FINAL), every version (the keys).
  const oWhere = `WHERE time >= toDateTime64({from:Decimal64(6)}, 6, 'UTC') AND time < toDateTime64({to:Decimal64(6)}, 6, 'UTC') ${oFilter}`;
  const cFilter = q.tenant !== undefined ? 'AND tenant = {tenant:String}' : '';
  if (q.name !== undefined) params.name = q.name;
  if (q.tenant !== undefined) params.tenant = q.tenant;
  const res = coverageSql(q.reservations ?? [], params);
  const sql = `WITH
    o AS (SELECT cityHash64(tenant, outcome_id) AS okey, time, success, value, trace_id, conversation_id, route, feature, tenant
          FROM outcomes FINAL ${oWhere}),
    o_any AS (SELECT trace_id, conversation_id FROM outcomes ${oWhere}),
    c AS (SELECT trace_id, conversation_id, start_time, cost_total, priced, usage_incomplete, route, feature, tenant,
            input_tokens, cache_read_tokens, cache_creation_tokens, output_tokens,
            ${res} AS res, toUnixTimestamp(toStartOfHour(start_time)) AS hour, _part AS row_part, _part_offset AS row_offset
          FROM llm_calls
          WHERE start_time >= toDateTime64({calls_from:Decimal64(6)}, 6, 'UTC') AND start_time < toDateTime64({to:Decimal64(6)}, 6, 'UTC')
            AND ${BILLABLE} ${cFilter}),
    ${LINKS}`;
  // With a reservation covering them, calls spend their allocation (added in JS), not cost_total.
  return { sql, params };
}

const TOKENS = TOKEN_NAMES.map((n) => `sum(${n}) AS ${n}`).join(', ');

const SUMS = `count() AS calls, sumIf(cost_total, res < 0) AS spend, countIf(NOT priced) AS unpriced,
  countIf(usage_incomplete) AS incomplete`;

const SINCE = "start_time >= toDateTime64({from:Decimal64(6)}, 6, 'UTC')";

export function outcomeSql(
  withSql: string,
  groupExpr: string,
  reserved: boolean,
): Record<string, string> {
  // s_*: the links of calls in [from, to), summed per outcome so the group rows carry what the
  // unlinked total subtracts (every link belongs to one outcome of the set, so their sum over
  // the groups is the links' own). With reservations, the covered links' tokens per
  // (reservation, hour) ride along the same way (COVERED_MAPS), so the links are joined once.
  const perOutcome = `per_o AS (SELECT o.okey AS okey, any(o.success) AS success, any(o.value) AS value, ${groupExpr} AS grp,
      countIf(l.linked = 1) AS linked, countIf(l.linked = 1 AND NOT l.priced) AS unpriced,
      countIf(l.linked = 1 AND l.usage_incomplete) AS incomplete,
      sumIf(l.cost_total, l.res < 0) AS spend,
      countIf(l.linked = 1 AND l.${SINCE}) AS s_calls, countIf(l.linked = 1 AND l.${SINCE} AND NOT l.priced) AS s_unpriced,
      countIf(l.linked = 1 AND l.${SINCE} AND l.usage_incomplete) AS s_incomplete,
      sumIf(l.cost_total, l.res < 0 AND l.${SINCE}) AS s_spend${reserved ? `, ${COVERED_MAPS.perOutcome(`l.${SINCE}`)}` : ''}
    FROM o LEFT JOIN links l ON l.okey = o.okey
    GROUP BY o.okey)`;
  return {
    perGroup: `${withSql}, ${perOutcome}
      SELECT grp, count() AS outcomes, countIf(success) AS successful_outcomes, sum(linked) AS linked_calls,
        sum(unpriced) AS unpriced_calls, sum(incomplete) AS usage_incomplete_calls, sum(spend) AS spend_usd, sumIf(coalesce(value, 0), success) AS success_value_usd,
        sum(s_calls) AS s_calls, sum(s_unpriced) AS s_unpriced, sum(s_incomplete) AS s_incomplete, sum(s_spend) AS s_spend${reserved ? `, ${COVERED_MAPS.perGroup}` : ''}
      FROM per_o GROUP BY grp`,
    // The range's calls once: unlinked = these - the links in the range (the group rows' s_*),
    // exact (counts and Decimal sums), without testing every call's id against the links (without
    // reservations the same sums come from the rollups instead: rollupTotalsSql). The
    // links are not joined again here: they are most of a statement's time (the semi-join reads
    // every granule of the range, each holding some outcome's call), so computing them in this
    // statement too cost a second pass (475 + 478 ms for 24 h of a 100M-call month).
    totals: `${withSql}
      SELECT ${SUMS} FROM c WHERE ${SINCE}`,
    // The range's covered tokens per (reservation, hour), no links: the total's, and the unlinked
    // calls' once the group rows' s_cov is taken off (coveredRows).
    coveredRange: `${withSql}
      SELECT res, hour, ${TOKENS} FROM c WHERE res >= 0 AND ${SINCE} GROUP BY res, hour`,
  };
}

/**
 * The range's billable calls summed as `totals` sums them, read by the cost planner: whole days
 * and hours from the cost rollups, the partial hours at either end from llm_calls (a small
 * tenant's scope raw, as every cost question reads it). Only without reservations: with them a
 * call's spend depends on its coverage (`res`), which no rollup holds. On the 100M-call month a
 * day's totals took 157 ms raw against 32 ms here, the same answer (`.tmp` probe, median of 9).
 */
export function rollupTotalsSql(q: OutcomeSpendQuery): {
  sql: string;
  params: Record<string, unknown>;
} {
  const read = costReadSql({
    from: q.from,
    to: q.to,
    dims: [],
    filters: { tenant: q.tenant },
    measures: ['calls', 'cost_total', 'unpriced_calls', 'incomplete_calls'],
  });
  return {
    sql: `SELECT sum(calls) AS calls, sum(cost_total) AS spend, sum(unpriced_calls) AS unpriced,
      sum(incomplete_calls) AS incomplete FROM (${read.sql})`,
    params: read.params,
  };
}
