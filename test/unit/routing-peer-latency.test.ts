// A latency circuit judges a target against its peers as well as its own baseline: a slow spell
// every target shares (a stalled gateway host) triples the fastest one's TTFT first, and in the
// demo's loaded runs that opened the reservation's circuit, sending paid-for traffic on demand.
import { describe, expect, it } from 'vitest';
import {
  closedCircuit,
  latencyBar,
  nextCircuit,
  peerLatency,
  type Circuit,
} from '../../src/analytics/routing/circuit.js';
import { emptyStats, type TargetStats } from '../../src/analytics/routing/health-query.js';
import { routingConfigSchema } from '../../src/shared/config-routing.js';

const c = routingConfigSchema.parse({}).circuit;
const measured = (p95: number, base: number): TargetStats => ({
  ...emptyStats(),
  latencyCalls: 50,
  latencyTtftP95: p95,
  baseTtftP95: base,
});
const pools = [{ targets: [{ id: 'ptu' }, { id: 'a' }, { id: 'b' }, { id: 'c' }] }];

/** The circuit after the breach lasted the whole latency window. */
function after(stats: TargetStats, peers: number | undefined): Circuit {
  const first = nextCircuit(closedCircuit(), stats, c, 0, peers);
  return nextCircuit(first, stats, c, c.latency_window_s * 1000, peers);
}

describe('latency circuit against peers', () => {
  it('keeps a target closed while it is still no slower than its peers, opens it when it is', () => {
    // 600 ms -> 1.8 s: 3x its baseline, still faster than the on-demand peers' 2.5 s.
    const ptu = measured(1_800, 600);
    expect(after(ptu, 2_500).state).toBe('closed');
    expect(after(ptu, undefined).state).toBe('open');
    // One region's incident: 60 s against peers at 2.5 s.
    expect(after(measured(60_000, 2_000), 2_500)).toMatchObject({
      state: 'open',
      reason: expect.stringContaining('TTFT p95 60000 ms') as string,
    });
  });

  it('takes the median of the measured, closed peers of the same pool', () => {
    const stats = new Map<string, TargetStats>([
      ['ptu', measured(1_800, 600)],
      ['a', measured(2_000, 2_000)],
      ['b', measured(3_000, 2_000)],
      ['c', measured(9_000, 2_000)],
    ]);
    const closed = new Map<string, Circuit>();
    expect(peerLatency('ptu', pools, stats, closed, c.min_requests)).toBe(3_000);
    expect(peerLatency('c', pools, stats, closed, c.min_requests)).toBe(2_000);
    // An open peer and an unmeasured one do not count.
    closed.set('c', { state: 'open', since: 0, opens: 1 });
    stats.set('b', { ...measured(3_000, 2_000), latencyCalls: c.min_requests - 1 });
    expect(peerLatency('ptu', pools, stats, closed, c.min_requests)).toBe(2_000);
    expect(peerLatency('x', pools, stats, closed, c.min_requests)).toBeUndefined();
  });

  it("holds a reservation to the pools' TTFT timeout as well: its late first tokens are never cut off", () => {
    const timed = [{ ...pools[0]!, timeouts: { ttft_ms: 5_000 } }];
    // The on-demand peers' slow calls ended as timeouts: their p95 looks fast.
    const stats = new Map<string, TargetStats>([
      ['ptu', measured(3_000, 600)],
      ['a', measured(2_000, 2_000)],
      ['b', measured(2_200, 2_000)],
    ]);
    const closed = new Map<string, Circuit>();
    const ptuBar = latencyBar({ id: 'ptu', kind: 'provisioned' }, timed, stats, closed, 10);
    expect(ptuBar).toBe(5_000);
    expect(after(stats.get('ptu')!, ptuBar).state).toBe('closed');
    expect(after(measured(6_000, 600), ptuBar).state).toBe('open');
    // An on-demand target is held to its peers only.
    expect(latencyBar({ id: 'a', kind: 'on_demand' }, timed, stats, closed, 10)).toBe(2_600);
  });
});
