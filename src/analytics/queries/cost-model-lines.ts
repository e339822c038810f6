// The cost model's line set: what a question asks (ModelQuery), the lines it answers with
// (usage, reservation purchase, unused reservation), and the bookkeeping shared by the reads
// (cost-model.ts) and the reservation split (cost-model-apply.ts).
import type { ReservationConfig } from '../../shared/config-finops.js';
import { Money, ZERO, fromUnits, type MoneyValue } from '../../shared/money.js';
import type { HourCharge } from './cost-model-hours.js';
import { groupId, type Measures } from './cost-model-read.js';
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
  /**
   * The clock (default the current time): reservation hours that have not begun are not charged;
   * the current hour is (activeRange).
   */
  now?: Date | undefined;
  /**
   * Where whole-weight reservation hours are split: `engine` (in ClickHouse: cost-model-sql.ts),
   * `js` (cost-model-hours.ts, the reference a test compares it with) or `auto` (default: the
   * engine when the question has many group-hours, cost-model-apply.ts).
   */
  split?: 'auto' | 'engine' | 'js' | undefined;
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
export function showsReservation(r: ReservationConfig, q: ModelQuery): boolean {
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

export class Lines {
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

/** The dimension values of a reservation line: the deployment named, the rest a label. */
function reservationKey(
  dims: readonly CostDimension[],
  r: ReservationConfig,
  label: string,
): Record<string, string> {
  return Object.fromEntries(dims.map((d) => [d, d === 'deployment' ? r.deployment : label]));
}

/** `v` in 10^-18 units when it has at most 18 decimals (every charge and split part has). */
function unitsOf(v: MoneyValue): bigint | undefined {
  const scaled = v.mul(UNITS_TEXT);
  return scaled.isInteger() ? BigInt(scaled.toFixed(0)) : undefined;
}

const UNITS_TEXT = '1000000000000000000';

export function addReservationLines(
  q: ModelQuery,
  r: ReservationConfig,
  name: string,
  split: readonly HourCharge[],
  lines: Lines,
): void {
  const purchaseKey = reservationKey(q.dims, r, '(reservation purchase)');
  const unusedKey = reservationKey(q.dims, r, '(unused reservation)');
  // Charges and unused parts summed per line in units, one decimal per line at the end (the
  // same exact sum as adding decimals hour by hour, which cost ~50 ms a month of two
  // reservations); the term of an hour of each length computed once (hourCost's memo holds the
  // charge objects, so their units are looked up by identity).
  const sums = new Map<CostLine, bigint>();
  const costUnits = new Map<MoneyValue, bigint | undefined>();
  const terms = new Map<string, MoneyValue>();
  const add = (line: CostLine, v: MoneyValue, units: bigint | undefined): void => {
    if (units !== undefined) sums.set(line, (sums.get(line) ?? 0n) + units);
    else if (line.kind === 'purchase') line.billed = line.billed.add(v);
    else line.effective = line.effective.add(v);
  };
  for (const h of split) {
    const b = bucketOf(h.hour, q.bucket);
    const purchase = lines.get('purchase', b, purchaseKey, name, r.deployment);
    if (!costUnits.has(h.cost)) costUnits.set(h.cost, unitsOf(h.cost));
    add(purchase, h.cost, costUnits.get(h.cost));
    const length = h.seconds.toString();
    let term = terms.get(length);
    if (term === undefined) terms.set(length, (term = h.seconds.div(3600).mul(r.units)));
    purchase.quantity = purchase.quantity.add(term);
    if (h.unused.isZero() && q.unused === 'spread') continue;
    const unused = lines.get('unused', b, unusedKey, name, r.deployment);
    add(unused, h.unused, h.unusedUnits ?? unitsOf(h.unused));
    // Unit-hours left unused: the unused share of the hour's charge, in units of term.
    if (!h.cost.isZero())
      unused.quantity = unused.quantity.add(
        h.unused.div(h.cost).mul(h.seconds).div(3600).mul(r.units).toDecimalPlaces(9),
      );
  }
  for (const [line, units] of sums) {
    if (line.kind === 'purchase') line.billed = line.billed.add(fromUnits(units));
    else line.effective = line.effective.add(fromUnits(units));
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
