// The comparison report: time to detect (first relevant alert firing, or the first feed weight
// move away from the degraded target) and time to shift (its share of its tier below a
// threshold), and the table printed at the end. Pure: inputs come out of the run.
import type { RunSummary, WeightSample } from './metrics.js';
import { TTFT_SLO_MS } from './metrics.js';
import { incidentStartMs, type FleetTarget, type Scenario } from './scenario.js';

/** The degraded target has "shifted" once its share of its tier's weight is below this. */
export const SHIFT_BELOW = 0.1;

export interface AlertFiring {
  rule: string;
  kind: string;
  labels: Record<string, string>;
  /** Demo ms since the start of the run. */
  atMs: number;
}

export interface Timing {
  /** Demo ms from the incident's start; null: never. */
  detectMs: number | null;
  detectBy: string;
  shiftMs: number | null;
  /** False when the degraded target has no peer in its tier to shift to. */
  shiftApplies: boolean;
}

function relevant(a: AlertFiring, s: Scenario, environment: string): boolean {
  if (a.labels['environment'] !== environment) return false;
  if (s.focusTarget !== undefined) return a.labels['deployment'] === s.focusTarget;
  return a.kind === 'cache_hit_regression';
}

function share(weights: Record<string, number>, focus: FleetTarget, fleet: FleetTarget[]): number {
  const total = fleet
    .filter((t) => t.kind === focus.kind)
    .reduce((sum, t) => sum + (weights[t.id] ?? 0), 0);
  return total > 0 ? (weights[focus.id] ?? 0) / total : 0;
}

export interface TimingInput {
  scenario: Scenario;
  runMs: number;
  fleet: FleetTarget[];
  samples: WeightSample[];
  alerts: AlertFiring[];
  environment: string;
}

export function timings(i: TimingInput): Timing {
  const start = incidentStartMs(i.scenario, i.runMs) ?? 0;
  const alert = i.alerts
    .filter((a) => a.atMs >= start && relevant(a, i.scenario, i.environment))
    .sort((a, b) => a.atMs - b.atMs)[0];
  const focus = i.fleet.find((t) => t.id === i.scenario.focusTarget);
  let moved: number | undefined;
  let shifted: number | undefined;
  const shiftApplies =
    focus !== undefined && i.fleet.filter((t) => t.kind === focus.kind).length > 1;
  if (focus !== undefined) {
    const before = [...i.samples].reverse().find((x) => x.atMs < start) ?? i.samples[0];
    const pre = before?.weights[focus.id] ?? 0;
    moved = i.samples.find((x) => x.atMs >= start && (x.weights[focus.id] ?? 0) < pre)?.atMs;
    if (shiftApplies)
      shifted = i.samples.find(
        (x) => x.atMs >= start && share(x.weights, focus, i.fleet) < SHIFT_BELOW,
      )?.atMs;
  }
  const candidates: [number, string][] = [];
  if (alert !== undefined) candidates.push([alert.atMs, `alert ${alert.rule}`]);
  if (moved !== undefined) candidates.push([moved, 'feed weight moved']);
  candidates.sort((a, b) => a[0] - b[0]);
  const first = candidates[0];
  return {
    detectMs: first !== undefined ? first[0] - start : null,
    detectBy: first !== undefined ? first[1] : 'not detected',
    shiftMs: shifted !== undefined ? shifted - start : null,
    shiftApplies,
  };
}

const secs = (ms: number | null): string => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);
const mins = (ms: number | null): string =>
  ms === null
    ? 'never'
    : ms < 60_000
      ? `${(ms / 1000).toFixed(0)} s`
      : `${(ms / 60_000).toFixed(1)} min`;
const usd = (x: number | null): string =>
  x === null ? '—' : x >= 1 ? `$${x.toFixed(2)}` : `$${x.toFixed(4)}`;

export function tableRows(
  a: RunSummary,
  s: RunSummary,
  ta: Timing,
  ts: Timing,
): [string, string, string][] {
  return [
    ['requests (same seeded traffic)', String(a.requests), String(s.requests)],
    [
      `goodput (ok, TTFT <= ${TTFT_SLO_MS / 1000} s)`,
      `${a.goodputPct.toFixed(1)}%`,
      `${s.goodputPct.toFixed(1)}%`,
    ],
    [
      'p50 / p95 TTFT',
      `${secs(a.p50TtftMs)} / ${secs(a.p95TtftMs)}`,
      `${secs(s.p50TtftMs)} / ${secs(s.p95TtftMs)}`,
    ],
    [`slow answers (TTFT > ${TTFT_SLO_MS / 1000} s)`, String(a.slow), String(s.slow)],
    ['429s that reached users', String(a.user429), String(s.user429)],
    ['5xx / timeouts that reached users', String(a.userErrors), String(s.userErrors)],
    ['provider attempts', String(a.providerAttempts), String(s.providerAttempts)],
    [
      'cost (on-demand + reserved)',
      `${usd(a.costUsd)} (${usd(a.onDemandUsd)} + ${usd(a.reservedUsd)})`,
      `${usd(s.costUsd)} (${usd(s.onDemandUsd)} + ${usd(s.reservedUsd)})`,
    ],
    ['cost per good answer', usd(a.costPerGoodUsd), usd(s.costPerGoodUsd)],
    ['provisioned utilization', `${a.ptuUtilPct.toFixed(0)}%`, `${s.ptuUtilPct.toFixed(0)}%`],
    [
      'time to detect',
      ta.detectMs === null ? 'never' : `${mins(ta.detectMs)} (${ta.detectBy})`,
      ts.detectMs === null ? 'never' : `${mins(ts.detectMs)} (${ts.detectBy})`,
    ],
    [
      `time to shift (< ${SHIFT_BELOW * 100}% of tier)`,
      ta.shiftApplies ? mins(ta.shiftMs) : 'n/a',
      ts.shiftApplies ? mins(ts.shiftMs) : 'n/a',
    ],
  ];
}

export function formatTable(rows: [string, string, string][], title: string): string {
  const header: [string, string, string] = ['', 'adaptive (feed)', 'static (round-robin)'];
  const all = [header, ...rows];
  const w = [0, 1, 2].map((c) => Math.max(...all.map((r) => r[c as 0 | 1 | 2].length)));
  const line = (r: [string, string, string]): string =>
    `${r[0].padEnd(w[0] as number)}  ${r[1].padEnd(w[1] as number)}  ${r[2]}`;
  const rule = '-'.repeat((w[0] as number) + (w[1] as number) + (w[2] as number) + 4);
  return [title, rule, line(header), rule, ...rows.map(line), rule].join('\n');
}
