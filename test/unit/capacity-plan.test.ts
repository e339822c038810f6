// Which family answers each side of capacity's demand (capacity-series.ts demand reads): spill
// keyed by fallback_from, served by deployment, a tenant scope by the tenant, deployment-first family.
import { describe, expect, it } from 'vitest';
import { planRead, type Read } from '../../src/storage/planner/plan.js';

const DAY = 86_400_000;
const side = (dim: string, tenant?: string): Read => ({
  subject: 'capacity',
  from: new Date(Date.UTC(2026, 10, 1)),
  to: new Date(Date.UTC(2026, 10, 1) + 30 * DAY),
  dims: [dim],
  measures: ['attempts', 'ok_calls', 'input_tokens', 'output_tokens'],
  bucket: 'minute',
  filters: { [dim]: ['dep-0'], ...(tenant !== undefined ? { tenant } : {}) },
});
const tables = (read: Read) => [
  planRead(read).family?.name,
  ...new Set(planRead(read).segments.map((s) => s.table?.name ?? 'llm_calls')),
];

describe('capacity demand plans', () => {
  it('reads spill from the fallback_from-first family, served from the deployment-first one', () => {
    expect(tables(side('fallback_from'))).toEqual(['capacity_spill', 'llm_capacity_spill_1m']);
    expect(tables(side('deployment'))).toEqual(['capacity', 'llm_capacity_1m']);
  });

  it('reads a tenant scope of either side from the tenant family keyed by deployment', () => {
    for (const dim of ['fallback_from', 'deployment'])
      expect(tables(side(dim, 't0'))).toEqual([
        'capacity_tenant_deployment',
        'llm_capacity_tenant_dep_1m',
      ]);
    // Unfiltered by deployment: the same family (its minute-first twin, llm_capacity_tenant_1m,
    // was dropped by 0046); the tenant's deployments are then all of its key ranges.
    const all = { ...side('deployment', 't0'), filters: { tenant: 't0' } };
    expect(tables(all)).toEqual(['capacity_tenant_deployment', 'llm_capacity_tenant_dep_1m']);
  });
});
