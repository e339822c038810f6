// The compact store of remembered lone roots: every root put is found again by its trace key
// with its span id and attribution, in touched order, across growth, compaction and wrap-around.
import { describe, expect, it } from 'vitest';
import { ROOT_SLOT_BYTES, RootStore } from '../../src/collector/trace-roots.js';
import type { SpanNode } from '../../src/collector/trace-nesting.js';

const hexId = (i: number): string => (i * 2654435761).toString(16).padStart(16, 'a').slice(-16);
const node = (i: number): SpanNode => ({
  parent: '',
  hint: { tenant: `t${i % 7}`, route: `/r${i % 3}` },
  billableCall: i % 2 === 0,
  preferred: false,
});

describe('RootStore', () => {
  it('gives back each root by its key, across growth and dead entries, oldest first', () => {
    const store = new RootStore(100_000);
    for (let i = 0; i < 5000; i += 1) {
      expect(store.put(`trace-${i}`, hexId(i), node(i), i)).toBe(ROOT_SLOT_BYTES);
      // Take every third one again soon after: the ring then holds dead entries to compact.
      if (i % 3 === 0) expect(store.take(`trace-${i}`)?.spanId).toBe(hexId(i));
    }
    expect(store.size).toBe(5000 - Math.ceil(5000 / 3));
    expect(store.take('trace-3')).toBeUndefined();
    const taken = store.take('trace-4001');
    expect(taken).toEqual({ spanId: hexId(4001), node: node(4001), bytes: ROOT_SLOT_BYTES });
    expect(store.take('trace-4001')).toBeUndefined();
    expect(store.oldestTouchedAt()).toBe(1);
    expect(store.dropOldest()).toBe(ROOT_SLOT_BYTES);
    expect(store.take('trace-1')).toBeUndefined();
    expect(store.oldestTouchedAt()).toBe(2);
    expect(store.take('trace-2')?.node.hint).toEqual({ tenant: 't2', route: '/r2' });
    expect(store.oldestTouchedAt()).toBe(4);
  });

  it('keeps a span id that is not 16 hex digits beside the ring, with its own bytes', () => {
    const store = new RootStore(10);
    const bytes = store.put('k', 'root-A', node(1), 0);
    expect(bytes).toBeGreaterThan(ROOT_SLOT_BYTES);
    store.put('h', 'ABCDEF0123456789', node(2), 1); // upper case: not rendered back the same
    expect(store.take('k')).toEqual({ spanId: 'root-A', node: node(1), bytes });
    expect(store.take('h')?.spanId).toBe('ABCDEF0123456789');
  });

  it('wraps around at its bound: full until the oldest is dropped', () => {
    const store = new RootStore(4);
    for (let round = 0; round < 3; round += 1) {
      for (let i = 0; i < 4; i += 1) {
        if (store.full) store.dropOldest();
        store.put(`r${round}-${i}`, hexId(i), node(i), round * 10 + i);
      }
      expect(store.full).toBe(true);
      expect(() => store.put('more', hexId(9), node(9), 99)).toThrow(/full/);
    }
    expect(store.take('r1-3')).toBeUndefined();
    expect(store.take('r2-0')?.spanId).toBe(hexId(0));
    expect(store.full).toBe(false);
    store.put('again', hexId(5), node(5), 30); // reuses the dead entry by compacting
    expect(store.take('again')?.spanId).toBe(hexId(5));
    expect(store.oldestTouchedAt()).toBe(21);
  });

  it('stays amortized O(1) a put at its bound: a drop then a put does not rebuild the ring', () => {
    // At its memory share a collector drops the oldest root for every new one. The ring used to
    // count the dropped entry as occupied and rebuild all of itself on each put: at the default
    // share (1.26M roots) a request of 200 spans then took about 25 s of main-thread CPU.
    const bound = 1000;
    const store = new RootStore(bound);
    const model = new Set<number>(); // what must be remembered, oldest first
    const put = (i: number): void => {
      if (store.full) {
        store.dropOldest();
        model.delete(model.values().next().value ?? -1);
      }
      store.put(`t-${i}`, hexId(i), node(i), i);
      model.add(i);
    };
    let i = 0;
    for (; i < bound; i += 1) put(i);
    const before = store.rebuilds;
    const cycles = 20 * bound;
    for (; i < bound + cycles; i += 1) {
      put(i);
      // Late children take a root now and then: dead entries in the middle of the ring.
      if (i % 7 === 0 && model.delete(i - 500))
        expect(store.take(`t-${i - 500}`)?.spanId).toBe(hexId(i - 500));
    }
    // Each rebuild at the bound frees at least bound / 8 places: about 8 a bound's worth of puts.
    expect(store.rebuilds - before).toBeLessThanOrEqual((cycles / bound) * 8 + 2);
    expect(store.rebuilds - before).toBeGreaterThan(0);
    expect(store.size).toBe(model.size);
    expect(store.oldestTouchedAt()).toBe(model.values().next().value);
    for (const k of model) expect(store.take(`t-${k}`)?.spanId).toBe(hexId(k));
    expect(store.size).toBe(0);
  });
});
