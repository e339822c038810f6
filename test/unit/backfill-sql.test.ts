// Migration 0025 repeats the SELECT of each minute rollup's materialized view (a view's query
// cannot be re-run from SQL). This keeps the copies from drifting: each backfill must be its
// view's SELECT plus only the "rollup still empty" guard.
import { describe, expect, it } from 'vitest';
import { readMigrations, renderSql, splitStatements } from '../../src/storage/migrate.js';

const statements = readMigrations().flatMap((m) => splitStatements(renderSql(m.sql, { ttl_days: 400 })));
const views = new Map(
  statements.flatMap((s) => {
    const m = /^CREATE MATERIALIZED VIEW IF NOT EXISTS \w+ TO (\w+) AS\n([\s\S]*)$/.exec(s);
    return m !== null ? [[m[1]!, m[2]!] as const] : [];
  }),
);
const backfills = splitStatements(renderSql(readMigrations().find((m) => m.name === '0025_backfill_rollups')?.sql ?? '', { ttl_days: 400 }));

describe('0025 backfills', () => {
  it('covers the perf, cache and capacity minute rollups', () => {
    expect(backfills.map((s) => /^INSERT INTO (\w+)/.exec(s)?.[1])).toEqual(['llm_perf_1m', 'llm_cache_1m', 'llm_capacity_1m']);
  });

  it.each(backfills.map((s) => [/^INSERT INTO (\w+)/.exec(s)?.[1] ?? '', s] as const))('%s repeats its view\'s SELECT exactly', (table, stmt) => {
    const guard = `(SELECT count() FROM ${table}) = 0`;
    const body = stmt.replace(`INSERT INTO ${table}\n`, '').replace(`WHERE ${guard}\n    AND `, 'WHERE ').replace(`WHERE ${guard}\n`, '');
    expect(stmt).toContain(guard);
    expect(body).toBe(views.get(table));
  });
});
