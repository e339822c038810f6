// The cluster variant of the schema (sql/cluster/) must stay the same schema as the single-node
// migrations: same tables (as <name>_local + a Distributed <name>), same columns and types, same
// materialized views under the same names (so a single-node migration run against a cluster skips
// them) reading and writing the local tables. Parsed from the SQL text; the statements are also
// parsed by the ClickHouse parser itself (EXPLAIN AST) on chDB, which needs no cluster.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createStorage } from '../../src/storage/client.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { renderSql, splitStatements } from '../../src/storage/migrate.js';

const SINGLE = fileURLToPath(new URL('../../sql/migrations/', import.meta.url));
const CLUSTER = fileURLToPath(new URL('../../sql/cluster/', import.meta.url));
const sqlFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort();

interface Table {
  name: string;
  columns: string[];
  engine: string;
  onCluster: boolean;
  asTable?: string;
}
interface View {
  name: string;
  to: string;
  from: string;
  onCluster: boolean;
  select: string;
}

function parse(sql: string): { tables: Table[]; views: View[]; inserts: string[] } {
  const tables: Table[] = [];
  const inserts: string[] = [];
  const views: View[] = [];
  for (const stmt of splitStatements(sql)) {
    const table =
      /^CREATE TABLE IF NOT EXISTS (\w+)( ON CLUSTER '\{cluster\}')?\s*(?:AS (\w+)\s*)?/.exec(stmt);
    if (table !== null) {
      const engine = /ENGINE = (\w+)/.exec(stmt)?.[1] ?? '';
      tables.push({
        name: table[1]!,
        onCluster: table[2] !== undefined,
        engine,
        columns: columnList(stmt),
        ...(table[3] !== undefined ? { asTable: table[3] } : {}),
      });
      continue;
    }
    // One-off backfills (INSERT INTO t SELECT ...) are checked by target only.
    const insert = /^INSERT INTO (\w+)/.exec(stmt);
    if (insert !== null) {
      inserts.push(insert[1]!);
      continue;
    }
    const view =
      /^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+)( ON CLUSTER '\{cluster\}')? TO (\w+) AS\s+([\s\S]*)$/.exec(
        stmt,
      );
    if (view === null) throw new Error(`unexpected statement: ${stmt.slice(0, 80)}`);
    const from = /\bFROM (\w+)/.exec(view[4]!)?.[1] ?? '';
    views.push({
      name: view[1]!,
      onCluster: view[2] !== undefined,
      to: view[3]!,
      from,
      select: view[4]!,
    });
  }
  return { tables, views, inserts };
}

/** `name Type` for every column definition between the outer parentheses (indexes excluded). */
function columnList(stmt: string): string[] {
  const open = stmt.indexOf('(');
  if (open === -1 || /^CREATE TABLE IF NOT EXISTS \w+( ON CLUSTER '\{cluster\}')? AS /.test(stmt))
    return [];
  let depth = 0;
  let end = open;
  for (let i = open; i < stmt.length; i++) {
    if (stmt[i] === '(') depth++;
    else if (stmt[i] === ')' && --depth === 0) {
      end = i;
      break;
    }
  }
  return stmt
    .slice(open + 1, end)
    .split('\n')
    .map((l) => l.trim().replace(/,$/, ''))
    .filter((l) => l !== '' && !l.startsWith('INDEX '));
}

const single = new Map(
  sqlFiles(SINGLE).map((f) => [f, parse(readFileSync(join(SINGLE, f), 'utf8'))]),
);
const cluster = new Map(
  sqlFiles(CLUSTER).map((f) => [f, parse(readFileSync(join(CLUSTER, f), 'utf8'))]),
);

describe('sql/cluster mirrors sql/migrations', () => {
  it('has a cluster file for every single-node migration, and none extra', () => {
    expect([...cluster.keys()]).toEqual([...single.keys()]);
  });

  describe.each([...single.keys()])('%s', (file) => {
    const s = single.get(file)!;
    const c = cluster.get(file) ?? { tables: [], views: [], inserts: [] };

    it.each(s.tables.map((t) => [t.name, t] as const))(
      '%s: a Replicated local table with the same columns and a Distributed table over it',
      (name, t) => {
        const local = c.tables.find((x) => x.name === `${name}_local`);
        expect(local, `${name}_local`).toBeDefined();
        expect(local!.onCluster).toBe(true);
        expect(local!.engine).toBe(`Replicated${t.engine}`);
        expect(local!.columns).toEqual(t.columns);
        const dist = c.tables.find((x) => x.name === name);
        expect(dist).toMatchObject({
          onCluster: true,
          engine: 'Distributed',
          asTable: `${name}_local`,
        });
      },
    );

    it('materialized views keep their names and read and write local tables', () => {
      expect(c.views.map((v) => v.name)).toEqual(s.views.map((v) => v.name));
      for (const v of s.views) {
        const cv = c.views.find((x) => x.name === v.name)!;
        expect(cv).toMatchObject({ onCluster: true, to: `${v.to}_local`, from: `${v.from}_local` });
        // Same SELECT apart from the source table.
        expect(cv.select.replace(`FROM ${cv.from}`, `FROM ${v.from}`)).toBe(v.select);
      }
    });

    it('backfills the same tables (their local tables)', () => {
      expect(c.inserts).toEqual(s.inserts.map((name) => `${name}_local`));
    });

    it('declares nothing the single-node migration does not', () => {
      const expected = s.tables.flatMap((t) => [t.name, `${t.name}_local`]).sort();
      expect(c.tables.map((t) => t.name).sort()).toEqual(expected);
    });
  });
});

describe('sql/cluster statements', () => {
  let storage: QueryRunner | undefined;
  afterAll(async () => storage?.close());

  it('parse with the ClickHouse parser (EXPLAIN AST)', async () => {
    storage = await createStorage({
      database: 'default',
      dataDir: mkdtempSync(join(tmpdir(), 'llm-finops-cluster-')),
    });
    for (const file of sqlFiles(CLUSTER)) {
      for (const stmt of splitStatements(
        renderSql(readFileSync(join(CLUSTER, file), 'utf8'), { ttl_days: 400 }),
      )) {
        await expect(
          storage
            .query<unknown>(`EXPLAIN AST ${stmt}`)
            .then((rows) => rows.map((r) => JSON.stringify(r)).join('\n')),
          `${file}: ${stmt.slice(0, 60)}`,
        ).resolves.toMatch(/CreateQuery|InsertQuery/);
      }
    }
  });
});
