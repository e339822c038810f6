// The shapes of the storage catalog: base tables (rows the application writes) and rollup families
// (dimensions x grains of one subject's measures, filled by materialized views). Everything in sql/
// is generated from values of these types, and the read planner chooses among the families.

export type Grain = 'minute' | 'hour' | 'day';

/** How one measure is stored in a rollup, computed from llm_calls rows and combined again. */
export interface Measure {
  /** Column type in a rollup, e.g. `SimpleAggregateFunction(sum, UInt64)`. */
  type: string;
  /** Aggregate over llm_calls rows giving the final value (a raw read). */
  raw: string;
  /** Aggregate over llm_calls rows that a materialized view writes (the stored state). */
  state: string;
  /**
   * Another aggregate giving the same stored value that views compute on each inserted block since
   * migration `since` (cheaper per row there). Backfills and rebuilds, which aggregate a whole table,
   * and the views of earlier migrations keep `state`.
   */
  perBlock?: { state: string; since: number };
  /** Combines stored values of column `name` into the final value (reads, merges across segments). */
  merge: (name: string) => string;
  /** Combines stored values of column `name` into a state again (a cascading view, a backfill). */
  remerge: (name: string) => string;
  /** Migration that added the measure to its subject's tables (absent: with the table). */
  since?: number;
  /**
   * Migration that retired it: its column is dropped from existing tables and their views stop
   * computing it (absent: kept). Earlier migrations still render it, so history is unchanged.
   */
  until?: number;
}

/** What a family's rows are: a filter on llm_calls and what is measured. */
export interface Subject {
  name: string;
  /** Rows of llm_calls the subject counts (a view's WHERE; the raw path applies it too). */
  where?: string;
  measures: Record<string, Measure>;
}

/** One rollup table: a family at one grain. */
export interface RollupTable {
  name: string;
  grain: Grain;
  /** `llm_calls`, or the table of the same family (or of a family with more dimensions) it cascades from. */
  from: string;
  /** Migration that creates the table and its view. */
  since: number;
  /**
   * Migration that fills the table from what its source already holds, once (guarded by "still
   * empty"): by default the one that creates it; false when it was created before any data could
   * exist or a cascade fills it.
   */
  backfill?: number | false;
  /**
   * What the table cascaded from before migration `until` re-pointed its view at `from` (the rows
   * it holds are the same either way; only the view's source changes).
   */
  formerly?: { from: string; until: number };
  /**
   * Rows a granule holds (the engine's default is 8,192). A small minute table read a few minutes
   * at a time reads whole granules: at 8,192 rows one holds ~11 hours of llm_drift_1m at 12 drift
   * groups, so a question for 75 minutes decompressed ~25k histogram rows for ~900.
   */
  indexGranularity?: number;
  /**
   * Migration that drops the table and its view (a retired family: nothing reads it any more).
   * Earlier migrations still create and fill it, so history is unchanged.
   */
  until?: number;
  doc?: string;
}

export interface AddedDimension {
  name: string;
  since: number;
}

export interface Family {
  name: string;
  subject: Subject;
  /**
   * Dimension columns in table order (each an llm_calls column); one added after the tables were
   * created names the migration that adds it.
   */
  dims: readonly (string | AddedDimension)[];
  /** Dimensions before the time column in the sort key (e.g. tenant first). */
  keyPrefix?: readonly string[];
  /** Table columns in sort-key order instead of time first (a layout kept from before the catalog). */
  columnsInKeyOrder?: boolean;
  /** Measures of the subject this family stores; all of them by default. */
  measures?: readonly string[];
  tables: readonly RollupTable[];
  doc: string;
  /**
   * A retired family: the family it followed in the catalog before it was retired (absent: it came
   * first). Migrations render tables in catalog order, so a family retired from the middle keeps its
   * place in history.
   */
  definedAfter?: string;
}

export interface ColumnSpec {
  name: string;
  /** Type with codec and default, as in CREATE TABLE. */
  type: string;
  /** Migration that adds the column to the existing table (absent: with the table). */
  since?: number;
  /**
   * A later migration's type for the column: the same values under another codec. The engine
   * writes new parts with it and rewrites old ones as they merge; nothing is converted at once.
   */
  recoded?: { since: number; type: string };
}

/**
 * A projection added to a base table by migration `since`: some of its columns again, in another
 * sort order, kept by the engine on every insert and merge and chosen by it when a query reads
 * fewer granules through it.
 */
export interface ProjectionSpec {
  name: string;
  since: number;
  /** Migration that drops it (to add it again with other columns under the same name). */
  until?: number;
  /** `SELECT columns ORDER BY ...`, as in `PROJECTION name (...)`. */
  select: string;
  doc: string;
}

/** A table the application writes rows into. */
export interface BaseTable {
  name: string;
  since: number;
  columns: readonly ColumnSpec[];
  indexes?: readonly string[];
  projections?: readonly ProjectionSpec[];
  /** e.g. `MergeTree` or `ReplacingMergeTree(ingested_at)`. */
  engine: string;
  partitionBy: string;
  orderBy: string;
  ttl: string;
  /** Single-node table settings (the replicated engines deduplicate by themselves). */
  settings?: string;
  /** Distributed sharding key on a cluster. */
  shardBy: string;
  doc: string;
  /** Said on the cluster variant only. */
  clusterDoc?: string;
}

/** A migration's name and why it exists; its statements come from the objects with its version. */
export interface MigrationNote {
  version: number;
  name: string;
  doc?: string;
}

/** Everything sql/ is generated from and the planner reads. */
export interface Catalog {
  baseTables: readonly BaseTable[];
  /** The families the planner and the rebuilds read: every table of these exists now. */
  families: readonly Family[];
  /** Families whose tables a migration dropped (each table names its `until`): history only. */
  retired?: readonly Family[];
  notes: readonly MigrationNote[];
  /**
   * Migration from which every rollup table keeps the hashes of its last inserted blocks
   * (ROLLUP_DEDUP_SETTINGS), so an insert retried after it failed part-way through the views
   * fills the views it missed and counts nothing twice in the ones it reached.
   */
  rollupDedupSince?: number;
}
