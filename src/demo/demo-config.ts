// The llm-finops configuration the demo runs with. The store, the feed and the alert rules run
// on wall time, so every window below is the demo-time intent divided by the time scale and
// clamped to the schema's minimums (e.g. the 200 demo-second health window is 20 wall seconds
// at 10x).
import { parseConfig, type Config } from '../shared/config.js';
import { DEMO_MODEL, DEMO_PRICES, type FleetTarget } from './scenario.js';

export interface DemoConfigOptions {
  dataDir: string;
  scale: number;
  fleet: FleetTarget[];
}

/** Demo seconds -> wall seconds, at least `min` (the schema's floor), whole seconds. */
const wallS = (demoS: number, scale: number, min: number): number =>
  Math.max(min, Math.round(demoS / scale));

function routingTarget(t: FleetTarget, scale: number): Record<string, unknown> {
  return {
    id: t.id,
    provider: t.provider,
    model: DEMO_MODEL,
    deployment: t.id,
    kind: t.kind,
    region: t.region,
    // The feed measures tokens per wall minute: demo capacity x scale.
    capacity: t.capacityTpm !== undefined ? { tpm: Math.round(t.capacityTpm * scale) } : {},
    pricing:
      t.kind === 'on_demand'
        ? {
            input_cost_per_token: DEMO_PRICES.input,
            output_cost_per_token: DEMO_PRICES.output,
            cache_read_input_token_cost: DEMO_PRICES.cached,
          }
        : {},
  };
}

export function demoRouting(o: DemoConfigOptions): Record<string, unknown> {
  const s = o.scale;
  return {
    feed_id: 'llm-finops-demo',
    recompute_every_s: 1,
    ttl_s: 1,
    hard_expiry_s: 600,
    refresh_s: 60,
    // The static run's mock fleet has the same deployment names but its own capacity: judging the
    // adaptive fleet by its calls too (static's retried 429s as slow first tokens, its load as
    // the reservation's) opened the reservation's latency circuit after a cache break.
    environments: ['demo-adaptive'],
    window_s: wallS(200, s, 10),
    baseline_s: 600,
    // Two demo minutes: at the default one wall minute a burst's end would reach the
    // reservation's fill_share ten demo minutes late, packing it short of its capacity.
    reservation: { window_s: wallS(120, s, 1) },
    circuit: {
      // The default 25 %: the feed's circuit ignores a provisioned target's 429s (a full PTU is
      // its overflow signal, not a fault), so the PTU keeps its traffic while it is full.
      error_rate: 0.25,
      error_window_s: wallS(100, s, 5),
      latency_ratio: 2,
      latency_window_s: wallS(200, s, 10),
      min_requests: 5,
      cooldown_s: wallS(60, s, 1),
      max_cooldown_s: wallS(120, s, 1),
      probe_weight: 5,
    },
    pools: [
      {
        pool: DEMO_MODEL,
        targets: o.fleet.map((t) => routingTarget(t, s)),
        overflow_on: [429, 503, 'timeout'],
        retry: {
          attempts: 1,
          on_status: [429, 500, 502, 503, 504],
          honor_retry_after: true,
          max_retry_after_ms: Math.round(10_000 / s),
        },
        // A 5 s TTFT timeout (wall ms here): on-demand first tokens take ~2 s, ~4 s at their
        // knee, so a later one is an incident; failing over at 5 s still answers inside the
        // 10 s goodput objective, at the feed's default 8 s it would not.
        timeouts: { ttft_ms: Math.round(5_000 / s), total_ms: Math.round(120_000 / s) },
      },
    ],
  };
}

export function demoAlertRules(scale: number): Record<string, unknown>[] {
  const window = wallS(200, scale, 10);
  const groupBy = ['environment', 'deployment'];
  return [
    {
      name: 'demo-ttft-p95-drift',
      kind: 'ttft_drift',
      stat: 'p95',
      ratio: 2,
      window_s: window,
      baseline_s: 600,
      min_calls: 8,
      group_by: groupBy,
      severity: 'critical',
    },
    {
      name: 'demo-error-rate',
      kind: 'error_rate',
      threshold: 0.2,
      window_s: window,
      min_calls: 8,
      group_by: groupBy,
      severity: 'critical',
    },
    {
      name: 'demo-429-rate',
      kind: 'rate_429',
      threshold: 0.6,
      window_s: window,
      min_calls: 8,
      group_by: groupBy,
    },
    {
      name: 'demo-cache-hit-drop',
      kind: 'cache_hit_regression',
      metric: 'prompt',
      drop: 0.3,
      window_s: window,
      baseline_s: 600,
      min_calls: 8,
      group_by: ['environment', 'route'],
    },
  ];
}

export function demoConfig(o: DemoConfigOptions): Config {
  return parseConfig(
    {
      environment: 'demo',
      storage: { data_dir: o.dataDir },
      collector: {
        port: 0,
        // The demo's traffic is OTLP/HTTP; a gRPC listener would only take 4317 from the host.
        grpc_port: false,
        spool: { enabled: false },
        attribution: { wait_ms: 300, root_grace_ms: 50 },
        writer: { flush_interval_ms: 100 },
      },
      api: { port: 0 },
      alerts: { schedule: '* * * * * *', repeat_interval_s: 0, rules: demoAlertRules(o.scale) },
      routing: demoRouting(o),
    },
    'demo configuration',
  );
}
