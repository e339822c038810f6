// SQL statements from catalog entries, for a single node or a cluster. On a cluster every table is a
// Replicated* local table on each node plus a Distributed table with the single-node name over it,
// so the application and the dashboards query the same names; views keep their single-node names
// (a single-node migration run against the cluster skips them) and read and write local tables, so
// each shard rolls up its own inserts.
import {
  START_OF,
  TIME_COLUMN,
  familyMeasures,
  sortKey,
  tableColumns,
  type Column,
} from '../catalog/catalog.js';
import type { BaseTable, Family, Grain, Measure, RollupTable } from '../catalog/types.js';

export type Variant = 'single' | 'cluster';

const ON_CLUSTER = " ON CLUSTER '{cluster}'";
const INDENT = '    ';

/** `-- ` comment lines for a (multi-line) doc text. */
export function comment(doc: string | undefined): string {
  if (doc === undefined || doc.trim() === '') return '';
  return `${doc
    .trim()
    .split('\n')
    .map((line) => `-- ${line}`.trimEnd())
    .join('\n')}\n`;
}

/** The name a statement uses for a table: its local table on a cluster. */
export const local = (name: string, v: Variant): string =>
  v === 'cluster' ? `${name}_local` : name;
const on = (v: Variant): string => (v === 'cluster' ? ON_CLUSTER : '');

function replicated(engine: string, name: string): string {
  const m = /^(\w+)(?:\((.*)\))?$/.exec(engine);
  const args = [`'/clickhouse/tables/{shard}/{database}/${name}_local'`, "'{replica}'"];
  if (m?.[2] !== undefined && m[2] !== '') args.push(m[2]);
  return `Replicated${m?.[1] ?? engine}(${args.join(', ')})`;
}

interface TableShape {
  name: string;
  body: readonly string[];
  engine: string;
  partitionBy: string;
  orderBy: string;
  ttl: string;
  settings?: string | undefined;
  /** Settings of the table on both variants (the single-node-only ones are `settings`). */
  sharedSettings?: string | undefined;
  shardBy: string;
}

function settingsLine(s: TableShape, v: Variant): string[] {
  const all = [v === 'single' ? s.settings : undefined, s.sharedSettings].filter(
    (x): x is string => x !== undefined,
  );
  return all.length > 0 ? [`SETTINGS ${all.join(', ')}`] : [];
}

function createTable(s: TableShape, v: Variant): string {
  const lines = [
    `CREATE TABLE IF NOT EXISTS ${local(s.name, v)}${on(v)}`,
    '(',
    s.body.map((l) => `${INDENT}${l}`).join(',\n'),
    ')',
    `ENGINE = ${v === 'cluster' ? replicated(s.engine, s.name) : s.engine}`,
    `PARTITION BY ${s.partitionBy}`,
    `ORDER BY ${s.orderBy}`,
    `TTL ${s.ttl}`,
    ...settingsLine(s, v),
  ];
  const create = `${lines.join('\n')};\n`;
  if (v === 'single') return create;
  return `${create}\nCREATE TABLE IF NOT EXISTS ${s.name}${ON_CLUSTER} AS ${s.name}_local
ENGINE = Distributed('{cluster}', currentDatabase(), ${s.name}_local, ${s.shardBy});\n`;
}

/** The table's columns as of `version`, each with its type (codec) then. */
export const baseColumns = (t: BaseTable, version: number): BaseTable['columns'] =>
  t.columns
    .filter((c) => (c.since ?? 0) <= version)
    .map((c) =>
      c.recoded !== undefined && c.recoded.since <= version ? { ...c, type: c.recoded.type } : c,
    );

export function baseTableSql(t: BaseTable, v: Variant): string {
  return createTable(
    {
      name: t.name,
      body: [
        ...baseColumns(t, t.since).map((c) => `${c.name} ${c.type}`),
        ...(t.indexes ?? []),
        ...(t.projections ?? [])
          .filter((p) => p.since <= t.since && (p.until ?? Infinity) > t.since)
          .map((p) => `PROJECTION ${p.name} (${p.select})`),
      ],
      engine: t.engine,
      partitionBy: t.partitionBy,
      orderBy: t.orderBy,
      ttl: t.ttl,
      settings: t.settings,
      shardBy: t.shardBy,
    },
    v,
  );
}

export function rollupTableSql(
  f: Family,
  t: RollupTable,
  version: number,
  v: Variant,
  settings?: string,
): string {
  const time = TIME_COLUMN[t.grain];
  return createTable(
    {
      name: t.name,
      body: tableColumns(f, t, version).map((c) => `${c.name} ${c.type}`),
      engine: 'AggregatingMergeTree',
      partitionBy: `toYYYYMM(${time})`,
      orderBy: `(${sortKey(f, t, version).join(', ')})`,
      ttl: `${time} + toIntervalDay({{ttl_days}})`,
      // Filled only by views on each shard: the same key can exist on several shards and readers
      // sum across them, so the sharding key never routes an insert.
      shardBy: 'rand()',
      settings,
      sharedSettings:
        t.indexGranularity !== undefined ? `index_granularity = ${t.indexGranularity}` : undefined,
    },
    v,
  );
}

/** Table settings changed in place (single node: Replicated tables carry their own defaults). */
export function modifySettingsSql(table: string, settings: string, v: Variant): string {
  return v === 'single' ? `ALTER TABLE ${table} MODIFY SETTING ${settings};\n` : '';
}

/** A rollup table at one version, with the grain of the table it reads (undefined: llm_calls). */
export interface RenderTarget {
  family: Family;
  table: RollupTable;
  version: number;
  sourceGrain: Grain | undefined;
}

/** What a measure's column holds computed from llm_calls rows, per inserted block or over a table. */
function stateSql(m: Measure, version: number, perBlock: boolean): string {
  return perBlock && m.perBlock !== undefined && m.perBlock.since <= version
    ? m.perBlock.state
    : m.state;
}

/**
 * The SELECT a view runs on each inserted block of its source, or with a `guard` a backfill's
 * SELECT over the whole source. `perBlock` false: each measure's table-wide state (a backfill, a
 * rebuild, a plain view over all of llm_calls), not the form views compute on inserted blocks.
 */
export function viewSelect(
  target: RenderTarget,
  v: Variant,
  guard?: string,
  perBlock = guard === undefined,
): string {
  const { family: f, table: t, version, sourceGrain } = target;
  const raw = sourceGrain === undefined;
  const sourceTime = sourceGrain === undefined ? 'start_time' : TIME_COLUMN[sourceGrain];
  const measures = new Map(familyMeasures(f, version));
  const item = (c: Column): string => {
    if (c.role === 'time') return `${START_OF[t.grain]}(${sourceTime}) AS ${c.name}`;
    if (c.role === 'dim') return c.name;
    const m = measures.get(c.name);
    if (m === undefined) throw new Error(`no measure ${c.name}`);
    return `${raw ? stateSql(m, version, perBlock) : m.remerge(c.name)} AS ${c.name}`;
  };
  const columns = tableColumns(f, t, version);
  const where = [guard, raw ? f.subject.where : undefined].filter((w) => w !== undefined);
  return [
    'SELECT',
    columns.map((c) => `${INDENT}${item(c)}`).join(',\n'),
    `FROM ${local(t.from, v)}`,
    ...(where.length > 0 ? [`WHERE ${where.join(`\n${INDENT}AND `)}`] : []),
    `GROUP BY ${columns
      .filter((c) => c.role !== 'measure')
      .map((c) => c.name)
      .join(', ')}`,
  ].join('\n');
}

export const viewName = (t: RollupTable): string => `${t.name}_mv`;

export function viewSql(target: RenderTarget, v: Variant): string {
  const t = target.table;
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${viewName(t)}${on(v)} TO ${local(t.name, v)} AS
${viewSelect(target, v)};\n`;
}

/** Fills a table from what its source holds, only while the table is empty (re-runs add nothing). */
export function backfillSql(target: RenderTarget, v: Variant): string {
  const name = local(target.table.name, v);
  return `INSERT INTO ${name}\n${viewSelect(target, v, `(SELECT count() FROM ${name}) = 0`)};\n`;
}

/** Columns added to an existing table by `version` (a dimension also joins the end of the key). */
export function addColumnsSql(
  f: Family,
  t: RollupTable,
  version: number,
  added: readonly string[],
  v: Variant,
): string {
  const columns = tableColumns(f, t, version);
  const clauses = added.map((name) => {
    const i = columns.findIndex((c) => c.name === name);
    const c = columns[i];
    if (c === undefined) throw new Error(`${t.name} has no column ${name} at ${version}`);
    const after = columns[i - 1]?.name ?? TIME_COLUMN[t.grain];
    return `ADD COLUMN IF NOT EXISTS ${c.name} ${c.type} AFTER ${after}`;
  });
  if (columns.some((c) => c.role === 'dim' && added.includes(c.name)))
    clauses.push(`MODIFY ORDER BY (${sortKey(f, t, version).join(', ')})`);
  const alter = (name: string): string =>
    `ALTER TABLE ${name}\n${clauses.map((c) => `${INDENT}${c}`).join(',\n')};\n`;
  if (v === 'single') return alter(t.name);
  // The Distributed table gains the columns too (it has no sort key of its own).
  const distributed = clauses.filter((c) => c.startsWith('ADD COLUMN'));
  return `${alter(`${t.name}_local${ON_CLUSTER}`)}\nALTER TABLE ${t.name}${ON_CLUSTER}\n${distributed
    .map((c) => `${INDENT}${c}`)
    .join(',\n')};\n`;
}

/** Drops retired measures' columns from a rollup (and its Distributed table on a cluster). */
export function dropColumnsSql(t: RollupTable, dropped: readonly string[], v: Variant): string {
  const alter = (name: string): string =>
    `ALTER TABLE ${name}\n${dropped.map((c) => `${INDENT}DROP COLUMN IF EXISTS ${c}`).join(',\n')};\n`;
  return v === 'single'
    ? alter(t.name)
    : `${alter(`${t.name}_local${ON_CLUSTER}`)}\n${alter(`${t.name}${ON_CLUSTER}`)}`;
}

/** Columns `version` adds to a table the application writes (existing rows take the default). */
export function addBaseColumnsSql(t: BaseTable, version: number, v: Variant): string {
  const columns = baseColumns(t, version);
  const clauses = columns.flatMap((c, i) =>
    c.since === version
      ? [`ADD COLUMN IF NOT EXISTS ${c.name} ${c.type} AFTER ${columns[i - 1]?.name ?? ''}`]
      : [],
  );
  const alter = (name: string): string =>
    `ALTER TABLE ${name}\n${clauses.map((c) => `${INDENT}${c}`).join(',\n')};\n`;
  return v === 'single'
    ? alter(t.name)
    : `${alter(`${t.name}_local${ON_CLUSTER}`)}\n${alter(`${t.name}${ON_CLUSTER}`)}`;
}

/**
 * Columns `version` gives another codec. Only the table that stores rows changes (a cluster's
 * local tables; a Distributed table stores nothing), and only its metadata: new parts are written
 * with the codec and old ones rewritten when they merge, so the migration is instant at any size.
 */
export function recodeColumnsSql(t: BaseTable, version: number, v: Variant): string {
  const clauses = baseColumns(t, version)
    .filter((c) => c.recoded?.since === version)
    .map((c) => `${INDENT}MODIFY COLUMN ${c.name} ${c.type}`);
  return `ALTER TABLE ${local(t.name, v)}${on(v)}\n${clauses.join(',\n')};\n`;
}

/**
 * A projection `version` adds to an existing table, built for the rows already stored too (a
 * background mutation). A lightweight delete (reprice) is refused on a table with projections by
 * default; 'drop' lets it through and drops the projection of the parts it touches, which are then
 * read by the table's own key until a merge builds it again. 'rebuild' is not used: on chDB 3.4
 * (ClickHouse 26.7) reads through the projection still returned the deleted rows
 * (test/integration/calls-by-time.test.ts).
 */
export function addProjectionsSql(t: BaseTable, version: number, v: Variant): string {
  const added = (t.projections ?? []).filter((p) => p.since === version);
  const dropped = (t.projections ?? []).filter((p) => p.until === version);
  const name = `${local(t.name, v)}${on(v)}`;
  return [
    `ALTER TABLE ${name}\n${INDENT}MODIFY SETTING lightweight_mutation_projection_mode = 'drop';\n`,
    // A projection replaced under its own name goes first: until the new one is built for a part,
    // that part is read by the table's key, with the same answers.
    ...dropped.map((p) => `ALTER TABLE ${name}\n${INDENT}DROP PROJECTION IF EXISTS ${p.name};\n`),
    ...added.map(
      (p) =>
        `${comment(p.doc)}ALTER TABLE ${name}\n${INDENT}ADD PROJECTION IF NOT EXISTS ${p.name} (${p.select});\n` +
        `ALTER TABLE ${name}\n${INDENT}MATERIALIZE PROJECTION ${p.name};\n`,
    ),
  ].join('');
}

/** Points an existing view at its table's new columns (one statement: no insert is missed). */
export function modifyViewSql(target: RenderTarget, v: Variant): string {
  return `ALTER TABLE ${viewName(target.table)}${on(v)} MODIFY QUERY\n${viewSelect(target, v)};\n`;
}

/**
 * Points a view at another source table: dropped and created again (ClickHouse cannot change a
 * view's source in place). An insert between the two statements would miss the table, so like a
 * rebuild this runs with ingest stopped (migrations run before the collector listens).
 */
export function repointViewSql(target: RenderTarget, v: Variant): string {
  return `DROP VIEW IF EXISTS ${viewName(target.table)}${on(v)};\n${viewSql(target, v)}`;
}

/** Drops a retired rollup: its view first, so no insert writes into a table being dropped. */
export function dropRollupSql(t: RollupTable, v: Variant): string {
  const view = `DROP VIEW IF EXISTS ${viewName(t)}${on(v)};\n`;
  const table = (name: string): string => `DROP TABLE IF EXISTS ${name}${on(v)};\n`;
  return v === 'single'
    ? `${view}${table(t.name)}`
    : `${view}${table(t.name)}${table(local(t.name, v))}`;
}

export function truncateSql(t: RollupTable, v: Variant): string {
  return `TRUNCATE TABLE IF EXISTS ${local(t.name, v)}${on(v)};\n`;
}
