// Migrations 0025 and 0027 repeat the SELECT of a materialized view over llm_calls (a view's query
// cannot be re-run from SQL). This keeps the copies from drifting: each backfill must be its
// view's SELECT plus only the "rollup still empty" guard.
import { describe, expect, it } from 'vitest';
import { readMigrations, renderSql, splitStatements } from '../../src/storage/migrate.js';

const statements = readMigrations().flatMap((m) =>
  splitStatements(renderSql(m.sql, { ttl_days: 400 })),
);
const views = new Map(
  statements.flatMap((s) => {
    const m = /^CREATE MATERIALIZED VIEW IF NOT EXISTS \w+ TO (\w+) AS\n([\s\S]*)$/.exec(s);
    return m !== null ? [[m[1]!, m[2]!] as const] : [];
  }),
);
const inserts = (name: string): string[] =>
  splitStatements(
    renderSql(readMigrations().find((m) => m.name === name)?.sql ?? '', { ttl_days: 400 }),
  ).filter((s) => s.startsWith('INSERT'));
const backfills = [...inserts('0025_backfill_rollups'), ...inserts('0027_perf_tenant_daily')];

describe('backfills that repeat a view over llm_calls (0025, 0027)', () => {
  it('covers the perf, cache and capacity minute rollups and the tenant perf daily rollup', () => {
    expect(backfills.map((s) => /^INSERT INTO (\w+)/.exec(s)?.[1])).toEqual([
      'llm_perf_1m',
      'llm_cache_1m',
      'llm_capacity_1m',
      'llm_perf_tenant_1d',
    ]);
  });

  it.each(backfills.map((s) => [/^INSERT INTO (\w+)/.exec(s)?.[1] ?? '', s] as const))(
    "%s repeats its view's SELECT exactly",
    (table, stmt) => {
      const guard = `(SELECT count() FROM ${table}) = 0`;
      const body = stmt
        .replace(`INSERT INTO ${table}\n`, '')
        .replace(`WHERE ${guard}\n    AND `, 'WHERE ')
        .replace(`WHERE ${guard}\n`, '');
      expect(stmt).toContain(guard);
      expect(body).toBe(views.get(table));
    },
  );
});
