// The cells FOCUS rows share: provider and publisher names (provider identity), billing
// account and periods, money in the billing currency, commitment (reservation) columns, ids.
// Money in BillingCurrency is the USD amount times finops.focus.exchange_rate, rounded half-even
// to 18 decimals per cell; the PricingCurrency* columns keep USD.
import { createHash } from 'node:crypto';
import type { FinopsConfig, ReservationConfig } from '../../shared/config-finops.js';
import { MONEY_SCALE, moneyText, type MoneyValue } from '../../shared/money.js';
import { providerIdentity } from '../../shared/provider-identity.js';
import type { CostLine } from './cost-model.js';

export type FocusRow = Record<string, string | number | null>;

/** Model publisher from the model name (PublisherName): who made the model, not who sold it. */
const PUBLISHERS: [RegExp, string][] = [
  [/^(claude|anthropic)/, 'Anthropic'],
  [/^(gpt|o[0-9]|chatgpt|text-embedding|davinci|babbage|omni)/, 'OpenAI'],
  [/^(gemini|gemma|text-embedding-00|palm)/, 'Google'],
  [/^(llama|meta)/, 'Meta'],
  [/^(mistral|mixtral|codestral|ministral|magistral|pixtral)/, 'Mistral AI'],
  [/^deepseek/, 'DeepSeek'],
  [/^(command|embed-)/, 'Cohere'],
  [/^grok/, 'xAI'],
  [/^(amazon|titan|nova)/, 'Amazon'],
  [/^(phi|mai-)/, 'Microsoft'],
];

export interface Ctx {
  focus: FinopsConfig['focus'];
  reservations: Map<string, ReservationConfig>;
  rate: MoneyValue | undefined;
  time: (ms: number) => string | number;
}

export const nul = (s: string): string | null => (s === '' ? null : s);
export const qty = (v: MoneyValue): string => moneyText(v.toDecimalPlaces(9));

export function names(provider: string, model: string): Record<string, string> {
  const id = providerIdentity(provider)?.focus;
  const seller = id?.seller ?? (provider === '' ? 'Unknown' : provider);
  const lower = model.toLowerCase();
  return {
    InvoiceIssuerName: seller,
    ProviderName: seller,
    PublisherName: PUBLISHERS.find(([re]) => re.test(lower))?.[1] ?? seller,
    ServiceProviderName: seller,
    HostProviderName: id?.host ?? seller,
    ServiceCategory: 'AI and Machine Learning',
    ServiceSubcategory: 'Generative AI',
    ServiceName: id?.service ?? seller,
  };
}

/** Columns every row of an hour shares. */
export function base(c: Ctx, hour: number): FocusRow {
  const d = new Date(hour);
  const month = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  return {
    BillingAccountId: c.focus.billing_account_id,
    BillingAccountName: c.focus.billing_account_name,
    BillingCurrency: c.focus.billing_currency,
    BillingPeriodStart: c.time(month),
    BillingPeriodEnd: c.time(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)),
    ChargePeriodStart: c.time(hour),
    ChargePeriodEnd: c.time(hour + 3_600_000),
    ChargeClass: null,
    PricingCurrency: 'USD',
    x_ExchangeRate: c.rate === undefined ? '1' : moneyText(c.rate),
  };
}

export const billing = (c: Ctx, usd: MoneyValue): string =>
  moneyText(c.rate === undefined ? usd : usd.mul(c.rate).toDecimalPlaces(MONEY_SCALE));

export const unitPrice = (amount: MoneyValue, quantity: MoneyValue): MoneyValue | undefined =>
  quantity.isZero() ? undefined : amount.div(quantity).toDecimalPlaces(MONEY_SCALE);

export function commitment(r: ReservationConfig, name: string): FocusRow {
  const id = `${r.provider ?? 'llm'}/deployments/${r.deployment}/reservations/${name}`;
  return {
    CommitmentDiscountId: id,
    CommitmentDiscountName: name,
    CommitmentDiscountCategory: 'Usage',
    CommitmentDiscountType: 'Reservation',
    CommitmentDiscountUnit: 'Hours',
    CapacityReservationId: id,
  };
}

export const NO_COMMITMENT: FocusRow = {
  CommitmentDiscountId: null,
  CommitmentDiscountName: null,
  CommitmentDiscountCategory: null,
  CommitmentDiscountType: null,
  CommitmentDiscountStatus: null,
  CommitmentDiscountQuantity: null,
  CommitmentDiscountUnit: null,
  CapacityReservationId: null,
  CapacityReservationStatus: null,
};

export function chargeId(line: CostLine): string {
  const text = JSON.stringify([line.kind, line.bucket, line.reservation, line.key]);
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function prices(
  c: Ctx,
  list: MoneyValue,
  contracted: MoneyValue,
  quantity: MoneyValue,
): FocusRow {
  const lu = unitPrice(list, quantity);
  const cu = unitPrice(contracted, quantity);
  const text = (v: MoneyValue | undefined, convert: boolean): string | null =>
    v === undefined ? null : convert ? billing(c, v) : moneyText(v);
  return {
    ListUnitPrice: text(lu, true),
    ContractedUnitPrice: text(cu, true),
    PricingCurrencyListUnitPrice: text(lu, false),
    PricingCurrencyContractedUnitPrice: text(cu, false),
  };
}
