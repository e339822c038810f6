// Provisioned capacity (PTU, GSU, model units) per reservation: each hour's cost allocated to the
// calls it covered by their share of converted tokens, the unused capacity an explicit `idle`
// row. The split is the cost model's (cost-model-alloc.ts), so these allocations are exactly the
// effective cost /v1/costs reports for covered calls, and idle is its unused-reservation row.
// When usage exceeds capacity in an hour, the calls share the whole cost and idle is 0.
import type { ReservationConfig } from '../../shared/config-finops.js';
import type { QueryRunner } from '../../storage/runner.js';
import { costReadSql, type CostDimension } from './costs.js';
import { Money, ZERO, moneyText, type MoneyValue } from '../../shared/money.js';
import { activeRange, convertedTokens, hoursOf, splitHours } from './cost-model-alloc.js';
import { coverageFilters } from './cost-model-read.js';
import type { FilterValue } from '../../storage/planner/plan.js';

export const PROVISIONED_DIMENSIONS = [
  'route',
  'feature',
  'tenant',
  'model',
  'environment',
  'region',
  'operation',
  'capacity_tier',
] as const;
export type ProvisionedDimension = (typeof PROVISIONED_DIMENSIONS)[number];

export interface ProvisionedQuery {
  from: Date;
  to: Date;
  groupBy: ProvisionedDimension[];
  tenant?: string | undefined;
}

interface UsageRow {
  hour: number;
  key: Record<string, string>;
  calls: number;
  converted: MoneyValue;
  list: MoneyValue;
}

interface Acc {
  key: Record<string, string>;
  calls: number;
  converted: MoneyValue;
  list: MoneyValue;
  allocated: MoneyValue;
}

export { convertedTokens, hoursOf };

async function usageByHour(
  storage: QueryRunner,
  r: ReservationConfig,
  range: [number, number],
  dims: readonly CostDimension[],
  tenant: string | undefined,
): Promise<UsageRow[]> {
  const filters: Record<string, FilterValue> = coverageFilters(r);
  if (tenant !== undefined) filters.tenant = tenant;
  const { sql, params } = costReadSql({
    from: new Date(range[0]),
    to: new Date(range[1]),
    dims,
    bucket: 'hour',
    filters,
  });
  const rows = await storage.query<Record<string, string | number>>(
    `SELECT toUnixTimestamp(bucket) AS hour_s, * EXCEPT bucket FROM (${sql})`,
    params,
  );
  return rows
    .filter((row) => Number(row.calls ?? 0) > 0)
    .map((row) => ({
      hour: Number(row.hour_s) * 1000,
      key: Object.fromEntries(dims.map((d) => [d, String(row[d] ?? '')])),
      calls: Number(row.calls ?? 0),
      converted: convertedTokens(r.weights, row),
      list: new Money(String(row.list_cost ?? '0')),
    }));
}

export interface ReservationSummary {
  name: string;
  deployment: string;
  provider: string;
  model: string;
  term: string;
  units: number;
  price_per_unit_hour: string;
  hours: string;
  reservation_cost_usd: string;
  allocated_cost_usd: string;
  idle_cost_usd: string;
  capacity_tokens: string;
  converted_tokens: string;
  utilization: number;
}

export interface ProvisionedResult {
  reservations: ReservationSummary[];
  rows: Record<string, string | number | boolean>[];
}

export async function queryProvisioned(
  storage: QueryRunner,
  reservations: readonly ReservationConfig[],
  q: ProvisionedQuery,
): Promise<ProvisionedResult> {
  const out: ProvisionedResult = { reservations: [], rows: [] };
  for (const r of reservations) {
    const range = activeRange(r, q.from, q.to);
    if (range === undefined) continue;
    const groups = await usageByHour(storage, r, range, q.groupBy, q.tenant);
    // The denominator always covers every tenant: a tenant's share depends on everyone's usage.
    const totals =
      q.groupBy.length === 0 && q.tenant === undefined
        ? groups
        : await usageByHour(storage, r, range, [], undefined);
    const result = allocate(r, range, groups, totals);
    const name = r.name ?? r.deployment;
    for (const acc of result.groups.values()) out.rows.push(groupRow(name, q.groupBy, acc));
    if (q.tenant !== undefined) continue; // idle and the reservation total belong to no tenant
    out.rows.push({
      reservation: name,
      idle: true,
      ...Object.fromEntries(q.groupBy.map((d) => [d, '(idle)'])),
      calls: 0,
      converted_tokens: '0',
      allocated_cost_usd: moneyText(result.idle),
      list_cost_usd: '0',
    });
    out.reservations.push(summary(r, name, result));
  }
  return out;
}

interface Allocation {
  groups: Map<string, Acc>;
  cost: MoneyValue;
  idle: MoneyValue;
  capacity: MoneyValue;
  used: MoneyValue;
  seconds: MoneyValue;
}

/** Pure allocation over hours (the cost model's split, summed per group); exported for unit tests. */
export function allocate(
  r: ReservationConfig,
  range: [number, number],
  groups: UsageRow[],
  totals: UsageRow[],
): Allocation {
  const res: Allocation = {
    groups: new Map(),
    cost: ZERO,
    idle: ZERO,
    capacity: ZERO,
    used: ZERO,
    seconds: ZERO,
  };
  const usedByHour = new Map<number, MoneyValue>();
  for (const t of totals) usedByHour.set(t.hour, (usedByHour.get(t.hour) ?? ZERO).add(t.converted));
  const ids = groups.map((g) => ({
    hour: g.hour,
    id: JSON.stringify(g.key),
    converted: g.converted,
  }));
  const split = splitHours(r, range, ids, usedByHour, false);
  const byHour = new Map(split.map((h) => [h.hour, h]));
  groups.forEach((g, i) =>
    addTo(res.groups, g, byHour.get(g.hour)?.parts.get(ids[i]?.id ?? '') ?? ZERO),
  );
  for (const h of split) {
    res.idle = res.idle.add(h.unused);
    res.cost = res.cost.add(h.cost);
    res.capacity = res.capacity.add(h.capacity);
    res.used = res.used.add(h.used);
    res.seconds = res.seconds.add(h.seconds);
  }
  return res;
}

function addTo(groups: Map<string, Acc>, g: UsageRow, part: MoneyValue): void {
  const id = JSON.stringify(g.key);
  const acc = groups.get(id) ?? {
    key: g.key,
    calls: 0,
    converted: new Money(0),
    list: new Money(0),
    allocated: new Money(0),
  };
  acc.calls += g.calls;
  acc.converted = acc.converted.add(g.converted);
  acc.list = acc.list.add(g.list);
  acc.allocated = acc.allocated.add(part);
  groups.set(id, acc);
}

function groupRow(
  name: string,
  dims: readonly string[],
  acc: Acc,
): Record<string, string | number | boolean> {
  return {
    reservation: name,
    idle: false,
    ...Object.fromEntries(dims.map((d) => [d, acc.key[d] ?? ''])),
    calls: acc.calls,
    converted_tokens: moneyText(acc.converted),
    allocated_cost_usd: moneyText(acc.allocated),
    // What the same calls cost at on-demand (list) prices, to compare against the allocation.
    list_cost_usd: moneyText(acc.list),
  };
}

function summary(r: ReservationConfig, name: string, a: Allocation): ReservationSummary {
  const allocated = a.cost.sub(a.idle);
  return {
    name,
    deployment: r.deployment,
    provider: r.provider ?? '',
    model: r.model ?? '',
    term: r.term,
    units: r.units,
    price_per_unit_hour: r.price_per_unit_hour,
    hours: moneyText(a.seconds.div(3600).toDecimalPlaces(6)),
    reservation_cost_usd: moneyText(a.cost),
    allocated_cost_usd: moneyText(allocated),
    idle_cost_usd: moneyText(a.idle),
    capacity_tokens: moneyText(a.capacity.toDecimalPlaces(6)),
    converted_tokens: moneyText(a.used),
    utilization: a.capacity.isZero() ? 0 : a.used.div(a.capacity).toDecimalPlaces(6).toNumber(),
  };
}
