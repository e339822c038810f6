// Which reservations of a question the engine splits (cost-model-engine.ts), and in how many
// queries: one per range the question charges (the same for every reservation active all along
// it) holding reservations on distinct deployments, so each covered call belongs to one of them.
import type { ReservationConfig } from '../../shared/config-finops.js';
import type { EngineBatch } from './cost-model-engine.js';
import { wholeWeights } from './cost-model-hours.js';
import type { ModelQuery } from './cost-model-lines.js';

const HOUR_MS = 3_600_000;

/**
 * Group-hours (groups x hours; groups of the whole question, an upper bound) from which the
 * engine split pays (`split: auto`). `npm run bench:cost-model` (variants round-robin, two
 * reservations at 2M calls): a month by tenant (500 x 720 = 360k) 1.9x faster in the engine, by
 * CPU 2.1x; a month by route (40 x 720 = 29k) about even (wall 0.96-1.08x, CPU 0.83-0.88x).
 */
export const ENGINE_MIN_GROUP_HOURS = 100_000;

interface Active {
  r: ReservationConfig;
  range: [number, number];
}

export function engineBatches(
  q: ModelQuery,
  active: readonly Active[],
  groups: number,
): { batches: EngineBatch[]; rest: Active[] } {
  const rest: Active[] = [];
  const batches: EngineBatch[] = [];
  for (const a of active) {
    if (!wholeWeights(a.r.weights) || !inEngine(q, a.range, groups)) {
      rest.push(a);
      continue;
    }
    const batch = batches.find(
      (b) =>
        b.range[0] === a.range[0] &&
        b.range[1] === a.range[1] &&
        b.reservations.every((r) => r.deployment !== a.r.deployment),
    );
    if (batch === undefined) batches.push({ reservations: [a.r], range: a.range });
    else (batch.reservations as ReservationConfig[]).push(a.r);
  }
  return { batches, rest };
}

function inEngine(q: ModelQuery, range: [number, number], groups: number): boolean {
  if (q.split !== undefined && q.split !== 'auto') return q.split === 'engine';
  return groups * Math.ceil((range[1] - range[0]) / HOUR_MS) >= ENGINE_MIN_GROUP_HOURS;
}
