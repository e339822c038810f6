// Reservation lines summed in units: the purchase and unused lines of random hours against the
// decimal arithmetic they replace (each hour's charge, term and unused unit-hours as decimals,
// `unused / cost x seconds / 3600 x units` rounded to 9 places), ties on a rounding boundary
// included.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hourCost, hoursOf } from '../../src/analytics/queries/cost-model-alloc.js';
import type { HourCharge } from '../../src/analytics/queries/cost-model-hours.js';
import { Lines, addReservationLines } from '../../src/analytics/queries/cost-model-lines.js';
import { parseConfig } from '../../src/shared/config.js';
import { Money, ZERO, fromUnits, toUnits } from '../../src/shared/money.js';

const H = 3_600_000;
const R0 = Date.UTC(2026, 0, 1);

function reservation(units: number, price: string) {
  const [r] = parseConfig({
    finops: {
      reservations: [
        { deployment: 'ptu', units, price_per_unit_hour: price, tokens_per_minute_per_unit: 100 },
      ],
    },
  }).finops.reservations;
  if (r === undefined) throw new Error('no reservation');
  return r;
}

describe('reservation lines in units', () => {
  it('sum each hour as the decimal arithmetic does, whole and partial hours', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.constantFrom('1', '0.7', '2.345678', '13'),
        fc.integer({ min: 0, max: 3_599_999 }),
        fc.array(fc.bigInt({ min: 0n, max: 10n ** 15n }), { minLength: 1, maxLength: 30 }),
        fc.constantFrom('row' as const, 'spread' as const),
        (units, price, offset, fractions, unusedMode) => {
          const r = reservation(units, price);
          const hours = hoursOf(R0 + offset, R0 + fractions.length * H);
          const split: HourCharge[] = hours.map(({ hour, seconds }, i) => {
            const cost = hourCost(r, seconds);
            // Unused: any share of the charge (0 and all of it included), to 10^-15 of it.
            const u = (toUnits(cost) * (fractions[i] ?? 0n)) / 10n ** 15n;
            return { hour, seconds, cost, unused: fromUnits(u), unusedUnits: u };
          });
          const lines = new Lines([]);
          const q = {
            from: new Date(R0),
            to: new Date(R0 + 40 * H),
            dims: [],
            reservations: [r],
            unused: unusedMode,
          };
          addReservationLines(q, r, 'ptu', split, lines);
          let billed = ZERO;
          let term = ZERO;
          let unused = ZERO;
          let unusedTerm = ZERO;
          let unusedShown = false;
          for (const h of split) {
            billed = billed.add(h.cost);
            term = term.add(h.seconds.div(3600).mul(units));
            if (h.unused.isZero() && unusedMode === 'spread') continue;
            unusedShown = true;
            unused = unused.add(h.unused);
            if (!h.cost.isZero())
              unusedTerm = unusedTerm.add(
                h.unused.div(h.cost).mul(h.seconds).div(3600).mul(units).toDecimalPlaces(9),
              );
          }
          const got = [...lines.map.values()];
          const purchase = got.find((l) => l.kind === 'purchase');
          const idle = got.find((l) => l.kind === 'unused');
          expect(purchase?.billed.toFixed()).toBe(billed.toFixed());
          expect(purchase?.quantity.toFixed()).toBe(term.toFixed());
          expect(idle !== undefined).toBe(unusedShown);
          if (idle !== undefined) {
            expect(idle.effective.toFixed()).toBe(unused.toFixed());
            expect(idle.quantity.toFixed()).toBe(unusedTerm.toFixed());
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves a tie on the 9th place to the decimal rounding', () => {
    // 3 units x $1: 5 x 10^8 of 3 x 10^18 unused is 5 x 10^-10 unit-hours, exactly half way.
    const r = reservation(3, '1');
    const [hour] = hoursOf(R0, R0 + H);
    if (hour === undefined) throw new Error('no hour');
    const u = 5n * 10n ** 8n;
    const cost = hourCost(r, hour.seconds);
    const lines = new Lines([]);
    const q = { from: new Date(R0), to: new Date(R0 + H), dims: [], reservations: [r] };
    addReservationLines(
      q,
      r,
      'ptu',
      [{ ...hour, cost, unused: fromUnits(u), unusedUnits: u }],
      lines,
    );
    const want = fromUnits(u).div(cost).mul(3600).div(3600).mul(3).toDecimalPlaces(9);
    const idle = [...lines.map.values()].find((l) => l.kind === 'unused');
    expect(idle?.quantity.toFixed()).toBe(want.toFixed());
    expect(new Money(want).lte('0.000000001')).toBe(true);
  });
});
