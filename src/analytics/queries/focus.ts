// FOCUS (FinOps Open Cost and Usage Specification) rows for LLM usage, on the one cost model
// (cost-model.ts), so the export sums to what /v1/costs reports on every basis. One origin charge
// = one hour x tenant x route x feature x provider x model x deployment x region x capacity tier
// x covering reservation (not one call: usable at scale), split into rows per token type
// (focus-rows.ts). A reservation adds, per hour, a Purchase row (BilledCost = the hour's charge)
// and an unused row (EffectiveCost = the unused share, CommitmentDiscountStatus Unused); covered
// usage rows have BilledCost 0 and EffectiveCost = their allocation. Under a tenant scope the
// reservation rows are left out (they belong to no tenant). Rows are built here and staged in a
// table, so ClickHouse still writes the CSV and Parquet bytes (focus-export.ts).
// Columns: the 21 FOCUS 1.2 Mandatory ones, the 1.3 ServiceProviderName / HostProviderName
// (ProviderName / PublisherName kept for 1.2 readers), the Conditional ones that apply, then x_.
import type { FinopsConfig } from '../../shared/config-finops.js';
import type { QueryRunner } from '../../storage/runner.js';
import { costLines } from './cost-model.js';
import { PART_MEASURES, USAGE_MEASURES } from './cost-model-read.js';
import type { CostDimension } from './costs.js';
import { focusRowsOf, type FocusRow } from './focus-rows.js';

export const FOCUS_FORMATS = ['csv', 'parquet'] as const;
export type FocusFormat = (typeof FOCUS_FORMATS)[number];

export const ORIGIN_DIMS: CostDimension[] = [
  'tenant',
  'route',
  'feature',
  'provider',
  'model',
  'deployment',
  'region',
  'capacity_tier',
];

export interface FocusQuery {
  from: Date;
  to: Date;
  tenant?: string | undefined;
  format: FocusFormat;
  /**
   * The clock (default the current time): reservation hours that have not begun are not charged
   * (activeRange). The API passes its service clock, as /v1/costs and budgets do; one clock for
   * every day of an export, so a day boundary passing mid-export cannot change earlier days.
   */
  now?: Date | undefined;
}

const MONEY = 'Decimal(38, 18)';
const QTY = 'Nullable(Decimal(38, 9))';
const TEXT = 'Nullable(String)';

/** Column name -> ClickHouse type (times: DateTime for Parquet, ISO text for CSV). */
export function focusColumns(format: FocusFormat): [string, string][] {
  const time = format === 'csv' ? 'String' : "DateTime('UTC')";
  return [
    ...['BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost'].map((c): [string, string] => [
      c,
      MONEY,
    ]),
    ['BillingAccountId', 'String'],
    ['BillingAccountName', 'String'],
    ['BillingCurrency', 'String'],
    ['BillingPeriodStart', time],
    ['BillingPeriodEnd', time],
    ['ChargePeriodStart', time],
    ['ChargePeriodEnd', time],
    ['ChargeCategory', 'String'],
    ['ChargeClass', TEXT],
    ['ChargeDescription', 'String'],
    ['ChargeFrequency', 'String'],
    ['InvoiceIssuerName', 'String'],
    ['PricingQuantity', QTY],
    ['PricingUnit', TEXT],
    ['ConsumedQuantity', QTY],
    ['ConsumedUnit', TEXT],
    ['ProviderName', 'String'],
    ['PublisherName', 'String'],
    ['ServiceProviderName', 'String'],
    ['HostProviderName', 'String'],
    ['ServiceCategory', 'String'],
    ['ServiceSubcategory', 'String'],
    ['ServiceName', 'String'],
    ['RegionId', TEXT],
    ['RegionName', TEXT],
    ['ResourceId', 'String'],
    ['ResourceName', 'String'],
    ['ResourceType', 'String'],
    ['SkuId', 'String'],
    ['SkuPriceId', 'String'],
    ['SkuMeter', 'String'],
    ['PricingCategory', 'String'],
    ['ListUnitPrice', `Nullable(${MONEY})`],
    ['ContractedUnitPrice', `Nullable(${MONEY})`],
    ['PricingCurrency', 'String'],
    ['PricingCurrencyListUnitPrice', `Nullable(${MONEY})`],
    ['PricingCurrencyContractedUnitPrice', `Nullable(${MONEY})`],
    ['PricingCurrencyEffectiveCost', MONEY],
    ['CommitmentDiscountId', TEXT],
    ['CommitmentDiscountName', TEXT],
    ['CommitmentDiscountCategory', TEXT],
    ['CommitmentDiscountType', TEXT],
    ['CommitmentDiscountStatus', TEXT],
    ['CommitmentDiscountQuantity', QTY],
    ['CommitmentDiscountUnit', TEXT],
    ['CapacityReservationId', TEXT],
    ['CapacityReservationStatus', TEXT],
    ['SubAccountId', TEXT],
    ['SubAccountName', TEXT],
    ['Tags', 'String'],
    ...[
      'x_Tenant',
      'x_Route',
      'x_Feature',
      'x_Provider',
      'x_Model',
      'x_Deployment',
      'x_CapacityTier',
      'x_TokenType',
    ].map((c): [string, string] => [c, 'String']),
    ['x_Calls', 'UInt64'],
    ['x_UnpricedCalls', 'UInt64'],
    ['x_UsageIncompleteCalls', 'UInt64'],
    ['x_ChargeId', 'String'],
    ['x_ChargeBilledCost', MONEY],
    ['x_ChargeEffectiveCost', MONEY],
    ['x_ChargeListCost', MONEY],
    ['x_Reservation', 'String'],
    ['x_AllocationBasis', TEXT],
    ['x_ExchangeRate', 'String'],
  ];
}

/** The FOCUS rows of [from, to) (one tenant's when scoped), in export order. */
export async function focusRows(
  storage: QueryRunner,
  q: FocusQuery,
  finops: Pick<FinopsConfig, 'focus' | 'reservations'>,
): Promise<FocusRow[]> {
  const lines = await costLines(storage, {
    from: q.from,
    to: q.to,
    dims: ORIGIN_DIMS,
    bucket: 'hour',
    tenant: q.tenant,
    reservations: finops.reservations,
    measures: { ...USAGE_MEASURES, ...PART_MEASURES },
    now: q.now,
  });
  return focusRowsOf(lines, finops, q.format);
}

export const FOCUS_CONTENT_TYPES: Record<FocusFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
};

export const FOCUS_CLICKHOUSE_FORMATS: Record<FocusFormat, string> = {
  csv: 'CSVWithNames',
  parquet: 'Parquet',
};

/** Export settings: CSV NULL as an empty field (FOCUS readers expect that, not \N). */
export const FOCUS_SETTINGS = {
  format_csv_null_representation: '',
  output_format_parquet_string_as_string: 1,
  // Tags stay plain JSON ("/chat", not "\/chat").
  output_format_json_escape_forward_slashes: 0,
} as const;
