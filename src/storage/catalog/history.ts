// Names and reasons of migrations whose objects come from several catalog entries, and the
// checksums of the hand-written SQL files 0.1 shipped. A data directory migrated by 0.1 recorded
// those checksums; the generated files that replaced them create the same schema (proven against
// the shipped files by test/integration/sql-generated.test.ts), so a recorded checksum of the
// hand-written file is accepted for its version. Any other change to an applied migration is not.
import type { MigrationNote } from './types.js';

/** See Catalog.rollupDedupSince and its migration note below. */
export const ROLLUP_DEDUP_SINCE = 45;

/** What a rollup table keeps to deduplicate a retried insert's blocks (as llm_calls does). */
export const ROLLUP_DEDUP_SETTINGS = 'non_replicated_deduplication_window = 1000';

export const MIGRATION_NOTES: readonly MigrationNote[] = [
  { version: 1, name: 'llm_calls' },
  { version: 2, name: 'llm_calls_1m' },
  { version: 3, name: 'outcomes' },
  { version: 20, name: 'perf_rollups' },
  { version: 21, name: 'cache_rollups' },
  { version: 22, name: 'capacity_rollup' },
  { version: 23, name: 'costs_hourly' },
  { version: 24, name: 'perf_daily' },
  {
    version: 25,
    name: 'backfill_rollups',
    doc: `Backfill of the minute rollups of 0020-0022 (perf, cache, capacity) from llm_calls, for a
data directory that held calls before those migrations: their views only see new inserts. Each
insert runs only while its rollup is still empty (an upgrade: migrations run before ingest starts,
so every call then predates the view), so a data directory whose rollups already hold rows, or a
re-run after a crash, adds nothing. The hourly and daily rollups fill through their views from
these inserts (1m -> 1h -> 1d).`,
  },
  { version: 26, name: 'costs_tenant' },
  { version: 27, name: 'perf_tenant_daily' },
  { version: 30, name: 'alert_events' },
  { version: 31, name: 'routing_feed_versions' },
  {
    version: 32,
    name: 'price_dimensions',
    doc: `The price dimensions billed apart (issue 12): llm_calls gains the 1-hour cache-write, audio,
image and web-search counts, usage_incomplete, and their cost parts; the cost rollups gain the cost
parts (so their parts still sum to cost_total) and a count of calls with incomplete usage. Rows
stored before this migration read 0 / false: they were priced without these parts.`,
  },
  { version: 36, name: 'gateway_reports' },
  {
    version: 38,
    name: 'calls_by_time',
    doc: `llm_calls gains a time-ordered projection (issue 14): the exact edges of planned reads
(partial hours at either end of a range) and other short time ranges read one run of rows instead
of a granule range per tenant. Existing rows get it through a background mutation; until it
finishes the engine reads those parts by the tenant-first key, with the same answers.`,
  },
  {
    version: 39,
    name: 'calls_minute_without_digests',
    doc: `llm_calls_1m stops computing and storing its t-digest latency states (duration_q, ttft_q,
itl_q; issue 14). Nothing read them: the latency panels and /v1/latency compute quantiles from the
log-bucket histograms of llm_perf_*, so a dashboard p95 equals the API's. At production cardinality
llm_calls_1m holds about a row per call, so its view built three t-digest states for nearly every
inserted call, the largest per-row cost of the materialized views. The view is pointed at the
remaining columns first, then the columns are dropped; nothing is rebuilt.`,
  },
  {
    version: 40,
    name: 'costs_from_hours',
    doc: `llm_costs_1h, llm_costs_per_tenant_1h and llm_costs_alloc_1h cascade from llm_costs_tenant_1h
instead of llm_calls_1m (issue 14): their dimensions are a subset of its, and an hour per tenant and
dimension set is a few times fewer rows than llm_calls_1m's about-a-row-per-call, so each view
aggregates less per insert. Their rows stay as they are: the same sums either way. Each view is
dropped and created again; run with ingest stopped (migrations run before the collector listens).`,
  },
  {
    version: 41,
    name: 'retire_calls_minute',
    doc: `llm_calls_1m and its view are dropped (issue 14). At production cardinality it held about a
row per call, so its view was the largest per-row cost of every insert, and since the API moved to
the hourly and daily families only the dashboards read it. The dashboards now read whole days and
hours from llm_costs_tenant_1d / _1h and the partial hours at either end of a range from llm_calls
(through its time-ordered projection, calls_by_time), with the same answers. llm_costs_tenant_1h,
which cascaded from llm_calls_1m, reads llm_calls instead (its rows are the same sums either way);
the tables cascading from it are unchanged. Run with ingest stopped (migrations run before the
collector listens).`,
  },
  {
    version: 44,
    name: 'histograms_per_block',
    doc: `The views of llm_perf_1m and llm_perf_tenant_1d build their four latency histograms by sorting
each group's bucket numbers and counting the runs, instead of sumMap (issue 14, goal 5): the same
Map(bucket, count) values, several times cheaper per inserted call. Each view's query is replaced in
one statement (no insert is missed); stored rows and the views cascading from them are unchanged.`,
  },
  {
    version: 46,
    name: 'retire_capacity_tenant',
    doc: `llm_capacity_tenant_1m and its view are dropped (issue 14). Since 0043 every tenant-scoped
capacity read is answered by llm_capacity_tenant_dep_1m, which has the same dimensions and measures
keyed tenant, deployment, fallback_from, then minute, with the same answers; nothing else read it
(no dashboard, no API question). Its view held about a row per call and minute and cost inserts
about a tenth of the rollups' generation CPU. Run with ingest stopped (migrations run before the
collector listens).`,
  },
  {
    version: ROLLUP_DEDUP_SINCE,
    name: 'rollups_deduplicate_retries',
    doc: `Every rollup table keeps the hashes of its last 1000 inserted blocks, as llm_calls does. An
insert into llm_calls that fails part-way through its materialized views (MEMORY_LIMIT_EXCEEDED in
one view's aggregation) has already committed llm_calls and the views before it; the writer retries
it under the same insert_deduplication_token with deduplicate_blocks_in_dependent_materialized_views,
and each view now drops the blocks it already holds instead of counting them twice. Replicated
tables (the cluster variant) deduplicate by default: nothing to change there.`,
  },
  {
    version: 48,
    name: 'link_keys_lz4',
    doc: `llm_calls.trace_id and conversation_id are stored with LZ4 instead of ZSTD(1) (issue 14).
Spend per outcome (API and dashboards) reads both for every call of its range and its linking
window: at one outcome per 1,000 calls every granule holds a linked call, so no index skips any,
and decompressing ZSTD was about half of that read. LZ4 takes about twice the disk for random
hex ids (~1 GB more per 100M calls) and decodes about three times faster. Only the metadata
changes: new parts use LZ4, older ones as they merge; the stored values are the same.`,
  },
  {
    version: 49,
    name: 'calls_by_time_link_keys',
    doc: `llm_calls' time-ordered projection (calls_by_time, 0038) carries trace_id and conversation_id
too (issue 14), so spend per outcome reads its range's calls in time order: by the tenant-first key
that read took whole parts, up to twice the rows of the range. The projection is dropped and added
again under its name with the two columns; existing rows get it through a background mutation, and
until it finishes the engine reads those parts by the tenant-first key, with the same answers.`,
  },
  {
    version: 50,
    name: 'drift_fine_granules',
    doc: `TTFT drift's rollups are created again as llm_drift_1m / _1h / _1d, the minute table with
1,024-row granules (issue 14, goal 3): the question reads two short runs of minutes (its window and
its baseline's first hour), and at 8,192 rows a granule holds about 11 hours of minutes at 12 drift
groups, so it decompressed whole granules of histograms around them (the question's statement took
0.6-0.77x the time at 1,024 rows on the 100M month, same rows). A table's index granularity is
fixed at creation, so the new tables are filled from llm_perf_1m (the minutes, then hours and days
from them) and llm_ttft_1m / _1h / _1d (0047) dropped. Run with ingest stopped (migrations run
before the collector listens).`,
  },
];

/** sha256 (first 16 hex digits) of the hand-written sql/migrations files of 0.1, by version. */
export const HAND_WRITTEN_CHECKSUMS: Readonly<Record<number, string>> = {
  1: 'b74e67bc567d2198',
  2: 'c80c307ad81f3b0d',
  3: '758c1a891020fe0d',
  20: '2ed7ddb53556c8bd',
  21: 'fc9b6f98a200120c',
  22: '481508a6a9649fbf',
  23: '150fccf1ea6720ca',
  24: '48774d70566ec414',
  25: '9bbea0ac7f4fe118',
  26: '958b5e978f8e4ef0',
  27: 'a41a5fdbd04a3998',
  30: '391722f04b4ebd36',
  31: 'e6fdb638bd2dad60',
};
