// Running planned reads through the QueryRunner. Several reads (a current and a baseline window)
// can share one query: at small windows the engine's per-query cost is most of the time, so one
// round trip instead of two is what brings a drift check near the engine's floor. A tenant-scoped
// read is first weighed (tenant-size.ts): a small tenant's calls are read raw by the sort key.
import type { QueryRunner, Row } from '../runner.js';
import type { Read } from './plan.js';
import { readSql, windowsSql } from './sql.js';
import { weighTenants } from './tenant-size.js';

/** The rows of one read: dimensions (and `bucket`) and merged measures, as JSON. */
export async function readRows(runner: QueryRunner, read: Read): Promise<Row[]> {
  const [weighed] = await weighTenants(runner, [read]);
  const { sql, params } = readSql(weighed ?? read);
  return runner.query(sql, params);
}

/** Several reads in one query, rows returned per read; a read over an empty range has none. */
export async function readMany(runner: QueryRunner, reads: readonly Read[]): Promise<Row[][]> {
  const out: Row[][] = reads.map(() => []);
  const params: Record<string, unknown> = {};
  const weighed = await weighTenants(runner, reads);
  // One read keeps its own SQL (no window tag to compute per row).
  const together = weighed.length > 1 ? windowsSql(weighed) : undefined;
  if (together !== undefined) {
    for (const row of await runner.query(together.sql, together.params)) {
      const { read_index: index, ...rest } = row;
      out[Number(index)]?.push(rest);
    }
    return out;
  }
  const parts = weighed.flatMap((read, i) => {
    const r = readSql(read, `r${i}_`);
    if (r.plan.segments.length === 0) return [];
    Object.assign(params, r.params);
    return [`SELECT toUInt8(${i}) AS read_index, * FROM (${r.sql})`];
  });
  if (parts.length === 0) return out;
  for (const row of await runner.query(parts.join('\nUNION ALL\n'), params)) {
    const { read_index: index, ...rest } = row;
    out[Number(index)]?.push(rest);
  }
  return out;
}
