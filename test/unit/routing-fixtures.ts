// Shared fixtures of the reservation and gateway-report weight tests: one pool of a PTU and two
// on-demand targets, and the weights the feed computes for given stats and previous weights.
import { computePools } from '../../src/analytics/routing/compute.js';
import { emptyStats, type TargetStats } from '../../src/analytics/routing/health-query.js';
import { routingConfigSchema } from '../../src/shared/config-routing.js';

export const CAP = 100_000;
export const price = { input_cost_per_token: 2.5e-6, output_cost_per_token: 1e-5 };

/** One pool: a PTU and two on-demand targets, either in one tier (mixed) or PTU first. */
export function config(mixed: boolean, health: Record<string, number> = {}) {
  return routingConfigSchema.parse({
    health,
    pools: [
      {
        pool: 'p',
        targets: [
          {
            id: 'ptu',
            provider: 'azure.ai.openai',
            model: 'm',
            kind: 'provisioned',
            capacity: { tpm: CAP },
            ...(mixed ? { tier: 0 } : {}),
          },
          {
            id: 'a',
            provider: 'openai',
            model: 'm',
            kind: 'on_demand',
            pricing: price,
            ...(mixed ? { tier: 0 } : {}),
          },
          {
            id: 'b',
            provider: 'azure.ai.openai',
            model: 'm',
            kind: 'on_demand',
            pricing: price,
            ...(mixed ? { tier: 0 } : {}),
          },
        ],
      },
    ],
  });
}

export function weightsOf(
  mixed: boolean,
  stats: Record<string, Partial<TargetStats>>,
  prev: Record<string, number> = {},
  health: Record<string, number> = {},
): Record<string, number> {
  const out = computePools({
    cfg: config(mixed, health),
    stats: new Map(Object.entries(stats).map(([id, s]) => [id, { ...emptyStats(), ...s }])),
    circuits: new Map(),
    prev: new Map(Object.entries(prev).map(([id, w]) => [`p/${id}`, w])),
    budgets: [],
    nowMs: 0,
  });
  return Object.fromEntries([...out.weights].map(([k, w]) => [k.slice(2), w]));
}
