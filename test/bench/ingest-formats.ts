// `npx tsx test/bench/ingest-formats.ts` — what the engine's side of an insert costs by path and
// format, for the same llm_calls rows (BENCH_SPANS of bench:ingest's spans, 50k rows an insert,
// a dedup token each): chDB's rawInsert of TSV (what the collector and bench:ingest's baseline
// do), then the same rows read back as TSV, RowBinary and Native files and inserted with
// `INSERT ... SELECT * FROM file()`, and the writer's own TSV and RowBinary bytes through
// file() (storage.insert_format tsv | rowbinary), BENCH_ROUNDS rounds alternating. CPU µs a row of this
// process (every thread) and by thread name. chdb 3.4's rawInsert takes only line formats (TSV,
// CSV, JSON*EachRow), so a binary format reaches the engine only through a file (or a binding
// change): this bench says whether that is worth building (README, "eighth round").
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LlmCall } from '../../src/collector/call.js';
import { normalizeSpan } from '../../src/collector/processors/normalize.js';
import { decodeProtoRequest, encodeProtoRequest } from '../../src/collector/receiver/otlp-proto.js';
import { createPricingProcessor, loadCatalog } from '../../src/pricing/index.js';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import { CALL_COLUMNS, callTsv } from '../../src/storage/rows-tsv.js';
import { wireTypeOf } from '../../src/storage/rows-rowbinary-columns.js';
import { threadCpuSeconds, topThreads } from './proc-cpu.js';
import { rowBinaryChunks } from './rowbinary-chunks.js';
import { makeSpans } from './spans.js';

interface ChdbExtension {
  queryAsync(sql: string, options?: { format?: string }): Promise<{ bytes(): Uint8Array }>;
  rawInsert(params: {
    table: string;
    values: Buffer;
    format: string;
    columns?: string[];
    settings?: Record<string, string>;
  }): Promise<unknown>;
}

const SPANS = Number(process.env.BENCH_SPANS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CHUNK = 50_000;
const FILE_FORMATS = ['TSV', 'RowBinary', 'Native'];

const dataDir = mkdtempSync(join(tmpdir(), 'bench-formats-'));
const storage = await createStorage({ database: 'default', dataDir });
await migrate(storage, { ttl_days: 400 });
const { createChdbConnection } = await import('chdb/connection');
const chdb = (createChdbConnection({ path: dataDir }) as unknown as { chdb: ChdbExtension }).chdb;
const columns = [...CALL_COLUMNS];
const columnList = columns.map((c) => `\`${c}\``).join(', ');

function pricedCalls(): LlmCall[] {
  const calls: LlmCall[] = [];
  for (let i = 0; i < SPANS; i += 500)
    for (const span of decodeProtoRequest(encodeProtoRequest(makeSpans(500))).spans) {
      const n = normalizeSpan(span, { captureContent: false });
      if (n.type === 'call') calls.push(n.call);
    }
  return createPricingProcessor(loadCatalog({}))(calls);
}

function tsvChunks(calls: LlmCall[]): Buffer[] {
  const lines = calls.map(callTsv);
  const chunks: Buffer[] = [];
  for (let i = 0; i < lines.length; i += CHUNK)
    chunks.push(Buffer.from(lines.slice(i, i + CHUNK).join('\n')));
  return chunks;
}

/** CPU of `inserts` (every thread of this process), µs a row, with the thread split. */
async function timed(label: string, bytes: number, inserts: () => Promise<void>): Promise<void> {
  await storage.command('TRUNCATE TABLE llm_calls');
  const cpu = process.cpuUsage();
  const threads = threadCpuSeconds(process.pid);
  await inserts();
  const used = process.cpuUsage(cpu);
  const split = topThreads(threads, threadCpuSeconds(process.pid), SPANS);
  process.stdout.write(
    `${label.padEnd(20)} ${((used.user + used.system) / SPANS).toFixed(1)} µs cpu/row (${split}); ${(bytes / SPANS).toFixed(0)} B/row\n`,
  );
}

const calls = pricedCalls();
const tsv = tsvChunks(calls);
let token = 0;
/** The settings every variant sends itself: chdb's session may keep a statement's settings. */
const BASE: Record<string, string> = {
  date_time_input_format: 'best_effort',
  input_format_parallel_parsing: '1',
  deduplicate_blocks_in_dependent_materialized_views: '1',
};
const rawInsert = (values: Buffer, own: Record<string, string> = {}): Promise<unknown> =>
  chdb.rawInsert({
    table: 'llm_calls',
    values,
    format: 'TSV',
    columns,
    settings: { ...BASE, ...own, insert_deduplication_token: `raw-${(token += 1)}` },
  });
const rawInsertTsv = (label = 'rawInsert TSV', own: Record<string, string> = {}): Promise<void> =>
  timed(label, Buffer.concat(tsv).length, async () => {
    for (const values of tsv) await rawInsert(values, own);
  });
const fileInsert = (
  path: string,
  format: string,
  own: Record<string, string> = {},
  shape = structure,
): Promise<void> => {
  const settings = Object.entries({
    ...BASE,
    ...own,
    insert_deduplication_token: `file-${(token += 1)}`,
  })
    .map(([k, v]) => `${k} = '${v}'`)
    .join(', ');
  return storage.command(
    `INSERT INTO llm_calls (${columnList}) SETTINGS ${settings} SELECT * FROM file('${path}', '${format}', '${shape.replaceAll("'", "\\'")}')`,
  );
};
await rawInsertTsv(); // the rows to read back, and a warm engine
const types = new Map(
  (
    await storage.query<{ name: string; type: string }>(
      `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'llm_calls'`,
    )
  ).map((r) => [r.name, r.type]),
);
const structure = columns.map((c) => `\`${c}\` ${types.get(c) ?? ''}`).join(', ');
const files = new Map<string, string[]>(FILE_FORMATS.map((f) => [f, []]));
// Native with plain types (LowCardinality(String) as String): what a writer that builds Native
// columns itself would send without LowCardinality's dictionary serialization.
const plainStructure = columns.map((c) => `\`${c}\` ${wireTypeOf(types.get(c) ?? '')}`).join(', ');
const plainNative: string[] = [];
const plainList = columns
  .map(
    (c) => `CAST(\`${c}\`, '${wireTypeOf(types.get(c) ?? '').replaceAll("'", "\\'")}') AS \`${c}\``,
  )
  .join(', ');
for (let i = 0; i < SPANS; i += CHUNK) {
  const select = `SELECT ${columnList} FROM llm_calls ORDER BY call_id LIMIT ${CHUNK} OFFSET ${i}`;
  for (const format of FILE_FORMATS) {
    const path = join(dataDir, `chunk-${i}.${format}`);
    writeFileSync(path, (await chdb.queryAsync(select, { format })).bytes());
    files.get(format)?.push(path);
  }
  const path = join(dataDir, `chunk-${i}.plain.native`);
  const plain = select.replace(columnList, plainList);
  writeFileSync(path, (await chdb.queryAsync(plain, { format: 'Native' })).bytes());
  plainNative.push(path);
}
// The writer's own bytes as files: file() against rawInsert for the very same bytes.
const ownFiles = tsv.map((values, i) => {
  const path = join(dataDir, `own-${i}.tsv`);
  writeFileSync(path, values);
  return path;
});
const ownBinary = rowBinaryChunks(calls, CHUNK).map((values, i) => {
  const path = join(dataDir, `own-${i}.bin`);
  writeFileSync(path, values);
  return path;
});
const readBack = (files.get('TSV') ?? []).map((p) => readFileSync(p));
const sizeOf = (paths: string[]): number => paths.reduce((sum, p) => sum + statSync(p).size, 0);
const VARIANTS: [string, () => Promise<void>][] = [
  ['rawInsert TSV', () => rawInsertTsv()],
  ['rawInsert basic', () => rawInsertTsv('rawInsert basic', { date_time_input_format: 'basic' })],
  [
    'rawInsert serial',
    () => rawInsertTsv('rawInsert serial', { input_format_parallel_parsing: '0' }),
  ],
  [
    'rawInsert readback',
    () =>
      timed('rawInsert readback', Buffer.concat(readBack).length, async () => {
        for (const values of readBack) await rawInsert(values);
      }),
  ],
  [
    'file() own TSV',
    () =>
      timed('file() own TSV', sizeOf(ownFiles), async () => {
        for (const path of ownFiles) await fileInsert(path, 'TSV');
      }),
  ],
  [
    'file() own RowBinary',
    () =>
      timed('file() own RowBinary', sizeOf(ownBinary), async () => {
        for (const path of ownBinary) await fileInsert(path, 'RowBinary');
      }),
  ],
  [
    'file() Native plain',
    () =>
      timed('file() Native plain', sizeOf(plainNative), async () => {
        for (const path of plainNative) await fileInsert(path, 'Native', {}, plainStructure);
      }),
  ],
  ...FILE_FORMATS.map((format): [string, () => Promise<void>] => [
    `file() ${format}`,
    () =>
      timed(`file() ${format}`, sizeOf(files.get(format) ?? []), async () => {
        for (const path of files.get(format) ?? []) await fileInsert(path, format);
      }),
  ]),
];
const only = process.env.BENCH_VARIANTS?.split(',');
for (let round = 0; round < ROUNDS; round += 1)
  for (const [label, run] of VARIANTS) if (only === undefined || only.includes(label)) await run();
await storage.close();
rmSync(dataDir, { recursive: true, force: true });
