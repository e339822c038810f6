// Reliability economics per provider / deployment (or any perf dimension): retry amplification,
// fallback, 429 and error rates, and the spend on failed attempts.
// A logical request is counted by its first attempt: finops.attempt <= 1 and no fallback_from
// (the gateway numbers retries 2, 3, ... and marks a fallback call with the deployment it left).
// Retry amplification = attempts / logical requests; per group it is the attempts a group served
// per logical request that started in it, so a pure fallback target has no amplification (null).
// This is exact from the rollup, unlike distinct (trace_id, route) pairs, which would need an
// approximate distinct-count state to roll up.
import type { QueryRunner } from '../../storage/runner.js';
import { trimDecimal } from '../../shared/money.js';
import { num, ratio, readWindow, type PerfDimension, type Source } from './stats-source.js';

export { PERF_DIMENSIONS as RELIABILITY_DIMENSIONS } from './stats-source.js';

export interface ReliabilityQuery {
  from: Date;
  to: Date;
  groupBy: PerfDimension[];
  tenant?: string | undefined;
  source?: Source;
}

export interface ReliabilityRow {
  [dimension: string]: unknown;
  attempts: number;
  logical_requests: number;
  retry_amplification: number | null;
  fallbacks: number;
  fallback_rate: number | null;
  rate_limited: number;
  rate_429: number | null;
  errors: number;
  error_rate: number | null;
  spend_usd: string;
  failed_spend_usd: string;
  failed_spend_share: number | null;
}

const MEASURES = [
  'attempts',
  'first_attempts',
  'fallbacks',
  'rate_limited',
  'errors',
  'spend',
  'failed_spend',
] as const;

export async function queryReliability(
  storage: QueryRunner,
  query: ReliabilityQuery,
): Promise<ReliabilityRow[]> {
  const rows = await readWindow(storage, {
    subject: 'perf',
    from: query.from,
    to: query.to,
    dims: query.groupBy,
    measures: MEASURES,
    tenant: query.tenant,
    source: query.source,
  });
  const out = rows
    .filter((row) => num(row.attempts) > 0)
    .map((row): ReliabilityRow => {
      const attempts = num(row.attempts);
      const first = num(row.first_attempts);
      const spend = trimDecimal(String(row.spend ?? '0'));
      const failed = trimDecimal(String(row.failed_spend ?? '0'));
      const dims: Record<string, string> = {};
      for (const d of query.groupBy) dims[d] = String(row[d] ?? '');
      return {
        ...dims,
        attempts,
        logical_requests: first,
        retry_amplification: ratio(attempts, first),
        fallbacks: num(row.fallbacks),
        fallback_rate: ratio(num(row.fallbacks), attempts),
        rate_limited: num(row.rate_limited),
        rate_429: ratio(num(row.rate_limited), attempts),
        errors: num(row.errors),
        error_rate: ratio(num(row.errors), attempts),
        spend_usd: spend,
        failed_spend_usd: failed,
        // A share of two exact decimals: a float is fine for a ratio.
        failed_spend_share: ratio(Number(failed), Number(spend)),
      };
    });
  return out.sort(
    (a, b) => b.attempts - a.attempts || JSON.stringify(a).localeCompare(JSON.stringify(b)),
  );
}
