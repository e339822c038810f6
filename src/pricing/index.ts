// Public API of the pricing module (explicit named exports).
export {
  loadCatalog,
  loadCatalogFor,
  defaultCatalog,
  createCatalog,
  catalogVersion,
  bundledDatabase,
  ageWarning,
  MAX_DATA_AGE_DAYS,
} from './loader.js';
export type { LoadOptions, CatalogSource } from './loader.js';
export {
  priceCall,
  priceCallInPlace,
  createPricingProcessor,
  matchCall,
  discountFor,
  callModelName,
  serviceTierOf,
} from './price-call.js';
export { listCost, discounted } from './cost.js';
export { unitsText, unitsValue } from './units.js';
export {
  createRepricer,
  isPricingWarning,
  repriceCall,
  withoutPricingWarnings,
} from './reprice.js';
export type { Cost, CostQuery, TokenCounts } from './cost.js';
export type { PricingProcessorOptions } from './price-call.js';
export { ratesFor, periodAt } from './rates.js';
export { matchModel } from './match.js';
export type { MatchQuery } from './match.js';
export { keyedEntries } from './catalog.js';
export { parseDatabase } from './database.js';
export { normalizeModelName, stripSnapshot } from './normalize.js';
export type { Normalized } from './normalize.js';
export { canonicalProvider } from '../shared/provider-identity.js';
export { explainModel, formatExplanation, runPricesExplain } from './explain.js';
export type { Explanation, PriceLine, PricesExplainArgs } from './explain.js';
export { parseOverrides, parseOverridesText } from './overrides.js';
export type { Overrides, OverrideEntry } from './overrides.js';
export { RATE_KINDS, SERVICE_TIERS } from './types.js';
export type {
  PriceCatalog,
  PriceEntry,
  PricePeriod,
  PriceSet,
  Rates,
  RateKind,
  ServiceTier,
  MatchResult,
  MatchStep,
  Discounts,
  PriceDataInfo,
} from './types.js';
