// TTFT drift: a current window against a baseline window per provider / model / region /
// capacity tier, as ratios of the median and of p95. The status rule is a pure function so the
// alert rules evaluate exactly what this endpoint reports.
import type { DriftConfig } from '../../shared/config-performance.js';
import type { QueryRunner } from '../../storage/runner.js';
import {
  histogramFromJson,
  mergeInto,
  summarize,
  type Histogram,
  type QuantileSummary,
} from './stats-histogram.js';
import {
  keyOf,
  readWindows,
  type ResultRow,
  type WindowRead,
  type Source,
} from './stats-source.js';

export const DRIFT_DIMENSIONS = ['provider', 'model', 'region', 'capacity_tier'] as const;
export type DriftDimension = (typeof DRIFT_DIMENSIONS)[number];

export type DriftStatus = 'ok' | 'warning' | 'critical' | 'insufficient_data';

export interface TimeWindow {
  from: Date;
  to: Date;
}

export interface DriftQuery {
  current: TimeWindow;
  baseline: TimeWindow;
  /** Defaults to every drift dimension. */
  groupBy?: DriftDimension[];
  thresholds: DriftConfig;
  tenant?: string | undefined;
  source?: Source;
}

export interface DriftInput {
  currentCount: number;
  baselineCount: number;
  medianRatio: number | null;
  p95Ratio: number | null;
}

export interface DriftRow {
  [dimension: string]: unknown;
  current: QuantileSummary;
  baseline: QuantileSummary;
  median_ratio: number | null;
  p95_ratio: number | null;
  status: DriftStatus;
}

/**
 * The drift status: `insufficient_data` below the minimum sample counts; `critical` when the p95
 * ratio is at or above critical_p95_ratio; `warning` when the median ratio is at or above
 * warning_median_ratio; else `ok`. Thresholds are inclusive ("at 1.2x" means 1.2 flips).
 */
export function driftStatus(input: DriftInput, thresholds: DriftConfig): DriftStatus {
  if (
    input.currentCount < thresholds.min_current_samples ||
    input.baselineCount < thresholds.min_baseline_samples
  ) {
    return 'insufficient_data';
  }
  if (input.p95Ratio !== null && input.p95Ratio >= thresholds.critical_p95_ratio) return 'critical';
  if (input.medianRatio !== null && input.medianRatio >= thresholds.warning_median_ratio)
    return 'warning';
  return 'ok';
}

/** Windows from a duration pair: current = [now - window, now), baseline = the span just before it. */
export function trailingWindows(
  now: Date,
  windowMs: number,
  baselineMs: number,
): { current: TimeWindow; baseline: TimeWindow } {
  const currentFrom = new Date(now.getTime() - windowMs);
  return {
    current: { from: currentFrom, to: now },
    baseline: { from: new Date(currentFrom.getTime() - baselineMs), to: currentFrom },
  };
}

function byKey(
  rows: ResultRow[],
  dims: readonly string[],
): Map<string, { dims: Record<string, string>; h: Histogram }> {
  const out = new Map<string, { dims: Record<string, string>; h: Histogram }>();
  for (const row of rows) {
    const key = keyOf(row, dims);
    const entry = out.get(key) ?? {
      dims: Object.fromEntries(dims.map((d) => [d, String(row[d] ?? '')])),
      h: new Map(),
    };
    mergeInto(entry.h, histogramFromJson(row.ttft_h));
    out.set(key, entry);
  }
  return out;
}

const ratioOf = (a: number | null, b: number | null): number | null =>
  a === null || b === null || b <= 0 ? null : Math.round((a / b) * 10_000) / 10_000;

export async function queryTtftDrift(storage: QueryRunner, query: DriftQuery): Promise<DriftRow[]> {
  const dims = query.groupBy ?? [...DRIFT_DIMENSIONS];
  const read = (w: TimeWindow): WindowRead => ({
    subject: 'perf',
    from: w.from,
    to: w.to,
    dims,
    measures: ['ttft_h'],
    tenant: query.tenant,
    source: query.source,
  });
  const [cur = [], base = []] = await readWindows(storage, [
    read(query.current),
    read(query.baseline),
  ]);
  const current = byKey(cur, dims);
  const baseline = byKey(base, dims);
  const keys = new Set([...current.keys(), ...baseline.keys()]);
  const out: DriftRow[] = [];
  for (const key of keys) {
    const c = current.get(key);
    const b = baseline.get(key);
    const cs = summarize(c?.h ?? new Map());
    const bs = summarize(b?.h ?? new Map());
    if (cs.count === 0 && bs.count === 0) continue;
    const medianRatio = ratioOf(cs.p50, bs.p50);
    const p95Ratio = ratioOf(cs.p95, bs.p95);
    const status = driftStatus(
      { currentCount: cs.count, baselineCount: bs.count, medianRatio, p95Ratio },
      query.thresholds,
    );
    out.push({
      ...(c?.dims ?? b?.dims),
      current: cs,
      baseline: bs,
      median_ratio: medianRatio,
      p95_ratio: p95Ratio,
      status,
    });
  }
  const rank: Record<DriftStatus, number> = {
    critical: 0,
    warning: 1,
    ok: 2,
    insufficient_data: 3,
  };
  // Ties broken by the group's key: the rows' order from the engine is not part of the answer (the
  // windows come back from one query or several, in any order).
  const key = (r: DriftRow) => keyOf(r, dims);
  return out.sort(
    (a, b) =>
      rank[a.status] - rank[b.status] ||
      b.current.count - a.current.count ||
      (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0),
  );
}
