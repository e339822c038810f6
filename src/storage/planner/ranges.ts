// Time ranges of a plan's segments in SQL: a segment's range on its table's time column (llm_calls'
// stated on its tenant-first key too), adjacent ranges joined, and the window a row falls in when
// several windows share one SELECT. sql.ts builds the SELECTs from these.
import { TIME_COLUMN } from '../catalog/catalog.js';
import type { Bucket, Segment } from './plan.js';

export function bucketSql(bucket: Bucket, timeColumn: string): string {
  const t = `toDateTime(${timeColumn}, 'UTC')`;
  if (bucket === 'minute') return `toStartOfMinute(${t})`;
  if (bucket === 'hour') return `toStartOfHour(${t})`;
  if (bucket === 'day') return `toStartOfDay(${t})`;
  if (bucket === 'week') return `toDateTime(toMonday(${t}), 'UTC')`;
  return `toDateTime(toStartOfMonth(${t}), 'UTC')`;
}

/** A segment of one of several windows read together (`index`: which window). */
export type Tagged = Segment & { index: number };

const HOUR_MS = 3_600_000;

/**
 * llm_calls' range. `byTenant` (a read filtering the tenant, llm_calls' first key column) also
 * states it on the key's `toStartOfHour(start_time)` (implied by the range, so no answer changes):
 * the engine does not carry a start_time range through toStartOfHour, so a tenant's range read
 * every granule of the tenant in the range's parts (41 granules for one day of the 10M benchmark's
 * largest tenant, 4 with it), and a tenant-scoped edge went to the time-ordered projection instead,
 * reading every tenant's calls of those hours. Without a tenant the hour cannot narrow the key.
 */
function rawRange(fromMs: number, toMs: number, byTenant: boolean): string {
  const range = `start_time >= fromUnixTimestamp64Milli(toInt64(${fromMs}), 'UTC') AND start_time < fromUnixTimestamp64Milli(toInt64(${toMs}), 'UTC')`;
  if (!byTenant) return range;
  const hourFrom = Math.floor(fromMs / HOUR_MS) * (HOUR_MS / 1000);
  const hourTo = Math.ceil(toMs / HOUR_MS) * (HOUR_MS / 1000);
  return `${range} AND toStartOfHour(start_time) >= toDateTime(${hourFrom}, 'UTC') AND toStartOfHour(start_time) < toDateTime(${hourTo}, 'UTC')`;
}

export function timeRange(segment: Segment, byTenant = false): string {
  if (segment.table === undefined) return rawRange(segment.fromMs, segment.toMs, byTenant);
  const col = TIME_COLUMN[segment.table.grain];
  return `${col} >= toDateTime(${segment.fromMs / 1000}, 'UTC') AND ${col} < toDateTime(${segment.toMs / 1000}, 'UTC')`;
}

/**
 * Adjacent ranges joined ([a, b) and [b, c) become [a, c)): the same rows under fewer conditions.
 * A current window and its baseline both from one hour table are then one range (the engine spent
 * ~1 ms of a 9 ms cache-regressions query analysing the ORed pairs and the per-row window test).
 */
export function joinRanges<S extends Segment>(segments: readonly S[]): Segment[] {
  const out: Segment[] = [];
  for (const s of [...segments].sort((a, b) => a.fromMs - b.fromMs)) {
    const last = out[out.length - 1];
    if (last !== undefined && last.toMs === s.fromMs)
      out[out.length - 1] = { ...last, toMs: s.toMs };
    else out.push({ table: s.table, fromMs: s.fromMs, toMs: s.toMs });
  }
  return out;
}

function lowerBound(segment: Segment): string {
  if (segment.table === undefined)
    return `start_time >= fromUnixTimestamp64Milli(toInt64(${segment.fromMs}), 'UTC')`;
  return `${TIME_COLUMN[segment.table.grain]} >= toDateTime(${segment.fromMs / 1000}, 'UTC')`;
}

/**
 * Each row's window among one table's segments: the segment with the latest start at or before the
 * row's time. The WHERE keeps only rows inside the segments, which never overlap, so that segment
 * is the row's; consecutive segments (by start) of one window need only the earliest start, and a
 * table read for one window only needs no test at all.
 */
export function windowIndexSql(segments: readonly Tagged[]): string {
  const desc = [...segments].sort((a, b) => b.fromMs - a.fromMs);
  const kept = desc.filter((s, i) => desc[i + 1]?.index !== s.index);
  const last = kept[kept.length - 1];
  if (last === undefined) return '255';
  if (kept.length === 1) return String(last.index);
  const tests = kept.slice(0, -1).map((s) => `${lowerBound(s)}, ${s.index}`);
  return `multiIf(${tests.join(', ')}, ${last.index})`;
}
