// Latency, TTFT, inter-token latency, tokens per second and goodput per provider / model /
// deployment / region / capacity tier / route. Read from the histogram rollups (llm_perf_*),
// so quantiles are within one log bucket (4.4 %) of the exact value. Goodput needs the route's
// SLO, so rows are always read per route and merged afterwards.
import type { PerformanceConfig, SloConfig } from '../../shared/config-performance.js';
import type { QueryRunner } from '../../storage/runner.js';
import {
  countAtMost,
  histogramCount,
  histogramFromJson,
  mergeInto,
  summarize,
  type Histogram,
  type QuantileSummary,
} from './stats-histogram.js';
import { keyOf, num, ratio, readWindow, type PerfDimension, type Source } from './stats-source.js';

export { PERF_DIMENSIONS as LATENCY_DIMENSIONS } from './stats-source.js';

export interface SloTable {
  routes: Record<string, SloConfig>;
  fallback: SloConfig;
}

export interface LatencyQuery {
  from: Date;
  to: Date;
  groupBy: PerfDimension[];
  slos: SloTable;
  tenant?: string | undefined;
  source?: Source;
}

export interface LatencyRow {
  [dimension: string]: unknown;
  calls: number;
  ok_calls: number;
  errors: number;
  latency_ms: QuantileSummary;
  ttft_ms: QuantileSummary;
  itl_ms: QuantileSummary;
  tokens_per_second: QuantileSummary;
  /** Calls that succeeded within the route's latency deadline (interpolated within a bucket). */
  good_calls: number;
  /** good_calls / calls (errors count as not good); null without calls. */
  goodput: number | null;
  /** Share of streams with TTFT within the route's ttft_ms deadline (routes that set one). */
  ttft_goodput: number | null;
  /** The SLO applied (only when grouped by route). */
  slo?: SloConfig;
}

/** The SLO table from the `performance` config section. */
export function sloTable(config: PerformanceConfig): SloTable {
  return { routes: config.slos, fallback: config.default_slo };
}

export function sloFor(slos: SloTable, route: string): SloConfig {
  return slos.routes[route] ?? slos.fallback;
}

interface Acc {
  dims: Record<string, string>;
  calls: number;
  ok: number;
  errors: number;
  good: number;
  ttftGood: number;
  ttftJudged: number;
  h: Record<'duration' | 'ttft' | 'itl' | 'tps', Histogram>;
}

const MEASURES = [
  'attempts',
  'ok_calls',
  'errors',
  'duration_h',
  'ttft_h',
  'itl_h',
  'tps_h',
] as const;

export async function queryLatency(
  storage: QueryRunner,
  query: LatencyQuery,
): Promise<LatencyRow[]> {
  const dims = query.groupBy.includes('route')
    ? query.groupBy
    : [...query.groupBy, 'route' as const];
  const rows = await readWindow(storage, {
    subject: 'perf',
    from: query.from,
    to: query.to,
    dims,
    measures: MEASURES,
    tenant: query.tenant,
    source: query.source,
  });
  const groups = new Map<string, Acc>();
  for (const row of rows) {
    const key = keyOf(row, query.groupBy);
    let acc = groups.get(key);
    if (acc === undefined) {
      const d: Record<string, string> = {};
      for (const dim of query.groupBy) d[dim] = String(row[dim] ?? '');
      acc = {
        dims: d,
        calls: 0,
        ok: 0,
        errors: 0,
        good: 0,
        ttftGood: 0,
        ttftJudged: 0,
        h: { duration: new Map(), ttft: new Map(), itl: new Map(), tps: new Map() },
      };
      groups.set(key, acc);
    }
    addRow(acc, row, sloFor(query.slos, String(row.route ?? '')));
  }
  const out = [...groups.values()].map((acc) => toRow(acc, query));
  return out.sort(
    (a, b) => b.calls - a.calls || JSON.stringify(a).localeCompare(JSON.stringify(b)),
  );
}

function addRow(acc: Acc, row: Record<string, unknown>, slo: SloConfig): void {
  const duration = histogramFromJson(row.duration_h);
  const ttft = histogramFromJson(row.ttft_h);
  acc.calls += num(row.attempts);
  acc.ok += num(row.ok_calls);
  acc.errors += num(row.errors);
  acc.good += countAtMost(duration, slo.latency_ms);
  if (slo.ttft_ms !== undefined) {
    acc.ttftGood += countAtMost(ttft, slo.ttft_ms);
    acc.ttftJudged += histogramCount(ttft);
  }
  mergeInto(acc.h.duration, duration);
  mergeInto(acc.h.ttft, ttft);
  mergeInto(acc.h.itl, histogramFromJson(row.itl_h));
  mergeInto(acc.h.tps, histogramFromJson(row.tps_h));
}

function toRow(acc: Acc, query: LatencyQuery): LatencyRow {
  const row: LatencyRow = {
    ...acc.dims,
    calls: acc.calls,
    ok_calls: acc.ok,
    errors: acc.errors,
    latency_ms: summarize(acc.h.duration),
    ttft_ms: summarize(acc.h.ttft),
    itl_ms: summarize(acc.h.itl),
    tokens_per_second: summarize(acc.h.tps),
    good_calls: Math.round(acc.good * 100) / 100,
    goodput: ratio(acc.good, acc.calls),
    ttft_goodput: ratio(acc.ttftGood, acc.ttftJudged),
  };
  if (query.groupBy.includes('route')) row.slo = sloFor(query.slos, String(acc.dims.route ?? ''));
  return row;
}
