// The one cost model (three bases) every money answer reads. For each call:
//   list_cost      on-demand equivalent (token prices before discounts);
//   billed_cost    what the invoice line says: token price after discounts for on-demand calls,
//                  $0 for calls a configured reservation covers (coverageFilters);
//   effective_cost amortized: as billed for on-demand calls; for covered calls their allocated
//                  share of the reservation hour (cost-model-alloc.ts: converted-token share).
// Each reservation hour also yields two lines of its own: the purchase (billed = the hour's
// charge, effective 0) and the unused share (effective, billed 0). Over any range,
//   sum(effective) = sum(billed) = on-demand spend + reservation cost of the covered hours,
// exactly. Reservation lines belong to no tenant or route: they are left out under a tenant
// scope or a filter they do not match; `spread` puts the unused share onto the groups instead.
// Reservations are applied at query time from config, so a changed reservation re-prices history,
// and only for hours that have begun: later hours are not charged (activeRange).
// Files: cost-model-lines.ts (question, lines, reservation lines), cost-model-apply.ts (one
// reservation applied in JS), cost-model-engine.ts + cost-model-sql.ts (all of them in the engine),
// cost-model-batches.ts (which go where), cost-model-hours.ts / cost-model-alloc.ts (the split),
// cost-model-remainder.ts (a fractional hour's split on BigInt). Amounts are BigInt 10^-18 units
// until a caller reads a line's decimals (CostLine).
import type { FilterValue } from '../../storage/planner/plan.js';
import type { QueryRunner } from '../../storage/runner.js';
import { activeRange } from './cost-model-alloc.js';
import { applyReservation } from './cost-model-apply.js';
import { applyInEngine } from './cost-model-engine.js';
import { engineBatches } from './cost-model-batches.js';
import { Lines, type CostLine, type ModelQuery } from './cost-model-lines.js';
import { USAGE_MEASURES, readGroups, scopedCoverage } from './cost-model-read.js';

export {
  bucketOf,
  CostLine,
  lineTotals,
  type LineKind,
  type ModelQuery,
  type UnusedMode,
} from './cost-model-lines.js';

/** Every line of the question: usage (on-demand and covered) and reservation lines. */
export async function costLines(storage: QueryRunner, q: ModelQuery): Promise<CostLine[]> {
  const measures = q.measures ?? USAGE_MEASURES;
  const scope: Record<string, FilterValue> = { ...(q.filters ?? {}) } as Record<string, string>;
  if (q.tenant !== undefined) scope.tenant = q.tenant;
  const lines = new Lines(Object.keys(measures));
  const totals = await readGroups(storage, {
    from: q.from,
    to: q.to,
    dims: q.dims,
    bucket: q.bucket,
    filters: scope,
    measures,
  });
  for (const row of totals)
    lines.get('usage', row.bucket, row.key, '', '', row.id).addUnits(row.mu);
  // A reservation with nothing in the scope (another deployment, provider, model, or a tier it
  // does not cover) neither moves usage nor shows lines.
  const active = q.reservations.flatMap((r) => {
    if (scopedCoverage(r, scope) === undefined) return [];
    const range = activeRange(r, q.from, q.to, (q.now ?? new Date()).getTime());
    return range === undefined ? [] : [{ r, range }];
  });
  // The question's groups in tie order: a superset of every reservation's covered groups.
  const keys = new Map(totals.map((row) => [row.id, row.key]));
  const order = [...keys.keys()].sort().map((id) => keys.get(id) ?? {});
  const { batches, rest } = engineBatches(q, active, order.length);
  for (const batch of batches)
    if (!(await applyInEngine(storage, q, batch, scope, order, lines)))
      rest.push(...batch.reservations.map((r) => ({ r, range: batch.range })));
  for (const { r, range } of rest) await applyReservation(storage, q, r, range, scope, lines);
  const out = [...lines.map.values()];
  const cost = Object.keys(measures).indexOf('cost_usd');
  const calls = Object.keys(measures).indexOf('calls');
  for (const line of out)
    if (line.kind === 'usage' && line.reservation === '') {
      line.billedUnits = line.mu[cost] ?? 0n;
      line.effectiveUnits = line.billedUnits;
    }
  return out.filter((l) => l.kind !== 'usage' || (l.hasM && (l.mu[calls] ?? 0n) !== 0n));
}
