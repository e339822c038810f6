// Background jobs of the analytics service (alert evaluation, routing-feed recomputation).
// Exactly one process should run them at a time (`scheduler: true` in one replica).
import type { RouteDeps } from './http/deps.js';

export interface Scheduler {
  stop(): Promise<void>;
}

export function startScheduler(_deps: RouteDeps): Scheduler {
  return { stop: async () => {} };
}
