// The cost model's reservation reads (one deployment's covered calls per hour and tenant) are
// answered by the deployment-first allocation family, not by the every-dimension tenant family
// that holds about a row per call; grouping by route still needs a family with the route.
import { describe, expect, it } from 'vitest';
import { coverageFilters } from '../../src/analytics/queries/cost-model-read.js';
import { BILLABLE_KINDS, COST_MEASURES } from '../../src/storage/catalog/measures.js';
import { planRead } from '../../src/storage/planner/plan.js';
import { parseConfig } from '../../src/shared/config.js';

const [r] = parseConfig({
  finops: {
    reservations: [
      {
        deployment: 'ptu-1',
        provider: 'openai',
        units: 1,
        price_per_unit_hour: '1',
        tokens_per_minute_per_unit: 10,
      },
    ],
  },
}).finops.reservations;
const from = new Date(Date.UTC(2026, 0, 1, 0, 0, 17));
const to = new Date(Date.UTC(2026, 0, 31, 0, 59, 3));
const read = (dims: string[], bucket?: 'hour') =>
  planRead({
    subject: 'calls',
    from,
    to,
    dims,
    bucket,
    measures: COST_MEASURES,
    filters: { ...coverageFilters(r!), kind: [...BILLABLE_KINDS] },
  });

describe('the read plan of reservation reads', () => {
  it('reads covered usage per hour and tenant from the allocation family', () => {
    const plan = read(['tenant'], 'hour');
    expect(plan.family?.name).toBe('costs_allocation');
    expect(plan.segments.map((s) => s.table?.name ?? 'llm_calls')).toEqual([
      'llm_calls',
      'llm_costs_alloc_1h',
      'llm_calls',
    ]);
    // Without buckets, whole days come from its daily table.
    expect(read([]).segments.some((s) => s.table?.name === 'llm_costs_alloc_1d')).toBe(true);
  });

  it('leaves a route grouping to a family that has the route', () => {
    expect(read(['route'], 'hour').family?.name).not.toBe('costs_allocation');
  });
});
