// Running planned reads through the QueryRunner. Several reads (a current and a baseline window)
// can share one query: at small windows the engine's per-query cost is most of the time, so one
// round trip instead of two is what brings a drift check near the engine's floor. A tenant-scoped
// read is first weighed (tenant-size.ts): a small tenant's calls are read raw by the sort key.
import type { QueryOptions, QueryRunner, Row } from '../runner.js';
import type { Read } from './plan.js';
import { readSql, windowsSql } from './sql.js';
import { weighTenants } from './tenant-size.js';

/**
 * Settings of a query whose reads are all tenant-scoped: llm_calls by its tenant-first key, not its
 * time-ordered projection. The engine picks the projection when it has fewer marks in the range,
 * but it then reads every tenant's calls of those hours to keep one tenant's (10M benchmark, t0's
 * cache regressions at a ragged `now`: 5 projection marks against 6 by the key, 27 -> 20 ms CPU).
 */
export function tenantReadOptions(reads: readonly Read[]): QueryOptions | undefined {
  const scoped = reads.length > 0 && reads.every((r) => r.filters?.tenant !== undefined);
  return scoped ? TENANT_READ : undefined;
}

/** tenantReadOptions' settings, for a caller that builds its tenant-scoped SQL itself. */
export const TENANT_READ: QueryOptions = { settings: { optimize_use_projections: 0 } };

/** The rows of one read: dimensions (and `bucket`) and merged measures, as JSON. */
export async function readRows(runner: QueryRunner, read: Read): Promise<Row[]> {
  const [weighed] = await weighTenants(runner, [read]);
  const { sql, params } = readSql(weighed ?? read, '', undefined, { flat: true });
  return runner.query(sql, params, tenantReadOptions([read]));
}

/** Several reads in one query, rows returned per read; a read over an empty range has none. */
export async function readMany(runner: QueryRunner, reads: readonly Read[]): Promise<Row[][]> {
  const out: Row[][] = reads.map(() => []);
  const params: Record<string, unknown> = {};
  const weighed = await weighTenants(runner, reads);
  // One read keeps its own SQL (no window tag to compute per row).
  const together = weighed.length > 1 ? windowsSql(weighed) : undefined;
  const options = tenantReadOptions(reads);
  if (together !== undefined) {
    for (const row of await runner.query(together.sql, together.params, options)) {
      const { read_index: index, ...rest } = row;
      out[Number(index)]?.push(rest);
    }
    return out;
  }
  const parts = weighed.flatMap((read, i) => {
    const r = readSql(read, `r${i}_`, undefined, { flat: true });
    if (r.plan.segments.length === 0) return [];
    Object.assign(params, r.params);
    return [`SELECT toUInt8(${i}) AS read_index, * FROM (${r.sql})`];
  });
  if (parts.length === 0) return out;
  for (const row of await runner.query(parts.join('\nUNION ALL\n'), params, options)) {
    const { read_index: index, ...rest } = row;
    out[Number(index)]?.push(rest);
  }
  return out;
}
