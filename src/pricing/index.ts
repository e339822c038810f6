// Public API of the pricing module (explicit named exports; README "Pricing" describes it).
export { loadCatalog, defaultCatalog, createCatalog, catalogVersion } from './loader.js';
export type { LoadOptions, CatalogSource } from './loader.js';
export {
  priceCall,
  createPricingProcessor,
  matchCall,
  discountFor,
  callModelName,
} from './price-call.js';
export { listCost, discounted, ratesFor } from './cost.js';
export type { Cost, Rates, TokenCounts } from './cost.js';
export { matchModel } from './match.js';
export type { MatchQuery } from './match.js';
export { normalizeModelName, stripSnapshot } from './normalize.js';
export type { Normalized } from './normalize.js';
export { explainModel, formatExplanation, runPricesExplain } from './explain.js';
export type { Explanation, PriceLine, PricesExplainArgs } from './explain.js';
export { parseOverrides, parseOverridesText } from './overrides.js';
export type { Overrides, OverrideEntry } from './overrides.js';
export type {
  PriceCatalog,
  PriceEntry,
  PriceTier,
  MatchResult,
  MatchStep,
  Discounts,
} from './types.js';
