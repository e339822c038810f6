// The llm-routing-feed/v1 document (README "Routing-weights feed"), shared by the feed
// producer and the reference client. Unknown fields are ignored by readers.

export type TargetState = 'active' | 'drain' | 'disabled';
export type CircuitState = 'closed' | 'open' | 'half_open';
export type OverflowCode = number | 'timeout';

export interface FeedTarget {
  provider: string;
  model: string;
  deployment?: string;
  kind: 'provisioned' | 'on_demand';
  region?: string;
  bind?: Record<string, string>;
  capacity?: { tpm?: number; rpm?: number; max_inflight?: number };
  pricing?: Record<string, number>;
  /** Advisory: what the producer measured. */
  observed?: Record<string, number | null>;
  circuit?: { state: CircuitState; since: string; reason?: string };
}

export interface TierTarget {
  id: string;
  weight: number;
  state: TargetState;
  /**
   * A full reservation: the share (0..1) of the demand offered to it that its capacity takes.
   * Absent while it has headroom. A client may send it the most valuable part (packing.ts).
   */
  fill_share?: number;
}

export interface FeedTier {
  tier: number;
  name: string;
  overflow_on?: OverflowCode[];
  targets: TierTarget[];
}

export interface AdmissionLimits {
  max_inflight?: number;
  tpm?: number;
  queue_max: number;
  queue_timeout_ms: number;
}

export interface DegradedTier {
  /** On for every tenant of the pool (saturation), or only for `tenants` (budget pressure). */
  active: boolean;
  tenants: string[];
  reason?: string;
  target?: string;
  model?: string;
  max_tokens?: number;
  tools?: boolean;
  app_cache?: boolean;
}

export interface FeedPool {
  pool: string;
  tiers: FeedTier[];
  retry?: {
    attempts: number;
    on_status: number[];
    honor_retry_after: boolean;
    max_retry_after_ms: number;
  };
  circuit?: {
    failure_rate: number;
    min_requests: number;
    window_s: number;
    open_s: number;
    on_status: number[];
  };
  timeouts?: { ttft_ms: number; total_ms: number };
  tenants?: Record<
    string,
    { tiers_allowed?: number[]; weight_overrides?: Record<string, number>; deny?: boolean }
  >;
  admission?: { default?: AdmissionLimits; tenants: Record<string, AdmissionLimits> };
  degraded?: DegradedTier;
}

export interface FeedBudget {
  scope: 'tenant' | 'target';
  key: string;
  period: string;
  limit_usd: number;
  on_exhaust: string;
  spent_usd?: number;
  state?: 'ok' | 'warning' | 'exhausted';
  /** Calls in the spend the collector could not price (spent_usd leaves them out). */
  unpriced_calls?: number;
  /** Calls in the spend whose source reports incomplete usage (spent_usd only estimates them). */
  usage_incomplete_calls?: number;
}

export interface WeightChange {
  pool: string;
  target: string;
  from: number | null;
  to: number;
  reasons: string[];
}

export interface FeedSignature {
  alg: 'Ed25519';
  kid: string;
  sig: string;
}

export interface FeedDocument {
  schema: 'llm-routing-feed/v1';
  feed_id: string;
  version: number;
  generated_at: string;
  ttl_s: number;
  hard_expiry: string;
  targets: Record<string, FeedTarget>;
  pools: FeedPool[];
  budgets: FeedBudget[];
  /** Why each weight moved in this version. */
  changes?: WeightChange[];
  signature?: FeedSignature;
}

/** What one gateway saw of one target over one interval (llm-gateway-report/v1). */
export interface GatewayTargetReport {
  pool: string;
  target: string;
  /** Requests it sent there (retries and overflows included). */
  attempts: number;
  /** Of those: 5xx, timeouts, transport errors and on-demand 429s (a full reservation's 429 is not one). */
  failures: number;
  /** How often its breaker opened on the target. */
  breaker_opens: number;
  /** How long (ms, within the interval) its breaker kept the target closed to traffic. */
  open_ms: number;
}

export interface GatewayReport {
  schema: 'llm-gateway-report/v1';
  gateway: string;
  /** Interval start (ISO-8601); it lasts interval_ms. */
  start: string;
  interval_ms: number;
  targets: GatewayTargetReport[];
}
