// llm-finops/routing-client: the reference client for the llm-routing-feed/v1 document. Node
// built-ins only (no chdb, express or @clickhouse/client), so any Node gateway can embed it.
export {
  RoutingClient,
  type AttemptContext,
  type AttemptResult,
  type ExecuteOptions,
  type RoutingClientOptions,
} from './client.js';
export { FeedPoller, type PollOutcome, type PollerOptions } from './poller.js';
export { fileFeedState, parseFeedState, type FeedState, type FeedStateStore } from './state.js';
export { pickTarget, findPool, type Pick, type PickOptions } from './picker.js';
export { LocalBreaker, type BreakerOptions } from './breaker.js';
export { GatewayReporter, REPORT_SCHEMA, reportUrlOf, type ReportOptions } from './report.js';
export { Admission } from './admission.js';
export { Prober, type ProbeOptions } from './prober.js';
export {
  ReservationPacker,
  onDemandPrices,
  valueOf,
  type TokenPrices,
  type UsageSample,
} from './packing.js';
export {
  canonicalJson,
  signDocument,
  signingInput,
  verifyDocument,
  type PublicKeys,
  type VerifyResult,
} from './canonical.js';
export {
  AdmissionError,
  BudgetDeniedError,
  NoRouteError,
  RoutingClientError,
  UpstreamError,
} from './errors.js';
export type {
  AdmissionLimits,
  CircuitState,
  DegradedTier,
  FeedBudget,
  FeedDocument,
  FeedPool,
  FeedSignature,
  FeedTarget,
  GatewayReport,
  GatewayTargetReport,
  FeedTier,
  OverflowCode,
  TargetState,
  TierTarget,
  WeightChange,
} from './types.js';
