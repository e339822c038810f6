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
import type { QueryRunner } from '../../storage/runner.js';
import { BILLABLE } from '../../storage/catalog/measures.js';
import { MONEY_SCALE, Money, moneyText, trimDecimal } from '../../shared/money.js';

export const OUTCOME_GROUPS = ['feature', 'route', 'tenant'] as const;
export type OutcomeGroup = (typeof OUTCOME_GROUPS)[number];

export interface OutcomeSpendQuery {
  from: Date;
  to: Date;
  groupBy?: OutcomeGroup | undefined;
  name?: string | undefined;
  tenant?: string | undefined;
  windowHours: number;
}

export function linkingRule(windowHours: number): Record<string, unknown> {
  return {
    rule: 'same trace_id, else same conversation_id with the call starting within the window before the outcome, within the outcome tenant (an outcome without tenant links any); one outcome per call (trace match first, then the earliest outcome)',
    conversation_window_hours: windowHours,
    outcomes: 'time in [from, to), filtered by name when given; read with FINAL (idempotent by id)',
    candidate_calls: 'billable calls starting in [from - window, to)',
    spend_per_success:
      'spend linked to all outcomes of the group (failed included) / successful outcomes',
    group: "the outcome's own route/feature/tenant, else that of its earliest linked call",
  };
}

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
  const sql = `WITH
    o AS (SELECT cityHash64(tenant, outcome_id) AS okey, time, success, value, trace_id, conversation_id, route, feature, tenant
          FROM outcomes FINAL
          WHERE time >= toDateTime64({from:Decimal64(6)}, 6, 'UTC') AND time < toDateTime64({to:Decimal64(6)}, 6, 'UTC') ${oFilter}),
    c AS (SELECT call_id, trace_id, conversation_id, start_time, cost_total, route, feature, tenant FROM llm_calls
          WHERE start_time >= toDateTime64({calls_from:Decimal64(6)}, 6, 'UTC') AND start_time < toDateTime64({to:Decimal64(6)}, 6, 'UTC')
            AND ${BILLABLE} ${cFilter}),
    links AS (SELECT call_id, argMin(okey, (prio, otime)) AS okey FROM (
        SELECT c.call_id AS call_id, o.okey AS okey, 0 AS prio, o.time AS otime FROM c INNER JOIN o ON c.trace_id = o.trace_id
        WHERE c.trace_id != '' AND (o.tenant = '' OR o.tenant = c.tenant)
        UNION ALL
        SELECT c.call_id AS call_id, o.okey AS okey, 1 AS prio, o.time AS otime FROM c INNER JOIN o ON c.conversation_id = o.conversation_id
        WHERE c.conversation_id != '' AND (o.tenant = '' OR o.tenant = c.tenant) AND c.start_time <= o.time AND c.start_time >= o.time - toIntervalMillisecond({window_ms:UInt64})
      ) GROUP BY call_id)`;
  return { sql, params };
}

export interface OutcomeSpendRow {
  [group: string]: string | number;
  outcomes: number;
  successful_outcomes: number;
  failed_outcomes: number;
  linked_calls: number;
  spend_usd: string;
  spend_per_success_usd: string;
  success_value_usd: string;
}

export interface OutcomeSpendResult {
  rows: OutcomeSpendRow[];
  unlinked: { calls: number; spend_usd: string };
  total: { calls: number; spend_usd: string };
}

export async function queryOutcomeSpend(
  storage: QueryRunner,
  q: OutcomeSpendQuery,
): Promise<OutcomeSpendResult> {
  const { sql: withSql, params } = ctes(q);
  const g = q.groupBy;
  const groupExpr =
    g !== undefined
      ? `if(any(o.${g}) != '', any(o.${g}), argMinIf(c.${g}, c.start_time, c.call_id != ''))`
      : "''";
  const perGroup = `${withSql}
    SELECT grp, count() AS outcomes, countIf(success) AS successful_outcomes, sum(linked) AS linked_calls,
      sum(spend) AS spend_usd, sumIf(coalesce(value, 0), success) AS success_value_usd
    FROM (SELECT o.okey AS okey, any(o.success) AS success, any(o.value) AS value, ${groupExpr} AS grp,
            countIf(c.call_id != '') AS linked, sum(c.cost_total) AS spend
          FROM o LEFT JOIN links l ON l.okey = o.okey LEFT JOIN c ON c.call_id = l.call_id
          GROUP BY o.okey)
    GROUP BY grp ORDER BY spend_usd DESC, grp`;
  const unlinked = `${withSql}
    SELECT count() AS calls, sum(cost_total) AS spend, countIf(call_id NOT IN (SELECT call_id FROM links)) AS u_calls,
      sumIf(cost_total, call_id NOT IN (SELECT call_id FROM links)) AS u_spend
    FROM c WHERE start_time >= toDateTime64({from:Decimal64(6)}, 6, 'UTC')`;
  const [groupRows, totals] = await Promise.all([
    storage.query<Record<string, string | number>>(perGroup, params, {
      settings: { join_use_nulls: 0 },
    }),
    storage.query<Record<string, string | number>>(unlinked, params),
  ]);
  const t = totals[0] ?? {};
  return {
    rows: groupRows.map((row) => toRow(row, g)),
    unlinked: { calls: Number(t.u_calls ?? 0), spend_usd: trimDecimal(String(t.u_spend ?? '0')) },
    total: { calls: Number(t.calls ?? 0), spend_usd: trimDecimal(String(t.spend ?? '0')) },
  };
}

function toRow(row: Record<string, string | number>, g: OutcomeGroup | undefined): OutcomeSpendRow {
  const successes = Number(row.successful_outcomes ?? 0);
  const spend = new Money(String(row.spend_usd ?? '0'));
  const out: OutcomeSpendRow = {
    outcomes: Number(row.outcomes ?? 0),
    successful_outcomes: successes,
    failed_outcomes: Number(row.outcomes ?? 0) - successes,
    linked_calls: Number(row.linked_calls ?? 0),
    spend_usd: moneyText(spend),
    // A ratio, not an allocation: rounded half-even to the money scale (18 decimals).
    spend_per_success_usd:
      successes > 0 ? moneyText(spend.div(successes).toDecimalPlaces(MONEY_SCALE)) : '',
    success_value_usd: trimDecimal(String(row.success_value_usd ?? '0')),
  };
  if (g !== undefined) out[g] = String(row.grp ?? '');
  return out;
}
