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
import { ctes, outcomeSql, rollupTotalsSql } from './outcomes-spend-sql.js';
import {
  TOTAL,
  UNLINKED,
  coveredRows,
  reservedShares,
  type CoveredTokens,
  type UsedHours,
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

/** The links of calls in [from, to), over every group. */
interface LinkedSums {
  calls: number;
  unpriced: number;
  incomplete: number;
  spend: MoneyValue;
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

export async function queryOutcomeSpend(
  storage: QueryRunner,
  q: OutcomeSpendQuery,
): Promise<OutcomeSpendResult> {
  const { sql: withSql, params } = ctes(q);
  const g = q.groupBy;
  const groupExpr =
    g !== undefined
      ? `if(any(o.${g}) != '', any(o.${g}), argMinIf(l.${g}, l.start_time, l.linked = 1))`
      : "''";
  const reservations = q.reservations ?? [];
  const sql = outcomeSql(withSql, groupExpr, reservations.length > 0);
  // Without reservations the totals come from the rollups; with them a call's coverage decides.
  const totalsRead =
    reservations.length === 0 ? rollupTotalsSql(q) : { sql: sql.totals ?? '', params };
  const [groupRows, totals, range] = await Promise.all([
    storage.query<Record<string, unknown>>(sql.perGroup ?? '', params, {
      settings: { join_use_nulls: 0 },
    }),
    storage.query<Record<string, string | number>>(totalsRead.sql, totalsRead.params),
    reservations.length > 0
      ? storage.query<CoveredTokens>(sql.coveredRange ?? '', params)
      : Promise.resolve([]),
  ]);
  const rows = coveredRows(groupRows, range);
  const callsFrom = new Date(q.from.getTime() - Math.round(q.windowHours * 3_600_000));
  const split = {
    from: callsFrom,
    to: q.to,
    spread: q.unused === 'spread',
    now: (q.now ?? new Date()).getTime(),
  };
  // Both splits read each reservation's hours once.
  const used: UsedHours = new Map();
  const parts = await reservedShares(
    storage,
    reservations,
    rows.filter((c) => c.grp !== TOTAL),
    split,
    used,
  );
  const whole = await reservedShares(
    storage,
    reservations,
    rows.filter((c) => c.grp === TOTAL),
    split,
    used,
  );
  const t = totals[0] ?? {};
  const num = (v: unknown): number => Number(v ?? 0);
  const dec = (v: unknown): MoneyValue => new Money(trimDecimal(String(v ?? '0')));
  const linked = groupRows.reduce<LinkedSums>(
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
  row: Record<string, unknown>,
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
