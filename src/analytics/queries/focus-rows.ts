// FOCUS rows from cost-model lines. A usage line (one origin charge) is split by token type
// (input, cached input, cache write, output): each part's ContractedCost is its token cost after
// discounts, the output row taking the remainder of cost_total (1-hour writes, audio, image and
// request fees are inside it); ListCost is split in proportion to token cost, truncated at 18
// decimals, the remainder again on the output row. On-demand rows bill what they cost; covered
// rows bill 0 and carry their allocation as EffectiveCost, split by the reservation's capacity
// weights (largest remainder), so every split sums exactly to its origin charge on every basis.
import type { FinopsConfig, ReservationConfig } from '../../shared/config-finops.js';
import {
  MONEY_SCALE,
  Money,
  ZERO,
  largestRemainder,
  moneyText,
  type MoneyValue,
} from '../../shared/money.js';
import type { CostLine } from './cost-model.js';
import {
  NO_COMMITMENT,
  base,
  billing,
  chargeId,
  commitment,
  names,
  nul,
  prices,
  qty,
  type Ctx,
  type FocusRow,
} from './focus-cells.js';
import type { FocusFormat } from './focus.js';

export type { FocusRow };

const TOKEN_TYPES = [
  ['input', 'Input Tokens'],
  ['cached_input', 'Cached Input Tokens'],
  ['cache_write', 'Cache Write Tokens'],
  ['output', 'Output Tokens'],
] as const;

/** Token counts per token type of a usage line. */
function tokens(line: CostLine): MoneyValue[] {
  const n = (k: string): MoneyValue => line.m[k] ?? ZERO;
  const uncached = Money.max(
    ZERO,
    n('input_tokens').sub(n('cache_read_tokens')).sub(n('cache_creation_tokens')),
  );
  return [uncached, n('cache_read_tokens'), n('cache_creation_tokens'), n('output_tokens')];
}

/** [parts..., remainder] of `total` in proportion to `costs` (truncated), remainder last. */
function proportional(total: MoneyValue, costs: MoneyValue[], sum: MoneyValue): MoneyValue[] {
  const head = costs
    .slice(0, -1)
    .map((p) =>
      sum.isZero() ? ZERO : total.mul(p).div(sum).toDecimalPlaces(MONEY_SCALE, Money.ROUND_DOWN),
    );
  return [...head, head.reduce((acc, p) => acc.sub(p), total)];
}

/** The cells every token-type row of a usage line shares. */
function usageShared(c: Ctx, line: CostLine, r: ReservationConfig | undefined): FocusRow {
  const k = line.key;
  const m = (name: string): MoneyValue => line.m[name] ?? ZERO;
  return {
    ...base(c, line.bucket ?? 0),
    ...names(k.provider ?? '', k.model ?? ''),
    ChargeCategory: 'Usage',
    ChargeFrequency: 'Usage-Based',
    RegionId: nul(k.region ?? ''),
    RegionName: nul(k.region ?? ''),
    ResourceId:
      k.deployment !== ''
        ? `${k.provider}/deployments/${k.deployment}`
        : `${k.provider}/models/${k.model}`,
    ResourceName: k.deployment !== '' ? (k.deployment ?? '') : (k.model ?? ''),
    ResourceType: k.deployment !== '' ? 'Model Deployment' : 'Model',
    SkuId: `${k.provider}/${k.model}`,
    PricingCategory: r !== undefined ? 'Committed' : 'Standard',
    ...(r !== undefined
      ? {
          ...commitment(r, line.reservation),
          CommitmentDiscountStatus: 'Used',
          CapacityReservationStatus: 'Used',
        }
      : NO_COMMITMENT),
    SubAccountId: nul(k.tenant ?? ''),
    SubAccountName: nul(k.tenant ?? ''),
    Tags: JSON.stringify({ route: k.route, feature: k.feature, tenant: k.tenant }),
    x_Tenant: k.tenant ?? '',
    x_Route: k.route ?? '',
    x_Feature: k.feature ?? '',
    x_Provider: k.provider ?? '',
    x_Model: k.model ?? '',
    x_Deployment: k.deployment ?? '',
    x_CapacityTier: k.capacity_tier ?? '',
    x_Calls: m('calls').toNumber(),
    x_UnpricedCalls: m('unpriced_calls').toNumber(),
    // Calls whose source cannot report every token count: their cost is an upper estimate.
    x_UsageIncompleteCalls: m('usage_incomplete_calls').toNumber(),
    x_ChargeId: chargeId(line),
    x_ChargeBilledCost: billing(c, line.billed),
    x_ChargeEffectiveCost: billing(c, line.effective),
    x_ChargeListCost: billing(c, m('list_cost_usd')),
    x_Reservation: line.reservation,
    x_AllocationBasis: r !== undefined ? 'converted-token share of the reservation hour' : null,
  };
}

function usageRows(c: Ctx, line: CostLine): FocusRow[] {
  const k = line.key;
  const m = (name: string): MoneyValue => line.m[name] ?? ZERO;
  const cost = m('cost_usd');
  const head = [m('cost_input'), m('cost_cache_read'), m('cost_cache_creation')];
  const contracted = [...head, head.reduce((acc, p) => acc.sub(p), cost)];
  const list = proportional(m('list_cost_usd'), contracted, cost);
  const counts = tokens(line);
  const r = line.reservation !== '' ? c.reservations.get(line.reservation) : undefined;
  const w = r?.weights;
  const effective =
    r === undefined
      ? contracted
      : largestRemainder(
          line.effective,
          w === undefined
            ? counts
            : counts.map((t, i) =>
                t.mul([w.input, w.cached_input, w.cache_write, w.output][i] ?? 0),
              ),
        );
  const billed = r === undefined ? contracted : contracted.map(() => ZERO);
  const shared = usageShared(c, line, r);
  const out: FocusRow[] = [];
  TOKEN_TYPES.forEach(([type, meter], i) => {
    const q = counts[i] ?? ZERO;
    const [b, e, l, ct] = [
      billed[i] ?? ZERO,
      effective[i] ?? ZERO,
      list[i] ?? ZERO,
      contracted[i] ?? ZERO,
    ];
    const last = i === TOKEN_TYPES.length - 1;
    if (!last && q.isZero() && b.isZero() && e.isZero() && l.isZero() && ct.isZero()) return;
    const pq = q.div(1000);
    out.push({
      ...shared,
      BilledCost: billing(c, b),
      EffectiveCost: billing(c, e),
      ListCost: billing(c, l),
      ContractedCost: billing(c, ct),
      ChargeDescription: `${meter} of ${k.model === '' ? 'unknown model' : k.model}${r !== undefined ? ` on reservation ${line.reservation}` : ''}`,
      PricingQuantity: qty(pq),
      PricingUnit: '1000 Tokens',
      ConsumedQuantity: qty(q),
      ConsumedUnit: 'Tokens',
      SkuPriceId: `${k.provider}/${k.model}/${type}/${k.capacity_tier === '' ? 'standard' : k.capacity_tier}`,
      SkuMeter: meter,
      ...prices(c, l, ct, pq),
      PricingCurrencyEffectiveCost: moneyText(e),
      CommitmentDiscountQuantity: r !== undefined ? qty(e.div(r.price_per_unit_hour)) : null,
      x_TokenType: type,
    });
  });
  return out;
}

/** A reservation's Purchase (billed) or unused (effective) row for one hour. */
function reservationRow(c: Ctx, line: CostLine): FocusRow | undefined {
  const r = c.reservations.get(line.reservation);
  if (r === undefined) return undefined;
  const purchase = line.kind === 'purchase';
  const amount = purchase ? line.billed : line.effective;
  const price = new Money(r.price_per_unit_hour);
  const zero = billing(c, ZERO);
  return {
    ...base(c, line.bucket ?? 0),
    ...names(r.provider ?? '', r.model ?? ''),
    BilledCost: purchase ? billing(c, amount) : zero,
    EffectiveCost: purchase ? zero : billing(c, amount),
    ListCost: purchase ? billing(c, amount) : zero,
    ContractedCost: purchase ? billing(c, amount) : zero,
    ChargeCategory: purchase ? 'Purchase' : 'Usage',
    ChargeFrequency: purchase ? 'Recurring' : 'Usage-Based',
    ChargeDescription: purchase
      ? `Reservation ${line.reservation}: ${r.units} units x ${r.price_per_unit_hour} per unit-hour (${r.term})`
      : `Unused capacity of reservation ${line.reservation}`,
    PricingQuantity: qty(line.quantity),
    PricingUnit: 'Hours',
    ConsumedQuantity: null,
    ConsumedUnit: null,
    RegionId: null,
    RegionName: null,
    ResourceId: `${r.provider ?? 'llm'}/deployments/${r.deployment}`,
    ResourceName: r.deployment,
    ResourceType: 'Model Deployment',
    SkuId: `${r.provider ?? 'llm'}/reservations/${r.term}`,
    SkuPriceId: `${r.provider ?? 'llm'}/deployments/${r.deployment}/reservations/${r.term}`,
    SkuMeter: 'Reserved Unit Hours',
    PricingCategory: purchase ? 'Standard' : 'Committed',
    ...(purchase
      ? prices(c, price.mul(line.quantity), price.mul(line.quantity), line.quantity)
      : prices(c, ZERO, ZERO, ZERO)),
    PricingCurrencyEffectiveCost: purchase ? '0' : moneyText(amount),
    ...commitment(r, line.reservation),
    CommitmentDiscountStatus: purchase ? null : 'Unused',
    CommitmentDiscountQuantity: qty(line.quantity),
    CapacityReservationStatus: purchase ? null : 'Unused',
    SubAccountId: null,
    SubAccountName: null,
    Tags: '{}',
    x_Tenant: '',
    x_Route: '',
    x_Feature: '',
    x_Provider: r.provider ?? '',
    x_Model: r.model ?? '',
    x_Deployment: r.deployment,
    x_CapacityTier: 'provisioned',
    x_TokenType: purchase ? 'reservation_purchase' : 'unused_reservation',
    x_Calls: 0,
    x_UnpricedCalls: 0,
    x_UsageIncompleteCalls: 0,
    x_ChargeId: chargeId(line),
    x_ChargeBilledCost: purchase ? billing(c, amount) : zero,
    x_ChargeEffectiveCost: purchase ? zero : billing(c, amount),
    x_ChargeListCost: zero,
    x_Reservation: line.reservation,
    x_AllocationBasis: null,
  };
}

/** Every line's rows, ordered by hour, then charge id, then token type; `_seq` numbers them. */
export function focusRowsOf(
  lines: readonly CostLine[],
  finops: Pick<FinopsConfig, 'focus' | 'reservations'>,
  format: FocusFormat,
): FocusRow[] {
  const rate = finops.focus.exchange_rate;
  const c: Ctx = {
    focus: finops.focus,
    reservations: new Map(finops.reservations.map((r) => [r.name ?? r.deployment, r])),
    rate:
      finops.focus.billing_currency === 'USD' || rate === undefined ? undefined : new Money(rate),
    time: (ms) =>
      format === 'csv' ? new Date(ms).toISOString().replace('.000Z', 'Z') : Math.floor(ms / 1000),
  };
  const ids = new Map(lines.map((l) => [l, chargeId(l)]));
  const sorted = [...lines].sort(
    (a, b) =>
      (a.bucket ?? 0) - (b.bucket ?? 0) || (ids.get(a) ?? '').localeCompare(ids.get(b) ?? ''),
  );
  const out: FocusRow[] = [];
  for (const line of sorted) {
    if (line.kind === 'usage') out.push(...usageRows(c, line));
    else {
      const row = reservationRow(c, line);
      if (row !== undefined) out.push(row);
    }
  }
  // The staging table keeps this order through _seq (within an hour: charge, then token type).
  return out.map((row, i) => ({ ...row, _seq: i }));
}
