// Provisioned capacity (PTU, GSU, model units): each reservation's hourly cost is allocated to
// the calls on its deployment by their share of converted tokens in that hour; the unused
// capacity is an explicit `idle` row, never spread over the calls. Per hour:
//   cost_h     = units x price_per_unit_hour x covered_seconds / 3600   (rounded to 18 decimals)
//   capacity_h = units x tokens_per_minute_per_unit x covered_seconds / 60
//   idle weight = max(0, capacity_h - used_h); parts = largest remainder of cost_h over
//   [each group's converted tokens..., other tenants' tokens, idle weight]  => sums are exact.
// When usage exceeds capacity in an hour, the calls share the whole cost and idle is 0.
import type { ReservationConfig } from '../../shared/config-finops.js';
import type { QueryRunner } from '../../storage/runner.js';
import { costReadSql, type CostDimension } from './costs.js';
import {
  MONEY_SCALE,
  Money,
  largestRemainder,
  moneyText,
  type MoneyValue,
} from '../../shared/money.js';

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

const HOUR_MS = 3_600_000;

/** Converted tokens of a usage row: capacity weights, input counted net of cache reads and writes. */
export function convertedTokens(
  w: ReservationConfig['weights'],
  row: Record<string, unknown>,
): MoneyValue {
  const input = Number(row.input_tokens ?? 0);
  const read = Number(row.cache_read_tokens ?? 0);
  const write = Number(row.cache_creation_tokens ?? 0);
  const output = Number(row.output_tokens ?? 0);
  const uncached = Math.max(0, input - read - write);
  return new Money(w.input)
    .mul(uncached)
    .add(new Money(w.cached_input).mul(read))
    .add(new Money(w.cache_write).mul(write))
    .add(new Money(w.output).mul(output));
}

/** [from, to) clipped to the reservation's active window, or undefined when they do not meet. */
function activeRange(r: ReservationConfig, from: Date, to: Date): [number, number] | undefined {
  const lo = Math.max(from.getTime(), r.start !== undefined ? Date.parse(r.start) : -Infinity);
  const hi = Math.min(to.getTime(), r.end !== undefined ? Date.parse(r.end) : Infinity);
  return lo < hi ? [lo, hi] : undefined;
}

/** Every hour touched by [lo, hi), with the seconds of it that are covered. */
export function hoursOf(lo: number, hi: number): { hour: number; seconds: MoneyValue }[] {
  const out: { hour: number; seconds: MoneyValue }[] = [];
  for (let h = Math.floor(lo / HOUR_MS) * HOUR_MS; h < hi; h += HOUR_MS) {
    const ms = Math.min(hi, h + HOUR_MS) - Math.max(lo, h);
    out.push({ hour: h, seconds: new Money(ms).div(1000) });
  }
  return out;
}

async function usageByHour(
  storage: QueryRunner,
  r: ReservationConfig,
  range: [number, number],
  dims: readonly CostDimension[],
  tenant: string | undefined,
): Promise<UsageRow[]> {
  const filters: Partial<Record<CostDimension, string>> = { deployment: r.deployment };
  if (r.provider !== undefined) filters.provider = r.provider;
  if (r.model !== undefined) filters.model = r.model;
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

/** Pure allocation over hours; exported for unit tests. */
export function allocate(
  r: ReservationConfig,
  range: [number, number],
  groups: UsageRow[],
  totals: UsageRow[],
): Allocation {
  const zero = new Money(0);
  const res: Allocation = {
    groups: new Map(),
    cost: zero,
    idle: zero,
    capacity: zero,
    used: zero,
    seconds: zero,
  };
  const byHour = new Map<number, UsageRow[]>();
  for (const g of groups) byHour.set(g.hour, [...(byHour.get(g.hour) ?? []), g]);
  const usedByHour = new Map<number, MoneyValue>();
  for (const t of totals) usedByHour.set(t.hour, (usedByHour.get(t.hour) ?? zero).add(t.converted));
  for (const { hour, seconds } of hoursOf(range[0], range[1])) {
    const cost = new Money(r.price_per_unit_hour)
      .mul(r.units)
      .mul(seconds)
      .div(3600)
      .toDecimalPlaces(MONEY_SCALE);
    const capacity = new Money(r.tokens_per_minute_per_unit).mul(r.units).mul(seconds).div(60);
    const used = usedByHour.get(hour) ?? zero;
    const rows = byHour.get(hour) ?? [];
    const mine = rows.reduce((acc, g) => acc.add(g.converted), zero);
    const idleWeight = Money.max(zero, capacity.sub(used));
    const parts = largestRemainder(cost, [
      ...rows.map((g) => g.converted),
      Money.max(zero, used.sub(mine)),
      idleWeight,
    ]);
    rows.forEach((g, i) => addTo(res.groups, g, parts[i] ?? zero));
    res.idle = res.idle.add(parts[parts.length - 1] ?? zero);
    res.cost = res.cost.add(cost);
    res.capacity = res.capacity.add(capacity);
    res.used = res.used.add(used);
    res.seconds = res.seconds.add(seconds);
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
