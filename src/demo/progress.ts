// The live status line, one per wall second: demo clock, then per run the answers per wall
// second, the p95 TTFT of the answers that landed in the last demo minute, the 429s that reached users so far, and (for
// the adaptive run) the weights it is routing by.
import type { DemoClock } from './clock.js';
import type { RunRecorder } from './metrics.js';
import type { FleetTarget } from './scenario.js';

const clockText = (ms: number): string => {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

function runText(rec: RunRecorder, clock: DemoClock): string {
  const p95 = rec.recentP95(Math.max(1_000, clock.toWall(60_000)));
  return `${rec.gateway.name} ${rec.rps(1_000).toFixed(1).padStart(4)} rps p95 ${p95 === null ? '  -  ' : `${(p95 / 1000).toFixed(1).padStart(4)}s`} 429s ${rec.user429()}`;
}

export function statusLine(
  clock: DemoClock,
  runMs: number,
  adaptive: RunRecorder,
  stat: RunRecorder,
  fleet: FleetTarget[],
): string {
  const now = Math.min(clock.now(), runMs);
  const w = adaptive.gateway.weights();
  const weights = fleet.map((t) => `${t.label} ${String(w[t.id] ?? 0).padStart(3)}`).join(' ');
  return `[demo ${clockText(now)}/${clockText(runMs)}] ${runText(adaptive, clock)} | w ${weights} || ${runText(stat, clock)}`;
}
