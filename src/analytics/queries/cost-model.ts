// The one cost model (three bases) every money answer reads. For each call:
//   list_cost      on-demand equivalent (token prices before discounts);
//   billed_cost    what the invoice line says: token price after discounts for on-demand calls,
//                  $0 for calls a configured reservation covers (coverageFilters);
//   effective_cost amortized: as billed for on-demand calls; for covered calls their allocated
//                  share of the reservation hour (cost-model-alloc.ts: converted-token share).
// Each reservation hour also yields two lines of its own: the purchase (billed = the hour's
// charge, effective 0) and the unused share (effective, billed 0). Over any range,
//   sum(effective) = sum(billed) = on-demand spend + reservation cost of the covered hours,
// exactly. Reservation lines belong to no tenant or route: they are left out under a tenant
// scope or a filter they do not match; `spread` puts the unused share onto the groups instead.
// Reservations are applied at query time from config, so a changed reservation re-prices history.
import type { ReservationConfig } from '../../shared/config-finops.js';
import { Money, ZERO, fromUnits, type MoneyValue } from '../../shared/money.js';
import type { FilterValue } from '../../storage/planner/plan.js';
import type { QueryRunner } from '../../storage/runner.js';
import { activeRange, splitHours, type HourSplit } from './cost-model-alloc.js';
import {
  readHourUnits,
  splitHourUnits,
  type HourCharge,
  type HourUnits,
  type HourUnitsRead,
} from './cost-model-hours.js';
import {
  USAGE_MEASURES,
  addMeasures,
  coverageFilters,
  groupId,
  readGroups,
  readHourTokens,
  type Measures,
} from './cost-model-read.js';
import type { Bucket, CostDimension } from './costs.js';

export type UnusedMode = 'row' | 'spread';

export interface ModelQuery {
  from: Date;
  to: Date;
  dims: readonly CostDimension[];
  bucket?: Bucket | undefined;
  tenant?: string | undefined;
  /** Equality filters on dimensions (budget and alert scopes). */
  filters?: Partial<Record<CostDimension, string>> | undefined;
  reservations: readonly ReservationConfig[];
  unused?: UnusedMode | undefined;
  /** Measures to carry (default USAGE_MEASURES); must include calls and cost_usd. */
  measures?: Readonly<Record<string, string>> | undefined;
}

export type LineKind = 'usage' | 'purchase' | 'unused';

export interface CostLine {
  kind: LineKind;
  bucket: number | undefined;
  key: Record<string, string>;
  /** The covering reservation's name; '' for on-demand usage. */
  reservation: string;
  deployment: string;
  m: Measures;
  billed: MoneyValue;
  effective: MoneyValue;
  /** Covered usage: converted tokens (capacity used); reservation lines: hours of term. */
  quantity: MoneyValue;
}

const DAY_MS = 86_400_000;

/** Start (ms) of the bucket holding `ms`, as the read planner buckets (UTC; ISO weeks). */
export function bucketOf(ms: number, bucket: Bucket | undefined): number | undefined {
  if (bucket === undefined) return undefined;
  if (bucket === 'hour') return Math.floor(ms / 3_600_000) * 3_600_000;
  const day = Math.floor(ms / DAY_MS) * DAY_MS;
  if (bucket === 'day') return day;
  if (bucket === 'week') return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** Whether a reservation's own lines belong in a question with these filters. */
function showsReservation(r: ReservationConfig, q: ModelQuery): boolean {
  if (q.tenant !== undefined) return false;
  const own: Record<string, string | undefined> = {
    deployment: r.deployment,
    provider: r.provider,
    model: r.model,
  };
  return Object.entries(q.filters ?? {}).every(
    ([dim, value]) => value === undefined || own[dim] === value,
  );
}

class Lines {
  readonly map = new Map<string, CostLine>();
  get(
    kind: LineKind,
    bucket: number | undefined,
    key: Record<string, string>,
    reservation = '',
    deployment = '',
  ): CostLine {
    const id = `${kind}|${bucket ?? ''}|${reservation}|${groupId(key)}`;
    let line = this.map.get(id);
    if (line === undefined) {
      line = {
        kind,
        bucket,
        key,
        reservation,
        deployment,
        m: {},
        billed: ZERO,
        effective: ZERO,
        quantity: ZERO,
      };
      this.map.set(id, line);
    }
    return line;
  }
}

/** Every line of the question: usage (on-demand and covered) and reservation lines. */
export async function costLines(storage: QueryRunner, q: ModelQuery): Promise<CostLine[]> {
  const measures = q.measures ?? USAGE_MEASURES;
  const scope: Record<string, FilterValue> = { ...(q.filters ?? {}) } as Record<string, string>;
  if (q.tenant !== undefined) scope.tenant = q.tenant;
  const lines = new Lines();
  const totals = await readGroups(storage, {
    from: q.from,
    to: q.to,
    dims: q.dims,
    bucket: q.bucket,
    filters: scope,
    measures,
  });
  for (const row of totals) addMeasures(lines.get('usage', row.bucket, row.key).m, row.m);
  for (const r of q.reservations) {
    const range = activeRange(r, q.from, q.to);
    if (range !== undefined) await applyReservation(storage, q, r, range, scope, lines);
  }
  const out = [...lines.map.values()];
  for (const line of out)
    if (line.kind === 'usage' && line.reservation === '') {
      line.billed = line.m.cost_usd ?? ZERO;
      line.effective = line.billed;
    }
  return out.filter((l) => l.kind !== 'usage' || !(l.m.calls?.isZero() ?? true));
}

async function applyReservation(
  storage: QueryRunner,
  q: ModelQuery,
  r: ReservationConfig,
  range: [number, number],
  scope: Record<string, FilterValue>,
  lines: Lines,
): Promise<void> {
  const covered = coverageFilters(r);
  const from = new Date(range[0]);
  const to = new Date(range[1]);
  const filters = { ...scope, ...covered };
  const name = r.name ?? r.deployment;
  // Covered measures once per output bucket and group: moved from on-demand to covered lines.
  const moved = await readGroups(storage, {
    from,
    to,
    dims: q.dims,
    bucket: q.bucket,
    filters,
    measures: q.measures ?? USAGE_MEASURES,
  });
  for (const g of moved) {
    addMeasures(lines.get('usage', g.bucket, g.key).m, g.m, -1);
    addMeasures(lines.get('usage', g.bucket, g.key, name, r.deployment).m, g.m);
  }
  const filtered = Object.keys(scope).length > 0;
  const a: Allocation = { filters, filtered, scoped: filtered || q.dims.length > 0, name, lines };
  const units = await readHourUnits(storage, r, { from, to, dims: q.dims, filters });
  const split =
    units !== undefined
      ? await allocateUnits(storage, q, r, range, { ...a, units })
      : await allocateDecimal(storage, q, r, range, a);
  if (showsReservation(r, q)) addReservationLines(q, r, name, split, lines);
}

interface Allocation {
  /** The question's scope and the reservation's coverage. */
  filters: Record<string, FilterValue>;
  /** A tenant or dimension filter: the question's reads miss other covered calls. */
  filtered: boolean;
  scoped: boolean;
  name: string;
  lines: Lines;
}

/** Whole weights: the split in BigInt units, summed per output line (cost-model-hours.ts). */
async function allocateUnits(
  storage: QueryRunner,
  q: ModelQuery,
  r: ReservationConfig,
  range: [number, number],
  a: Allocation & { units: HourUnitsRead },
): Promise<HourCharge[]> {
  const [from, to] = [new Date(range[0]), new Date(range[1])];
  // Scoped by a filter, a group's share still depends on every covered call: read them all.
  const used = a.filtered
    ? ((await readHourUnits(storage, r, { from, to, dims: [], filters: coverageFilters(r) }))
        ?.used ?? new Map<number, bigint>())
    : a.units.used;
  const acc = new Map<
    string,
    { g: HourUnits; bucket: number | undefined; units: bigint; qty: bigint }
  >();
  const split = splitHourUnits(
    r,
    range,
    a.units.groups,
    used,
    q.unused === 'spread',
    (g, units) => {
      const bucket = bucketOf(g.hour, q.bucket);
      const id = `${bucket ?? ''}|${g.id}`;
      const line = acc.get(id);
      if (line === undefined) acc.set(id, { g, bucket, units, qty: g.converted });
      else {
        line.units += units;
        line.qty += g.converted;
      }
    },
  );
  for (const { g, bucket, units, qty } of acc.values()) {
    const line = a.lines.get('usage', bucket, g.key, a.name, r.deployment);
    line.effective = line.effective.add(fromUnits(units));
    line.quantity = line.quantity.add(new Money(qty.toString()));
  }
  return split;
}

/** Fractional weights: every group-hour in exact decimals (splitHours). */
async function allocateDecimal(
  storage: QueryRunner,
  q: ModelQuery,
  r: ReservationConfig,
  range: [number, number],
  a: Allocation,
): Promise<HourSplit[]> {
  const [from, to] = [new Date(range[0]), new Date(range[1])];
  // Converted tokens per hour (plain numbers: token counts), for the split of each hour.
  const groups = await readHourTokens(storage, r, { from, to, dims: q.dims, filters: a.filters });
  const all = a.scoped
    ? await readHourTokens(storage, r, { from, to, dims: [], filters: coverageFilters(r) })
    : groups;
  const used = new Map<number, MoneyValue>();
  for (const t of all) used.set(t.hour, (used.get(t.hour) ?? ZERO).add(t.converted));
  const split = splitHours(r, range, groups, used, q.unused === 'spread');
  const byHour = new Map(split.map((h) => [h.hour, h]));
  for (const g of groups) {
    const hour = byHour.get(g.hour);
    const line = a.lines.get('usage', bucketOf(g.hour, q.bucket), g.key, a.name, r.deployment);
    const share = (hour?.parts.get(g.id) ?? ZERO).add(hour?.spread.get(g.id) ?? ZERO);
    line.effective = line.effective.add(share);
    line.quantity = line.quantity.add(g.converted);
  }
  return split;
}

/** The dimension values of a reservation line: the deployment named, the rest a label. */
function reservationKey(
  dims: readonly CostDimension[],
  r: ReservationConfig,
  label: string,
): Record<string, string> {
  return Object.fromEntries(dims.map((d) => [d, d === 'deployment' ? r.deployment : label]));
}

function addReservationLines(
  q: ModelQuery,
  r: ReservationConfig,
  name: string,
  split: readonly HourCharge[],
  lines: Lines,
): void {
  const purchaseKey = reservationKey(q.dims, r, '(reservation purchase)');
  const unusedKey = reservationKey(q.dims, r, '(unused reservation)');
  for (const h of split) {
    const b = bucketOf(h.hour, q.bucket);
    const purchase = lines.get('purchase', b, purchaseKey, name, r.deployment);
    purchase.billed = purchase.billed.add(h.cost);
    purchase.quantity = purchase.quantity.add(h.seconds.div(3600).mul(r.units));
    if (h.unused.isZero() && q.unused === 'spread') continue;
    const unused = lines.get('unused', b, unusedKey, name, r.deployment);
    unused.effective = unused.effective.add(h.unused);
    // Unit-hours left unused: the unused share of the hour's charge, in units of term.
    if (!h.cost.isZero())
      unused.quantity = unused.quantity.add(
        h.unused.div(h.cost).mul(h.seconds).div(3600).mul(r.units).toDecimalPlaces(9),
      );
  }
}

/** Exact totals of lines on the three bases. */
export function lineTotals(lines: readonly CostLine[]): {
  list: MoneyValue;
  billed: MoneyValue;
  effective: MoneyValue;
} {
  let list = new Money(0);
  let billed = new Money(0);
  let effective = new Money(0);
  for (const l of lines) {
    list = list.add(l.m.list_cost_usd ?? ZERO);
    billed = billed.add(l.billed);
    effective = effective.add(l.effective);
  }
  return { list, billed, effective };
}
