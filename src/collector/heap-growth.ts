// How far V8's heap may grow past what survived the last full collection, re-decided after each
// full collection. storage.max_memory keeps the heap near its live size (HEAP_GROWING_PERCENT in
// storage/memory.ts, 1.5x), but at a small live heap that leaves less room than V8's young
// generation holds (50 % of ~50 MB live is 25 MB; the young generation is 64 MiB with the
// launcher's --max-semi-space-size=32, 128 under ingest with V8's default), and V8 then starts
// incremental marking as soon as a full collection ends: under `bench:ingest` a full collection
// every ~5,000 spans, its concurrent marking the largest share of the GC helper threads' CPU.
// Leaving at least one young generation of room makes a full collection wait for the old generation
// to grow instead (a scavenge frees the young garbage); the room is bounded by the heap's share of
// storage.max_memory, so a small max_memory keeps the 1.5x bound.
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { HEAP_GROWING_PERCENT, type MemoryPlan } from '../storage/memory.js';

/** The least growth past the live heap, in percent (storage/memory.ts's HEAP_GROWING_PERCENT). */
export const MIN_GROWING_PERCENT = HEAP_GROWING_PERCENT;

/** A growth percent above this would only matter for a near-empty heap: not worth the memory. */
const MAX_GROWING_PERCENT = 400;

/**
 * The growth percent for a heap of `liveBytes` after a full collection: room for `youngBytes`
 * (a young generation's worth) but never past `budgetBytes` in all, and never less than
 * MIN_GROWING_PERCENT.
 */
export function growingPercent(liveBytes: number, youngBytes: number, budgetBytes: number): number {
  if (!(liveBytes > 0)) return MIN_GROWING_PERCENT;
  const least = (liveBytes * MIN_GROWING_PERCENT) / 100;
  const room = Math.min(Math.max(least, youngBytes), Math.max(least, budgetBytes - liveBytes));
  return Math.min(
    MAX_GROWING_PERCENT,
    Math.max(MIN_GROWING_PERCENT, Math.ceil((100 * room) / liveBytes)),
  );
}

/** The young generation's capacity now (two semi-spaces: 64 MiB at most with the launcher's). */
function youngBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

export interface HeapGrowth {
  /** The percent in force. */
  readonly percent: number;
  stop(): void;
}

/**
 * Set V8's heap growth for this process and re-decide it after every full collection (read by
 * V8 at the next limit computation). `budgetBytes`: the most the heap may hold.
 */
export function paceHeapGrowth(budgetBytes: number): HeapGrowth {
  const state = { percent: MIN_GROWING_PERCENT, stop: () => undefined as void };
  const apply = (percent: number): void => {
    if (percent === state.percent) return;
    state.percent = percent;
    setFlagsFromString(`--heap-growing-percent=${percent}`);
  };
  setFlagsFromString(`--heap-growing-percent=${MIN_GROWING_PERCENT}`);
  const observer = new PerformanceObserver((list) => {
    const major = list
      .getEntries()
      .some(
        (e) =>
          (e as { detail?: { kind?: number } }).detail?.kind ===
          constants.NODE_PERFORMANCE_GC_MAJOR,
      );
    if (major) apply(growingPercent(getHeapStatistics().used_heap_size, youngBytes(), budgetBytes));
  });
  observer.observe({ entryTypes: ['gc'] });
  state.stop = () => observer.disconnect();
  return state;
}

/**
 * The heap's share of storage.max_memory: what is not the engine's nor the duplicate filter's and
 * remembered traces' (typed arrays outside the heap): the queues' share and the rest.
 */
export function heapBudgetBytes(plan: MemoryPlan, maxMemory: number): number {
  return maxMemory - plan.engineBytes - plan.seenBytes - plan.traceBytes;
}
