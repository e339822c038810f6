// Pure parts of the money questions: largest-remainder splits, provisioned allocation per hour,
// budget periods and status, export day chunks, config validation.
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayChunks } from '../../src/analytics/export/focus-export.js';
import { evaluateBudget, periodBounds } from '../../src/shared/budget.js';
import { Money, largestRemainder } from '../../src/shared/money.js';
import { allocate, hoursOf } from '../../src/analytics/queries/provisioned.js';
import { splitHours } from '../../src/analytics/queries/cost-model-alloc.js';
import { bucketOf } from '../../src/analytics/queries/cost-model.js';
import { parseConfig } from '../../src/shared/config.js';

const Precise = Decimal.clone({ precision: 80 });
const sum = (xs: { toString(): string }[]): string =>
  xs.reduce((a: Decimal, x) => a.add(x.toString()), new Precise(0)).toString();

describe('largestRemainder', () => {
  it('splits 1 over three equal weights with the leftover unit on the first', () => {
    const parts = largestRemainder(new Money(1), [new Money(1), new Money(1), new Money(1)]).map(
      (p) => p.toFixed(),
    );
    expect(parts).toEqual(['0.333333333333333334', '0.333333333333333333', '0.333333333333333333']);
  });

  it('always sums exactly to the total and never moves more than one unit from the exact share', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 24n }),
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 12 }),
        (raw, ws) => {
          const total = new Money(raw.toString()).div(new Money(10).pow(18));
          const weights = ws.map((w) => new Money(w));
          const parts = largestRemainder(total, weights);
          expect(sum(parts)).toBe(new Precise(total.toFixed()).toString());
          const sumW = ws.reduce((a, b) => a + b, 0);
          if (sumW > 0)
            parts.forEach((p, i) =>
              expect(
                p
                  .sub(total.mul(ws[i] ?? 0).div(sumW))
                  .abs()
                  .lte('1e-18'),
              ).toBe(true),
            );
        },
      ),
    );
  });
});

describe('provisioned allocation', () => {
  const r = parseConfig({
    finops: {
      reservations: [
        { deployment: 'd', units: 1, price_per_unit_hour: '2', tokens_per_minute_per_unit: 100 },
      ],
    },
  }).finops.reservations[0]!;
  const h0 = Date.UTC(2026, 0, 1);
  const row = (hour: number, key: string, converted: number) => ({
    hour,
    key: { route: key },
    calls: 1,
    converted: new Money(converted),
    list: new Money(0),
  });

  it('charges idle for unused capacity and nothing to the calls beyond cost', () => {
    const rows = [row(h0, '/a', 3000), row(h0, '/b', 1000), row(h0 + 3_600_000, '/a', 9000)];
    const a = allocate(r, [h0, h0 + 7_200_000], rows, rows);
    // Hour 1 costs 2: capacity 6000, used 4000 -> /a 1, /b 1/3, idle 2/3 (the leftover unit goes to
    // the larger remainder, idle). Hour 2: over capacity, /a pays all 2.
    expect(a.groups.get(JSON.stringify({ route: '/a' }))?.allocated.toFixed()).toBe('3');
    expect(a.groups.get(JSON.stringify({ route: '/b' }))?.allocated.toFixed()).toBe(
      '0.333333333333333333',
    );
    expect(a.idle.toFixed()).toBe('0.666666666666666667');
    expect(a.cost.toFixed()).toBe('4');
  });

  it('prorates partial hours by second', () => {
    expect(hoursOf(h0 + 1_800_000, h0 + 5_400_000).map((h) => h.seconds.toNumber())).toEqual([
      1800, 1800,
    ]);
    expect(allocate(r, [h0 + 1_800_000, h0 + 1_900_000], [], []).cost.toFixed()).toBe(
      '0.055555555555555556',
    );
  });
});

describe('budgets', () => {
  it('computes UTC day, ISO week and calendar month bounds', () => {
    const at = new Date('2026-03-04T12:00:00Z');
    expect(periodBounds('day', at).start.toISOString()).toBe('2026-03-04T00:00:00.000Z');
    expect(periodBounds('week', at).start.toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(periodBounds('week', new Date('2026-03-08T23:00:00Z')).end.toISOString()).toBe(
      '2026-03-09T00:00:00.000Z',
    );
    expect(periodBounds('month', at).end.toISOString()).toBe('2026-04-01T00:00:00.000Z');
  });

  it('flips status at the soft, hard and forecast thresholds', () => {
    const b = parseConfig({
      finops: {
        budgets: [{ name: 'b', scope: { tenant: 't' }, period: 'day', ceiling_usd: '100' }],
      },
    }).finops.budgets[0]!;
    const noon = new Date('2026-03-04T12:00:00Z');
    expect(evaluateBudget(b, '49.99', noon).status).toBe('ok');
    expect(evaluateBudget(b, '50', noon)).toMatchObject({
      status: 'forecast_breach',
      forecast_usd: '100',
    });
    expect(evaluateBudget(b, '80', noon).status).toBe('soft');
    expect(evaluateBudget(b, '100', noon)).toMatchObject({ status: 'hard', remaining_usd: '0' });
  });

  it('rejects a budget scope on an unknown dimension and a bad price, naming the key', () => {
    // An empty scope is a global budget (the one budget model); an unknown dimension is an error.
    expect(() =>
      parseConfig({
        finops: {
          budgets: [{ name: 'b', scope: { tenat: 'x' }, period: 'day', ceiling_usd: '1' }],
        },
      }),
    ).toThrow(/finops\.budgets\.0\.scope/);
    expect(() =>
      parseConfig({
        finops: {
          reservations: [
            { deployment: 'd', units: 1, price_per_unit_hour: '-1', tokens_per_minute_per_unit: 1 },
          ],
        },
      }),
    ).toThrow(/price_per_unit_hour/);
  });
});

describe('FOCUS export chunks', () => {
  it('cuts at UTC midnights', () => {
    const chunks = dayChunks(new Date('2026-03-01T22:00:00Z'), new Date('2026-03-03T01:00:00Z'));
    expect(chunks.map(([a, b]) => [a.toISOString(), b.toISOString()])).toEqual([
      ['2026-03-01T22:00:00.000Z', '2026-03-02T00:00:00.000Z'],
      ['2026-03-02T00:00:00.000Z', '2026-03-03T00:00:00.000Z'],
      ['2026-03-03T00:00:00.000Z', '2026-03-03T01:00:00.000Z'],
    ]);
  });
});

describe('the cost model split of a reservation hour', () => {
  const r = parseConfig({
    finops: {
      reservations: [
        { deployment: 'd', units: 3, price_per_unit_hour: '1.7', tokens_per_minute_per_unit: 7 },
      ],
    },
  }).finops.reservations[0]!;
  const h0 = Date.UTC(2026, 0, 1);

  it('parts + others + unused = the hour charge exactly; spreading leaves no unused when used', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 0, maxLength: 6 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 1, max: 3600 }),
        fc.boolean(),
        (mine, others, seconds, spread) => {
          const groups = mine.map((c, i) => ({ hour: h0, id: `g${i}`, converted: new Money(c) }));
          const used = new Map([[h0, new Money(mine.reduce((a, b) => a + b, 0) + others)]]);
          const [h] = splitHours(r, [h0, h0 + seconds * 1000], groups, used, spread);
          const parts = [...h!.parts.values(), ...h!.spread.values(), h!.others, h!.unused];
          expect(sum(parts)).toBe(new Precise(h!.cost.toFixed()).toString());
          expect(h!.cost.toFixed()).toBe(
            new Precise(3).mul('1.7').mul(seconds).div(3600).toDecimalPlaces(18).toString(),
          );
          if (spread && h!.used.gt(0)) expect(h!.unused.isZero()).toBe(true);
          if (!spread) expect(h!.spread.size).toBe(0);
        },
      ),
    );
  });

  it('buckets hours the way the read planner does (UTC days, ISO weeks, months)', () => {
    const t = Date.parse('2026-03-08T23:30:00Z'); // a Sunday
    expect(new Date(bucketOf(t, 'hour')!).toISOString()).toBe('2026-03-08T23:00:00.000Z');
    expect(new Date(bucketOf(t, 'day')!).toISOString()).toBe('2026-03-08T00:00:00.000Z');
    expect(new Date(bucketOf(t, 'week')!).toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(new Date(bucketOf(t, 'month')!).toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(bucketOf(t, undefined)).toBeUndefined();
  });

  it('refuses two reservations that would cover the same calls', () => {
    const base = {
      deployment: 'd',
      units: 1,
      price_per_unit_hour: '1',
      tokens_per_minute_per_unit: 1,
    };
    expect(() =>
      parseConfig({ finops: { reservations: [base, { ...base, name: 'again' }] } }),
    ).toThrow(/finops\.reservations\.1: covers the same calls as reservations\.0/);
    expect(
      parseConfig({
        finops: {
          reservations: [
            { ...base, end: '2026-01-01T00:00:00Z' },
            { ...base, name: 'next', start: '2026-01-01T00:00:00Z' },
          ],
        },
      }).finops.reservations,
    ).toHaveLength(2);
  });
});
