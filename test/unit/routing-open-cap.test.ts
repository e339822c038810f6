// The circuit's ejection cap: a pool never has more than max_open_share of its targets out of
// rotation at once (one always may open), so a fault shared by every target (a stalled gateway
// host) cannot open every circuit of a pool.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capOpenings, closedCircuit, type Circuit } from '../../src/analytics/routing/circuit.js';
import { routingConfigSchema } from '../../src/shared/config-routing.js';

const open = (since = 1): Circuit => ({ state: 'open', since, opens: 1, reason: 'errors' });
const pool = (...ids: string[]) => ({ targets: ids.map((id) => ({ id })) });

describe('capOpenings', () => {
  it('holds the openings past the share closed, in the order the pool lists them', () => {
    const prev = new Map<string, Circuit>([['ptu', closedCircuit()]]);
    const next = new Map<string, Circuit>([
      ['ptu', closedCircuit()],
      ['a', open()],
      ['b', open()],
      ['c', open()],
    ]);
    const held = capOpenings(prev, next, [pool('ptu', 'a', 'b', 'c')], 0.5);
    expect(held).toEqual(['c']);
    expect(['a', 'b', 'c'].map((id) => next.get(id)?.state)).toEqual(['open', 'open', 'closed']);
  });

  it('counts targets already out (open or half-open) and always lets one open', () => {
    const half: Circuit = { state: 'half_open', since: 1, opens: 1 };
    const prev = new Map<string, Circuit>([['a', half]]);
    const next = new Map<string, Circuit>([
      ['a', half],
      ['b', open()],
    ]);
    expect(capOpenings(prev, next, [pool('a', 'b', 'c', 'd')], 0.5)).toEqual([]);
    const next2 = new Map<string, Circuit>([
      ['a', half],
      ['b', open()],
      ['c', open()],
    ]);
    expect(capOpenings(new Map(prev), next2, [pool('a', 'b', 'c', 'd')], 0.5)).toEqual(['c']);
    // A tiny share still lets one target of a two-target pool open.
    const next3 = new Map<string, Circuit>([['x', open()]]);
    expect(capOpenings(new Map(), next3, [pool('x', 'y')], 0.01)).toEqual([]);
  });

  it('never leaves more than the allowed number out in any pool (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('closed', 'open', 'half_open'), { minLength: 1, maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        (states, opensNow, share) => {
          const ids = states.map((_, i) => `t${i}`);
          const allowed = Math.max(1, Math.floor(share * ids.length));
          // Start from a state within the cap (as the feed always is), then let some open.
          const prev = new Map<string, Circuit>();
          let out = 0;
          states.forEach((s, i) => {
            const keepOut = s !== 'closed' && out < allowed;
            if (keepOut) out += 1;
            prev.set(ids[i]!, keepOut ? { state: s, since: 1, opens: 1 } : closedCircuit());
          });
          const next = new Map(prev);
          ids.forEach((id, i) => {
            if (opensNow[i] === true && prev.get(id)?.state === 'closed') next.set(id, open(2));
          });
          capOpenings(prev, next, [pool(...ids)], share);
          const nowOut = ids.filter((id) => next.get(id)?.state !== 'closed').length;
          expect(nowOut).toBeLessThanOrEqual(allowed);
          // Nothing already out was closed by the cap.
          for (const id of ids)
            if (prev.get(id)?.state !== 'closed') expect(next.get(id)?.state).not.toBe('closed');
        },
      ),
    );
  });

  it('is a validated config key with a default of half a pool', () => {
    expect(routingConfigSchema.parse({}).circuit.max_open_share).toBe(0.5);
    expect(() => routingConfigSchema.parse({ circuit: { max_open_share: 0 } })).toThrow(
      /max_open_share/,
    );
  });
});
