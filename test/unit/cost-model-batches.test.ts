// Which reservations of a question the engine splits together (one query per batch): those on
// distinct deployments over the same charged range, with whole weights (whatever the question's
// filters: cost-model.ts drops the reservations a scope excludes before); `split` and the
// group-hour threshold decide the rest.
import { describe, expect, it } from 'vitest';
import { engineBatches } from '../../src/analytics/queries/cost-model-batches.js';
import type { ModelQuery } from '../../src/analytics/queries/cost-model-lines.js';
import { parseConfig } from '../../src/shared/config.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const res = parseConfig({
  finops: {
    reservations: [
      {
        name: 'a',
        deployment: 'd1',
        provider: 'p1',
        units: 1,
        price_per_unit_hour: '1',
        tokens_per_minute_per_unit: 10,
      },
      {
        name: 'b',
        deployment: 'd2',
        units: 1,
        price_per_unit_hour: '1',
        tokens_per_minute_per_unit: 10,
      },
      // The same deployment as `a` (another provider): its own batch, one deployment a batch.
      {
        name: 'c',
        deployment: 'd1',
        provider: 'p2',
        units: 1,
        price_per_unit_hour: '1',
        tokens_per_minute_per_unit: 10,
      },
      {
        name: 'frac',
        deployment: 'd3',
        units: 1,
        price_per_unit_hour: '1',
        tokens_per_minute_per_unit: 10,
        weights: { input: 1.5, cached_input: 0, cache_write: 1, output: 1 },
      },
    ],
  },
}).finops.reservations;
const month: [number, number] = [T0, T0 + 720 * H];
const later: [number, number] = [T0 + 5 * H, T0 + 720 * H];
const q = (over: Partial<ModelQuery> = {}): ModelQuery => ({
  from: new Date(month[0]),
  to: new Date(month[1]),
  dims: ['tenant'],
  reservations: res,
  ...over,
});
const active = [
  { r: res[0]!, range: month },
  { r: res[1]!, range: month },
  { r: res[2]!, range: month },
  { r: res[3]!, range: month },
];
const names = (b: { reservations: readonly { name?: string | undefined }[] }): string[] =>
  b.reservations.map((r) => r.name ?? '');

describe('engine batches', () => {
  it('puts distinct deployments over one range in one batch, fractional weights in JS', () => {
    const { batches, rest } = engineBatches(q({ split: 'engine' }), active, 1);
    expect(batches.map(names)).toEqual([['a', 'b'], ['c']]);
    expect(rest.map((x) => x.r.name)).toEqual(['frac']);
  });

  it('keeps different ranges apart', () => {
    const { batches } = engineBatches(
      q({ split: 'engine' }),
      [active[0]!, { r: res[1]!, range: later }],
      1,
    );
    expect(batches.map((b) => [names(b), b.range])).toEqual([
      [['a'], month],
      [['b'], later],
    ]);
  });

  it('leaves split=js to the JS split', () => {
    expect(engineBatches(q({ split: 'js' }), active, 500).batches).toEqual([]);
    expect(engineBatches(q({ split: 'engine' }), active, 1).batches).toHaveLength(2);
  });

  it('takes the engine by default from 100k group-hours', () => {
    expect(engineBatches(q(), active, 500).batches).toHaveLength(2); // 500 x 720 = 360k
    expect(engineBatches(q(), active, 40).batches).toEqual([]); // 40 x 720 = 28.8k
  });
});
