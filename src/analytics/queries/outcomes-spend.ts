// Spend per successful outcome. Linking rule (also returned in every response):
//  1. a call belongs to an outcome with the same trace_id (non-empty), whatever their times;
//  2. otherwise to an outcome with the same conversation_id (non-empty) if the call started
//     within `window` before the outcome (call.start_time in [outcome.time - window, outcome.time]);
//  Either way only inside a tenant: an outcome links calls of its own tenant (an outcome with
//  no tenant, written by a trusted unbound sender, links any), so one tenant's outcomes can
//  neither claim nor be charged another tenant's calls;
//  3. a call that matches several outcomes belongs to one only: trace matches beat conversation
//     matches, then the earliest outcome wins (the first result that call led to), so no call
//     is counted twice. Calls in [from, to) linked to no outcome of the set are `unlinked`.
// Outcomes are those with time in [from, to) (and `name`, if given); candidate calls start in
// [from - window, to). spend_per_success = all spend linked to the group's outcomes (failed
// ones included: failures are part of what a success costs) / successful outcomes.
// Spend is the cost model's effective cost: token price after discounts for on-demand calls, the
// allocated share of the reservation hour for covered ones (outcomes-spend-reserved.ts).
// Unpriced calls are counted beside the spend they are missing from.
import type { QueryRunner } from '../../storage/runner.js';
import { BILLABLE } from '../../storage/catalog/measures.js';
import type { ReservationConfig } from '../../shared/config-finops.js';
import type { UnusedMode } from './cost-model-lines.js';
import {
  MONEY_SCALE,
  Money,
  ZERO,
  moneyText,
  trimDecimal,
  type MoneyValue,
} from '../../shared/money.js';
import {
  TOTAL,
  UNLINKED,
  coverageSql,
  reservedShares,
  type CoveredTokens,
} from './outcomes-spend-reserved.js';

export const OUTCOME_GROUPS = ['feature', 'route', 'tenant'] as const;
export type OutcomeGroup = (typeof OUTCOME_GROUPS)[number];

export interface OutcomeSpendQuery {
  from: Date;
  to: Date;
  groupBy?: OutcomeGroup | undefined;
  name?: string | undefined;
  tenant?: string | undefined;
  windowHours: number;
  reservations?: readonly ReservationConfig[] | undefined;
  /** `row` (default): unused reservation capacity is no outcome's; `spread`: over covered calls. */
  unused?: UnusedMode | undefined;
  /** The clock: reservation hours that have not begun by then are not charged (default now). */
  now?: Date | undefined;
}

export function linkingRule(
  windowHours: number,
  unused: UnusedMode = 'row',
): Record<string, unknown> {
  return {
    rule: 'same trace_id, else same conversation_id with the call starting within the window before the outcome, within the outcome tenant (an outcome without tenant links any); one outcome per call (trace match first, then the earliest outcome)',
    conversation_window_hours: windowHours,
    outcomes: 'time in [from, to), filtered by name when given; read with FINAL (idempotent by id)',
    candidate_calls: 'billable calls starting in [from - window, to)',
    spend_per_success:
      'spend linked to all outcomes of the group (failed included) / successful outcomes',
    spend:
      'effective cost: token price after discounts, or the share of the reservation hour for calls a reservation covers; unpriced calls are counted, not priced; usage_incomplete_calls counts calls whose source reports incomplete usage (their cost is an upper estimate)',
    group: "the outcome's own route/feature/tenant, else that of its earliest linked call",
    unused_reservation:
      unused === 'spread'
        ? "spread: each hour's unused reservation share is spread over the covered calls of the hour (linked, unlinked and outside the question) by converted tokens, as /v1/costs?unused=spread does"
        : 'row: the unused reservation share is charged to no outcome (see /v1/costs)',
  };
}

// The links read the range's calls once: only calls whose trace or conversation an outcome names
// (a semi-join the bloom-filter indexes serve), each call and outcome unrolled into its (trace,
// conversation) keys and joined once on them. A link row is one stored row (its part and offset),
// carrying what the questions sum, so no question joins the calls again: joining them by trace,
// by conversation and then for their cost read llm_calls three times (2.7 s for 6 hours of a
// 100M-call month). test/integration/outcome-links-once.test.ts holds it to the rule above,
// computed in JavaScript from the stored rows.
const LINKS = `cl AS (SELECT * FROM c
      WHERE (trace_id != '' AND trace_id IN (SELECT trace_id FROM o WHERE trace_id != ''))
        OR (conversation_id != '' AND conversation_id IN (SELECT conversation_id FROM o WHERE conversation_id != ''))),
    ck AS (SELECT call_id, row_part, row_offset, start_time, cost_total, priced, usage_incomplete, route, feature, tenant,
            input_tokens, cache_read_tokens, cache_creation_tokens, output_tokens, res, hour, k.1 AS via, k.2 AS key
          FROM cl ARRAY JOIN [(0, trace_id), (1, conversation_id)] AS k WHERE k.2 != ''),
    ok AS (SELECT okey, time, tenant, k.1 AS via, k.2 AS key
          FROM o ARRAY JOIN [(0, trace_id), (1, conversation_id)] AS k WHERE k.2 != ''),
    links AS (SELECT ck.call_id AS call_id, argMin(ok.okey, (ck.via, ok.time)) AS okey,
        any(ck.start_time) AS start_time, any(ck.cost_total) AS cost_total, any(ck.priced) AS priced,
        any(ck.usage_incomplete) AS usage_incomplete, any(ck.route) AS route, any(ck.feature) AS feature,
        any(ck.tenant) AS tenant, any(ck.input_tokens) AS input_tokens, any(ck.cache_read_tokens) AS cache_read_tokens,
        any(ck.cache_creation_tokens) AS cache_creation_tokens, any(ck.output_tokens) AS output_tokens,
        any(ck.res) AS res, any(ck.hour) AS hour
      FROM ck INNER JOIN ok ON ck.via = ok.via AND ck.key = ok.key
      WHERE (ok.tenant = '' OR ok.tenant = ck.tenant)
        AND (ck.via = 0 OR (ck.start_time <= ok.time AND ck.start_time >= ok.time - toIntervalMillisecond({window_ms:UInt64})))
      GROUP BY ck.call_id, ck.row_part, ck.row_offset)`;

function ctes(q: OutcomeSpendQuery): { sql: string; params: Record<string, unknown> } {
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
  const cFilter = q.tenant !== undefined ? 'AND tenant = {tenant:String}' : '';
  if (q.name !== undefined) params.name = q.name;
  if (q.tenant !== undefined) params.tenant = q.tenant;
  const res = coverageSql(q.reservations ?? [], params);
  const sql = `WITH
    o AS (SELECT cityHash64(tenant, outcome_id) AS okey, time, success, value, trace_id, conversation_id, route, feature, tenant
          FROM outcomes FINAL
          WHERE time >= toDateTime64({from:Decimal64(6)}, 6, 'UTC') AND time < toDateTime64({to:Decimal64(6)}, 6, 'UTC') ${oFilter}),
    c AS (SELECT call_id, trace_id, conversation_id, start_time, cost_total, priced, usage_incomplete, route, feature, tenant,
            input_tokens, cache_read_tokens, cache_creation_tokens, output_tokens,
            ${res} AS res, toUnixTimestamp(toStartOfHour(start_time)) AS hour, _part AS row_part, _part_offset AS row_offset
          FROM llm_calls
          WHERE start_time >= toDateTime64({calls_from:Decimal64(6)}, 6, 'UTC') AND start_time < toDateTime64({to:Decimal64(6)}, 6, 'UTC')
            AND ${BILLABLE} ${cFilter}),
    ${LINKS}`;
  // With a reservation covering them, calls spend their allocation (added in JS), not cost_total.
  return { sql, params };
}

export interface OutcomeSpendRow {
  [group: string]: string | number;
  outcomes: number;
  successful_outcomes: number;
  failed_outcomes: number;
  linked_calls: number;
  /** Linked calls without a price: spend_usd leaves them out. */
  unpriced_calls: number;
  /** Linked calls whose source reports incomplete usage: spend_usd only estimates them. */
  usage_incomplete_calls: number;
  spend_usd: string;
  spend_per_success_usd: string;
  success_value_usd: string;
}

export interface SpendTotal {
  calls: number;
  spend_usd: string;
  unpriced_calls: number;
  usage_incomplete_calls: number;
}

export interface OutcomeSpendResult {
  rows: OutcomeSpendRow[];
  unlinked: SpendTotal;
  total: SpendTotal;
}

const TOKEN_NAMES = [
  'input_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'output_tokens',
] as const;
const TOKENS = TOKEN_NAMES.map((n) => `sum(${n}) AS ${n}`).join(', ');

const SUMS = `count() AS calls, sumIf(cost_total, res < 0) AS spend, countIf(NOT priced) AS unpriced,
  countIf(usage_incomplete) AS incomplete`;

const SINCE = "start_time >= toDateTime64({from:Decimal64(6)}, 6, 'UTC')";

function outcomeSql(withSql: string, groupExpr: string): Record<string, string> {
  // s_*: the links of calls in [from, to), summed per outcome so the group rows carry what the
  // unlinked total subtracts (every link belongs to one outcome of the set, so their sum over
  // the groups is the links' own).
  const perOutcome = `per_o AS (SELECT o.okey AS okey, any(o.success) AS success, any(o.value) AS value, ${groupExpr} AS grp,
      countIf(l.call_id != '') AS linked, countIf(l.call_id != '' AND NOT l.priced) AS unpriced,
      countIf(l.call_id != '' AND l.usage_incomplete) AS incomplete,
      sumIf(l.cost_total, l.res < 0) AS spend,
      countIf(l.call_id != '' AND l.${SINCE}) AS s_calls, countIf(l.call_id != '' AND l.${SINCE} AND NOT l.priced) AS s_unpriced,
      countIf(l.call_id != '' AND l.${SINCE} AND l.usage_incomplete) AS s_incomplete,
      sumIf(l.cost_total, l.res < 0 AND l.${SINCE}) AS s_spend
    FROM o LEFT JOIN links l ON l.okey = o.okey
    GROUP BY o.okey)`;
  return {
    perGroup: `${withSql}, ${perOutcome}
      SELECT grp, count() AS outcomes, countIf(success) AS successful_outcomes, sum(linked) AS linked_calls,
        sum(unpriced) AS unpriced_calls, sum(incomplete) AS usage_incomplete_calls, sum(spend) AS spend_usd, sumIf(coalesce(value, 0), success) AS success_value_usd,
        sum(s_calls) AS s_calls, sum(s_unpriced) AS s_unpriced, sum(s_incomplete) AS s_incomplete, sum(s_spend) AS s_spend
      FROM per_o GROUP BY grp`,
    // The range's calls once: unlinked = these - the links in the range (the group rows' s_*),
    // exact (counts and Decimal sums), without testing every call's id against the links. The
    // links are not joined again here: they are most of a statement's time (the semi-join reads
    // every granule of the range, each holding some outcome's call), so computing them in this
    // statement too cost a second pass (475 + 478 ms for 24 h of a 100M-call month).
    totals: `${withSql}
      SELECT ${SUMS} FROM c WHERE ${SINCE}`,
    covered: `${withSql}, ${perOutcome}
      SELECT concat('g:', g.grp) AS grp, l.res AS res, l.hour AS hour, ${TOKENS}
      FROM links l INNER JOIN per_o g ON g.okey = l.okey
      WHERE l.res >= 0 GROUP BY grp, res, hour
      UNION ALL
      SELECT '${UNLINKED}' AS grp, t.res AS res, t.hour AS hour, ${TOKEN_NAMES.map((n) => `t.${n} - k.${n} AS ${n}`).join(', ')}
      FROM (SELECT res, hour, ${TOKENS} FROM c WHERE res >= 0 AND ${SINCE} GROUP BY res, hour) AS t
      LEFT JOIN (SELECT res, hour, ${TOKENS} FROM links WHERE res >= 0 AND ${SINCE} GROUP BY res, hour) AS k
        ON k.res = t.res AND k.hour = t.hour
      UNION ALL
      SELECT '${TOTAL}' AS grp, res, hour, ${TOKENS} FROM c WHERE res >= 0 AND ${SINCE} GROUP BY res, hour`,
  };
}

export async function queryOutcomeSpend(
  storage: QueryRunner,
  q: OutcomeSpendQuery,
): Promise<OutcomeSpendResult> {
  const { sql: withSql, params } = ctes(q);
  const g = q.groupBy;
  const groupExpr =
    g !== undefined
      ? `if(any(o.${g}) != '', any(o.${g}), argMinIf(l.${g}, l.start_time, l.call_id != ''))`
      : "''";
  const sql = outcomeSql(withSql, groupExpr);
  const reservations = q.reservations ?? [];
  const [groupRows, totals, covered] = await Promise.all([
    storage.query<Record<string, string | number>>(sql.perGroup ?? '', params, {
      settings: { join_use_nulls: 0 },
    }),
    storage.query<Record<string, string | number>>(sql.totals ?? '', params),
    reservations.length > 0
      ? storage.query<CoveredTokens>(sql.covered ?? '', params, {
          settings: { join_use_nulls: 0 },
        })
      : Promise.resolve([]),
  ]);
  const rows = covered.map((c) => ({ ...c, res: Number(c.res), hour: Number(c.hour) * 1000 }));
  const callsFrom = new Date(q.from.getTime() - Math.round(q.windowHours * 3_600_000));
  const split = {
    from: callsFrom,
    to: q.to,
    spread: q.unused === 'spread',
    now: (q.now ?? new Date()).getTime(),
  };
  const parts = await reservedShares(
    storage,
    reservations,
    rows.filter((c) => c.grp !== TOTAL),
    split,
  );
  const whole = await reservedShares(
    storage,
    reservations,
    rows.filter((c) => c.grp === TOTAL),
    split,
  );
  const t = totals[0] ?? {};
  const num = (v: unknown): number => Number(v ?? 0);
  const dec = (v: unknown): MoneyValue => new Money(trimDecimal(String(v ?? '0')));
  const linked = groupRows.reduce(
    (k, r) => ({
      calls: k.calls + num(r.s_calls),
      unpriced: k.unpriced + num(r.s_unpriced),
      incomplete: k.incomplete + num(r.s_incomplete),
      spend: k.spend.add(dec(r.s_spend)),
    }),
    { calls: 0, unpriced: 0, incomplete: 0, spend: ZERO },
  );
  const spend = (amount: MoneyValue, share: MoneyValue | undefined): string =>
    moneyText(amount.add(share ?? ZERO));
  return {
    rows: groupRows
      .map((row) => toRow(row, g, parts.get(`g:${String(row.grp ?? '')}`)))
      .sort(
        (a, b) =>
          new Money(b.spend_usd).cmp(a.spend_usd) ||
          String(g !== undefined ? a[g] : '').localeCompare(String(g !== undefined ? b[g] : '')),
      ),
    unlinked: {
      calls: num(t.calls) - linked.calls,
      spend_usd: spend(dec(t.spend).sub(linked.spend), parts.get(UNLINKED)),
      unpriced_calls: num(t.unpriced) - linked.unpriced,
      usage_incomplete_calls: num(t.incomplete) - linked.incomplete,
    },
    total: {
      calls: num(t.calls),
      spend_usd: spend(dec(t.spend), whole.get(TOTAL)),
      unpriced_calls: num(t.unpriced),
      usage_incomplete_calls: num(t.incomplete),
    },
  };
}

function toRow(
  row: Record<string, string | number>,
  g: OutcomeGroup | undefined,
  reserved: MoneyValue | undefined,
): OutcomeSpendRow {
  const successes = Number(row.successful_outcomes ?? 0);
  const spend = new Money(String(row.spend_usd ?? '0')).add(reserved ?? ZERO);
  const out: OutcomeSpendRow = {
    outcomes: Number(row.outcomes ?? 0),
    successful_outcomes: successes,
    failed_outcomes: Number(row.outcomes ?? 0) - successes,
    linked_calls: Number(row.linked_calls ?? 0),
    unpriced_calls: Number(row.unpriced_calls ?? 0),
    usage_incomplete_calls: Number(row.usage_incomplete_calls ?? 0),
    spend_usd: moneyText(spend),
    // A ratio, not an allocation: rounded half-even to the money scale (18 decimals).
    spend_per_success_usd:
      successes > 0 ? moneyText(spend.div(successes).toDecimalPlaces(MONEY_SCALE)) : '',
    success_value_usd: trimDecimal(String(row.success_value_usd ?? '0')),
  };
  if (g !== undefined) out[g] = String(row.grp ?? '');
  return out;
}
