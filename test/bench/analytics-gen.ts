// Synthetic LLM traffic generated inside the engine (INSERT ... SELECT FROM numbers()), so 100M
// rows take minutes, not hours; the materialized views fill every rollup as a real insert would.
// Cardinality: 500 tenants (skewed: tenant k has weight ~ 1/sqrt(k)), 40 routes, 15 features
// (a route belongs to one feature), 12 models (2 per route), 4 providers, 8 deployments
// (dep-0 and dep-1 provisioned), 4 regions.
import { rollupTables } from '../../src/storage/catalog/catalog.js';
import { LLM_CALLS } from '../../src/storage/catalog/tables.js';
import { viewName } from '../../src/storage/sqlgen/render.js';
import { createStorage } from '../../src/storage/client.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import {
  restoreCallsMinute,
  restoreCapacityTenant,
  restoreSumMapHistograms,
  ttftDriftTables,
} from './analytics-gen-schemas.js';

export const DAYS = 30;

/** The INSERT of rows [offset, offset + count) of a `total`-row, 30-day series ending at endMs. */
export function generateSql(offset: number, count: number, total: number, endMs: number): string {
  const stepUs = Math.floor((DAYS * 86_400_000_000) / total);
  const startUs = endMs * 1000 - DAYS * 86_400_000_000;
  return `INSERT INTO llm_calls (call_id, trace_id, span_id, start_time, end_time, duration_ms, kind, service, environment,
    route, feature, tenant, provider, operation, request_model, response_model, model, deployment, capacity_tier, region,
    streaming, status, http_status, input_tokens, cache_read_tokens, output_tokens, ttft_ms, itl_ms, attempt, fallback_from,
    cache_layer, cache_hit, prompt_version, priced, cost_input, cost_output, cost_total, list_cost)
  SELECT
    toString(n) AS call_id, hex(cityHash64(n, 0)) AS trace_id, hex(cityHash64(n, 99)) AS span_id,
    st AS start_time, st + toIntervalMillisecond(toInt64(dur)) AS end_time, dur AS duration_ms,
    'inference' AS kind, concat('svc-', toString(ri % 6)) AS service, 'production' AS environment,
    concat('/route-', toString(ri)) AS route, concat('feature-', toString(ri % 15)) AS feature, concat('t', toString(ti)) AS tenant,
    ['openai', 'anthropic', 'gcp.gemini', 'aws.bedrock'][mi % 4 + 1] AS provider, 'chat' AS operation,
    concat('model-', toString(mi)) AS request_model, concat('model-', toString(mi)) AS response_model, concat('model-', toString(mi)) AS model,
    concat('dep-', toString(di)) AS deployment, if(di < 2, 'provisioned', 'on_demand') AS capacity_tier,
    ['eastus', 'westeurope', 'us-central1', 'us-east-1'][di % 4 + 1] AS region,
    stream AS streaming, if(err, 'error', 'ok') AS status, if(err, if(u4 < 500, 429, 500), 0) AS http_status,
    if(hit, 0, inp) AS input_tokens, if(hit OR u5 < 400, 0, toUInt64(inp * 0.6)) AS cache_read_tokens,
    if(hit OR err, 0, outp) AS output_tokens,
    if(stream AND NOT hit, dur * (0.05 + u6 / 4000), NULL) AS ttft_ms, if(stream AND NOT hit, 10 + u7 / 50, NULL) AS itl_ms,
    if(u8 < 30, 2, 1) AS attempt, if(u8 >= 30 AND u8 < 50 AND di >= 2, 'dep-0', '') AS fallback_from,
    if(ri % 5 = 0, 'response', '') AS cache_layer, hit AS cache_hit,
    concat('v', toString(ri % 3 + if(st > fromUnixTimestamp64Micro(${endMs * 1000 - 86_400_000_000}), 1, 0))) AS prompt_version,
    true AS priced, toDecimal128(inp * 0.0000025, 18) AS cost_input, toDecimal128(outp * 0.00001, 18) AS cost_output,
    if(hit, toDecimal128(0, 18), toDecimal128(inp * 0.0000025 + outp * 0.00001, 18)) AS cost_total,
    if(hit, toDecimal128(0, 18), toDecimal128(inp * 0.0000025 + outp * 0.00001, 18)) AS list_cost
  FROM (
    SELECT number AS n,
      fromUnixTimestamp64Micro(toInt64(${startUs} + n * ${stepUs} + cityHash64(n, 9) % ${stepUs})) AS st,
      toUInt32(floor(500 * pow((cityHash64(n, 1) % 1000000) / 1e6, 2))) AS ti,
      cityHash64(n, 2) % 40 AS ri,
      (ri * 5 + cityHash64(n, 3) % 2) % 12 AS mi,
      if(mi < 4, mi % 2, 2 + mi % 6) AS di,
      cityHash64(n, 4) % 1000 AS u4, cityHash64(n, 5) % 1000 AS u5, cityHash64(n, 6) % 1000 AS u6,
      cityHash64(n, 7) % 1000 AS u7, cityHash64(n, 8) % 1000 AS u8,
      (ri % 5 = 0) AND cityHash64(n, 10) % 100 < 30 AS hit,
      NOT hit AND u4 < 30 AS err,
      NOT hit AND cityHash64(n, 11) % 10 < 6 AS stream,
      if(hit, 2 + u6 / 100, 150 + exp((cityHash64(n, 12) % 1000) / 1000 * 6) * 8) AS dur,
      200 + cityHash64(n, 13) % 3800 AS inp,
      20 + cityHash64(n, 14) % 780 AS outp
    FROM numbers(${offset}, ${count})
  )`;
}

/**
 * One business outcome per 1,000 calls, each naming the trace of call 1000k (same tenant, a
 * minute after it), so the spend-per-outcome panels join something at every scale.
 */
export function outcomesSql(total: number, endMs: number): string {
  const stepUs = Math.floor((DAYS * 86_400_000_000) / total);
  const startUs = endMs * 1000 - DAYS * 86_400_000_000;
  return `INSERT INTO outcomes (outcome_id, time, name, success, value, trace_id, conversation_id, tenant, source)
  SELECT concat('o-', toString(n)), fromUnixTimestamp64Micro(toInt64(${startUs} + n * ${stepUs} + cityHash64(n, 9) % ${stepUs} + 60000000)),
    if(n % 3000 = 0, 'checkout', 'ticket_resolved'), cityHash64(n, 20) % 10 < 8,
    if(cityHash64(n, 20) % 10 < 8, toDecimal128(20 + n % 50, 18), NULL), hex(cityHash64(n, 0)), '',
    concat('t', toString(toUInt32(floor(500 * pow((cityHash64(n, 1) % 1000000) / 1e6, 2))))), 'api'
  FROM (SELECT number * 1000 AS n FROM numbers(${Math.floor(total / 1000)}))`;
}

/**
 * How the benchmark generates. `merging`: the rollups merge in the background while rows arrive,
 * and llm_calls has no time-ordered projection (migration 0038 dropped again), as until issue 14.
 * `deferred` stops the rollups' merges until the end, where OPTIMIZE FINAL merges each once anyway
 * (background merges of a table merged FINAL afterwards only repeat work), still without the
 * projection. `current` is `deferred` with the schema as it stands (the projection), what the
 * benchmark runs. `calls-1m` is `current` with the schema before migration 0041: llm_calls_1m and
 * its view put back, llm_costs_tenant_1h cascading from it again (the other hourly cost tables
 * cascade from llm_costs_tenant_1h either way): what 0041 saves. The A/Bs of 0039 (t-digests) and
 * 0040 (hourly cost cascades) need llm_calls_1m and were measured before it went (README).
 *
 * The per-view profile (`npm run bench:analytics-gen` with BENCH_VARIANTS=profile): `bare` is
 * `current` with every view that reads llm_calls dropped and without the projection (the rows
 * alone); `projection` adds the projection back; `only:<table>` keeps the one view of llm_calls
 * writing <table> (and what cascades from that table); then `calls-1m` and `current`, everything.
 * Each one's CPU minus bare's is its cost. `summap-histograms` is `current` with the perf views
 * building their histograms with sumMap as before migration 0044: what 0044 saves.
 * `capacity-tenant-1m` is `current` with llm_capacity_tenant_1m and its view put back (the schema
 * before migration 0046): what 0046 saves. `no-ttft-drift` is `current` without the drift
 * family (the schema before migration 0047): what 0047 costs. `defer-calls` is `current` with
 * llm_calls' merges deferred too: its parts merge once, partition by partition, when it settles.
 * `projection-0038` is `current` with the time projection as before migration 0049 (without the
 * link keys): what 0049 costs.
 */
export const GENERATION_MODES = [
  'merging',
  'deferred',
  'calls-1m',
  'summap-histograms',
  'capacity-tenant-1m',
  'no-ttft-drift',
  'defer-calls',
  'projection-0038',
  'current',
] as const;
export type GenerationMode =
  (typeof GENERATION_MODES)[number] | 'bare' | 'projection' | `only:${string}`;

/** The rollups a view of llm_calls fills directly: the roots of the per-view profile. */
export const directRollups = (): string[] =>
  rollupTables()
    .filter((t) => t.table.from === 'llm_calls')
    .map((t) => t.table.name);

/** The profile's variants: the rows alone, the projection, each direct view, everything. */
export const PROFILE_MODES: readonly GenerationMode[] = [
  'bare',
  'projection',
  ...directRollups().map((t): GenerationMode => `only:${t}`),
  'calls-1m',
  'summap-histograms',
  'current',
];

const rollupNames = (mode: GenerationMode): string[] => [
  ...rollupTables()
    .map((t) => t.table.name)
    .filter((n) => mode !== 'no-ttft-drift' || !ttftDriftTables().includes(n)),
  ...(mode === 'calls-1m' ? ['llm_calls_1m'] : []),
  ...(mode === 'capacity-tenant-1m' ? ['llm_capacity_tenant_1m'] : []),
];

/** The tables whose merges generation defers to settleRollups. */
const deferred = (mode: GenerationMode): string[] => [
  ...rollupNames(mode),
  ...(mode === 'defer-calls' ? ['llm_calls'] : []),
];

async function prepare(storage: QueryRunner, mode: GenerationMode): Promise<void> {
  const isolated = mode === 'bare' || mode === 'projection' || mode.startsWith('only:');
  if (mode === 'merging' || mode === 'deferred' || (isolated && mode !== 'projection'))
    await storage.command('ALTER TABLE llm_calls DROP PROJECTION IF EXISTS calls_by_time');
  if (mode === 'calls-1m') await restoreCallsMinute(storage);
  if (mode === 'summap-histograms') await restoreSumMapHistograms(storage);
  if (mode === 'capacity-tenant-1m') await restoreCapacityTenant(storage);
  if (mode === 'no-ttft-drift')
    for (const name of ttftDriftTables()) {
      await storage.command(`DROP VIEW IF EXISTS ${name}_mv`);
      await storage.command(`DROP TABLE IF EXISTS ${name}`);
    }
  if (mode === 'projection-0038') {
    const before = LLM_CALLS.projections?.find((p) => p.until === 49);
    if (before === undefined) throw new Error('no calls_by_time before 0049 in the catalog');
    await storage.command('ALTER TABLE llm_calls DROP PROJECTION calls_by_time');
    await storage.command(`ALTER TABLE llm_calls ADD PROJECTION calls_by_time (${before.select})`);
  }
  if (mode === 'merging') return;
  for (const name of deferred(mode)) await storage.command(`SYSTEM STOP MERGES ${name}`);
  if (isolated) {
    const kept = mode.startsWith('only:') ? mode.slice('only:'.length) : undefined;
    if (kept !== undefined && !directRollups().includes(kept))
      throw new Error(`BENCH_VARIANTS: ${kept} is not a rollup filled from llm_calls`);
    for (const t of rollupTables().filter((x) => x.table.from === 'llm_calls'))
      if (t.table.name !== kept) await storage.command(`DROP VIEW IF EXISTS ${viewName(t.table)}`);
  }
}

/**
 * Engine settings of the generating INSERT to compare (`BENCH_VARIANTS=current@<name>`), over
 * generate()'s defaults (two insert threads, the views in parallel, no merge on insert).
 */
export const SETTING_VARIANTS: Readonly<Record<string, Record<string, string | number>>> = {
  // The views one after another on one thread: what parallel_view_processing buys.
  'one-thread': { max_threads: 1, max_insert_threads: 1, parallel_view_processing: 0 },
  // Fewer, larger blocks reach the views: each aggregates more rows into fewer output rows.
  'big-blocks': {
    min_insert_block_size_rows: 4_194_304,
    min_insert_block_size_bytes: 2_147_483_648,
    max_block_size: 262_144,
  },
  'small-blocks': { min_insert_block_size_rows: 262_144, min_insert_block_size_bytes: 0 },
  // Twice the default squashed block, the SELECT's blocks as they are: 1.04-1.12x less CPU at 10M
  // rows of the 100M month, but 0.98x at 100M (round 28, docs/benchmarks.md), so not the default.
  'mid-blocks': {
    min_insert_block_size_rows: 2_097_152,
    min_insert_block_size_bytes: 1_073_741_824,
  },
  // Four times the default squashed block, the SELECT's blocks as they are.
  'big-squash': {
    min_insert_block_size_rows: 4_194_304,
    min_insert_block_size_bytes: 2_147_483_648,
  },
  // Only the generating SELECT's blocks larger: what big-blocks' max_block_size alone does.
  'select-blocks': { max_block_size: 262_144 },
  // One insert stream, the views in parallel.
  'one-stream': { max_insert_threads: 1 },
};

export interface GenerateOptions {
  /**
   * Rows of the 30-day series the generated rows are the first of (default: all of them). The
   * rows' density per minute is the series', so 1M rows of a 100M series cost the views what 1M
   * rows of a 100M run do (a minute rollup of a sparse series holds about a row per call).
   */
  series?: number;
  /** The first row generated (default 0): rows [first, total) of the series, e.g. its last days. */
  first?: number;
  /** Engine settings of the generating INSERT, over the defaults below. */
  settings?: Record<string, string | number>;
}

export async function generate(
  storage: QueryRunner,
  total: number,
  endMs: number,
  chunk: number,
  onChunk: (done: number) => void,
  mode: GenerationMode = 'current',
  opts: GenerateOptions = {},
): Promise<void> {
  await prepare(storage, mode);
  const series = opts.series ?? total;
  for (let offset = opts.first ?? 0; offset < total; offset += chunk) {
    const count = Math.min(chunk, total - offset);
    // Materialized views in parallel: generation is bound by the rollups, not by the rows.
    await storage.command(generateSql(offset, count, series, endMs), undefined, {
      settings: {
        max_threads: 2,
        max_insert_threads: '2',
        parallel_view_processing: 1,
        // Rollups are AggregatingMergeTree: rows of one key merge in the background and every read
        // merges anyway, so merging inside each inserted block too only repeats work (-28 % CPU
        // measured at 2M rows); the benchmark's OPTIMIZE FINAL merges them once afterwards.
        optimize_on_insert: 0,
        ...opts.settings,
      },
    });
    onChunk(offset + count);
  }
  await storage.command(outcomesSql(total, endMs));
}

/**
 * Connections settleRollups OPTIMIZEs on at once (BENCH_SETTLE_LANES, default 2: this machine's
 * cores). An OPTIMIZE FINAL merges a table's partitions one after another on its thread, and one
 * chDB connection runs one statement at a time (two 300M-row scans sent together on one took what
 * two in a row took; on two connections, what one took), so the 100M month's ~4 minutes of
 * settling left a core idle.
 */
export const SETTLE_LANES = Number(process.env.BENCH_SETTLE_LANES ?? 2);

/**
 * After generation: merges back on and every rollup merged once (OPTIMIZE FINAL), its CPU counted;
 * `lanes` connections to `dataDir` (`storage` the first) at a time, the largest table first so
 * the lanes end together.
 */
export async function settleRollups(
  storage: QueryRunner,
  dataDir: string,
  mode: GenerationMode,
  lanes = SETTLE_LANES,
): Promise<void> {
  const parts = await storage.query<{ table: string; partition: string; bytes: string | number }>(
    `SELECT table, partition_id AS partition, sum(bytes_on_disk) AS bytes FROM system.parts
     WHERE active AND database = currentDatabase() GROUP BY table, partition`,
  );
  const tables = deferred(mode);
  const size = (table: string): number =>
    parts.filter((p) => p.table === table).reduce((n, p) => n + Number(p.bytes), 0);
  // A rollup is one OPTIMIZE; llm_calls' partitions (when its merges were deferred too) one each,
  // so its two months of the benchmark merge on both lanes at once.
  const queue = [
    ...rollupNames(mode).map((table) => ({ table, partition: undefined, bytes: size(table) })),
    ...parts
      .filter((p) => p.table === 'llm_calls' && tables.includes('llm_calls'))
      .map((p) => ({ table: p.table, partition: p.partition, bytes: Number(p.bytes) })),
  ].sort((a, b) => b.bytes - a.bytes);
  // A table's merges start once, before the first OPTIMIZE of it (another lane's waits for it).
  const started = new Map<string, Promise<void>>();
  const extra: QueryRunner[] = [];
  for (let i = 1; i < lanes; i += 1)
    extra.push(await createStorage({ database: 'default', dataDir }));
  const lane = async (runner: QueryRunner): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      if (mode !== 'merging') {
        const start =
          started.get(item.table) ?? runner.command(`SYSTEM START MERGES ${item.table}`);
        started.set(item.table, start);
        await start;
      }
      const partition = item.partition === undefined ? '' : ` PARTITION ID '${item.partition}'`;
      await runner.command(`OPTIMIZE TABLE ${item.table}${partition} FINAL`);
    }
  };
  try {
    await Promise.all([storage, ...extra].map(lane));
  } finally {
    for (const runner of extra) await runner.close();
  }
}

export interface RollupFill {
  table: string;
  family: string;
  /** Rows the table holds. */
  rows: number;
  /** Calls its count measure says it covers, and the calls of its subject in llm_calls. */
  counted: number;
  expected: number;
}

/** Every rollup of the catalog: its size, and whether it saw every call of its subject. */
export async function rollupCheck(
  storage: QueryRunner,
): Promise<{ raw: number; fills: RollupFill[] }> {
  const q = async (sql: string): Promise<number> => {
    const [row] = await storage.query<{ v: string | number }>(sql);
    return Number(row?.v ?? 0);
  };
  const fills: RollupFill[] = [];
  const present = new Set(
    (await storage.query<{ name: string }>('SELECT name FROM system.tables')).map((t) => t.name),
  );
  for (const { family, table } of rollupTables()) {
    // A generation variant may have dropped a family (no-ttft-drift).
    if (!present.has(table.name)) continue;
    // The subject's plain row count (calls, attempts, rows) is what every table must sum to.
    const [name] =
      Object.entries(family.subject.measures).find(([, m]) => m.raw === 'count()') ?? [];
    if (name === undefined) continue;
    const where = family.subject.where !== undefined ? ` WHERE ${family.subject.where}` : '';
    fills.push({
      table: table.name,
      family: family.name,
      rows: await q(`SELECT count() AS v FROM ${table.name}`),
      counted: await q(`SELECT sum(${name}) AS v FROM ${table.name}`),
      expected: await q(`SELECT count() AS v FROM llm_calls${where}`),
    });
  }
  return { raw: await q('SELECT count() AS v FROM llm_calls'), fills };
}
