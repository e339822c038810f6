// The cost model's line set: what a question asks (ModelQuery), the lines it answers with
// (usage, reservation purchase, unused reservation), and the bookkeeping shared by the reads
// (cost-model.ts) and the reservation split (cost-model-apply.ts).
import type { ReservationConfig } from '../../shared/config-finops.js';
import { ZERO, fromUnits, toUnits, type MoneyValue } from '../../shared/money.js';
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

/**
 * One line of the model. Its amounts are kept as BigInt smallest units (10^-18 dollars; counts
 * times 10^18) while the question is answered: a month by tenant adds ~10k measures and shares a
 * question, and a decimal object per addition was most of its JavaScript time and garbage. The
 * decimal views (`billed`, `effective`, `quantity`, `m`) are built on reading, for callers that
 * compute further in decimals (budgets, FOCUS); /v1/costs reads the units (costs-rows.ts).
 */
export class CostLine {
  /** The question's measures in units, in the order of `names`; `hasM` once any was added. */
  readonly mu: bigint[];
  hasM = false;
  billedUnits = 0n;
  effectiveUnits = 0n;
  /** Covered usage: converted tokens in units (whole weights). */
  quantityUnits = 0n;
  /** Quantity not held in units: fractional converted tokens, hours of term (seconds / 3600). */
  quantityRest: MoneyValue = ZERO;
  constructor(
    readonly kind: LineKind,
    readonly bucket: number | undefined,
    readonly key: Record<string, string>,
    /** The covering reservation's name; '' for on-demand usage. */
    readonly reservation: string,
    readonly deployment: string,
    readonly names: readonly string[],
  ) {
    this.mu = names.map(() => 0n);
  }
  /** What the invoice line says: token price after discounts, $0 covered, the purchase. */
  get billed(): MoneyValue {
    return fromUnits(this.billedUnits);
  }
  get effective(): MoneyValue {
    return fromUnits(this.effectiveUnits);
  }
  /** Covered usage: converted tokens (capacity used); reservation lines: hours of term. */
  get quantity(): MoneyValue {
    if (this.quantityUnits === 0n) return this.quantityRest;
    const units = fromUnits(this.quantityUnits);
    return this.quantityRest.isZero() ? units : units.add(this.quantityRest);
  }
  /** The measures as decimals ({} on a line no measure was added to). */
  get m(): Measures {
    if (!this.hasM) return {};
    return Object.fromEntries(this.names.map((n, i) => [n, fromUnits(this.mu[i] ?? 0n)]));
  }
  /** Adds (or with sign -1 subtracts) measures in units, in the order of `names`. */
  addUnits(mu: readonly bigint[], sign: 1 | -1 = 1): void {
    this.hasM = true;
    for (let i = 0; i < this.mu.length; i++)
      this.mu[i] = (this.mu[i] ?? 0n) + (sign === 1 ? (mu[i] ?? 0n) : -(mu[i] ?? 0n));
  }
  /** A measure's units by name (0 when the question does not carry it). */
  unitsOf(name: string): bigint {
    const i = this.names.indexOf(name);
    return i < 0 ? 0n : (this.mu[i] ?? 0n);
  }
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
  /** The measure names every line carries, in order (the question's measures). */
  constructor(readonly names: readonly string[]) {}
  get(
    kind: LineKind,
    bucket: number | undefined,
    key: Record<string, string>,
    reservation = '',
    deployment = '',
    id = groupId(key),
  ): CostLine {
    const lineId = `${kind}|${bucket ?? ''}|${reservation}|${id}`;
    let line = this.map.get(lineId);
    if (line === undefined) {
      line = new CostLine(kind, bucket, key, reservation, deployment, this.names);
      this.map.set(lineId, line);
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

interface Term {
  /** Hours of term of an hour of these seconds: seconds / 3600 x units. */
  value: MoneyValue;
  /** `value` in 10^-18 units when it has at most 18 decimals. */
  units: bigint | undefined;
  /** A whole hour with whole units (unusedTerm applies). */
  whole: boolean;
}

function termOf(seconds: MoneyValue, units: number): Term {
  const value = seconds.div(3600).mul(units);
  const scaled = value.mul(UNITS_TEXT);
  const whole = seconds.eq(3600) && Number.isSafeInteger(units);
  return { value, units: scaled.isInteger() ? BigInt(scaled.toFixed(0)) : undefined, whole };
}

const UNITS_TEXT = '1000000000000000000';
const NINE = 10n ** 9n;

/**
 * unused / cost x units rounded half-even to 9 places, in 10^-18 units, for a whole hour; undefined
 * on an exact tie (the value on a rounding boundary), which the decimal chain decides. Off a
 * boundary the chain (unused / cost x 3600 / 3600 x units, 80 digits a step) rounds the same way:
 * its error is below 10^-70, and a rational of denominator cost (< 10^40 units: $10^22 an hour)
 * that is not on a boundary is at least 1 / (2 x 10^9 x cost) away from it.
 */
function unusedTerm(unused: bigint, cost: bigint, units: number): bigint | undefined {
  const num = unused * BigInt(units) * NINE;
  let q = num / cost;
  const twice = 2n * (num - q * cost);
  if (twice === cost || cost >= MAX_COST) return undefined;
  if (twice > cost) q += 1n;
  return q * NINE;
}

const MAX_COST = 10n ** 40n;

export function addReservationLines(
  q: ModelQuery,
  r: ReservationConfig,
  name: string,
  split: readonly HourCharge[],
  lines: Lines,
): void {
  const purchaseKey = reservationKey(q.dims, r, '(reservation purchase)');
  const unusedKey = reservationKey(q.dims, r, '(unused reservation)');
  // Charges and unused parts summed per line in units (every charge is at the stored scale:
  // hourCost rounds to it, and so does the split); the term of an hour of each length computed
  // once (hourCost's memo holds the charge objects, so their units are looked up by identity).
  const costUnits = new Map<MoneyValue, bigint>();
  const terms = new Map<MoneyValue, Term>();
  for (const h of split) {
    const b = bucketOf(h.hour, q.bucket);
    const purchase = lines.get('purchase', b, purchaseKey, name, r.deployment);
    let cost = costUnits.get(h.cost);
    if (cost === undefined) costUnits.set(h.cost, (cost = toUnits(h.cost)));
    purchase.billedUnits += cost;
    let term = terms.get(h.seconds);
    if (term === undefined) terms.set(h.seconds, (term = termOf(h.seconds, r.units)));
    if (term.units !== undefined) purchase.quantityUnits += term.units;
    else purchase.quantityRest = purchase.quantityRest.add(term.value);
    const unusedUnits = h.unusedUnits ?? toUnits(h.unused);
    if (unusedUnits === 0n && q.unused === 'spread') continue;
    const unused = lines.get('unused', b, unusedKey, name, r.deployment);
    unused.effectiveUnits += unusedUnits;
    // Unit-hours left unused: the unused share of the hour's charge, in units of term.
    if (cost === 0n) continue;
    const exact = term.whole ? unusedTerm(unusedUnits, cost, r.units) : undefined;
    if (exact !== undefined) unused.quantityUnits += exact;
    else
      unused.quantityRest = unused.quantityRest.add(
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
  let list = 0n;
  let billed = 0n;
  let effective = 0n;
  for (const l of lines) {
    list += l.unitsOf('list_cost_usd');
    billed += l.billedUnits;
    effective += l.effectiveUnits;
  }
  return { list: fromUnits(list), billed: fromUnits(billed), effective: fromUnits(effective) };
}
