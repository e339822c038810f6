// A sustained stream of inserts through the real writer at a given storage.max_memory: batches of
// ROWS calls back to back for SECS seconds; prints failed attempts (MEMORY_LIMIT_EXCEEDED is
// retried), the engine's MemoryTracking and merges' memory at their highest, and whether every
// rollup counts what llm_calls holds. Run: MEM_MB=256 ROWS=16000 SECS=60 tsx test/bench/insert-stream.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writer } from '../../src/collector/writer.js';
import { createLogger } from '../../src/shared/logger.js';
import { rollupTables } from '../../src/storage/catalog/catalog.js';
import { createStorage } from '../../src/storage/client.js';
import { engineTrackedBytes, planMemory } from '../../src/storage/memory.js';
import { migrate } from '../../src/storage/migrate.js';
import { spreadCalls } from './insert-memory-calls.js';

const MiB = 1024 * 1024;
const mem = Number(process.env.MEM_MB ?? 256) * MiB;
const rows = Number(process.env.ROWS ?? 16000);
const secs = Number(process.env.SECS ?? 60);
const dir = mkdtempSync(join(tmpdir(), 'insert-stream-'));
const plan = planMemory(mem);
const storage = await createStorage({
  database: 'default',
  dataDir: join(dir, 'data'),
  memory: plan,
});
const q = async (sql: string) => Number((await storage.query<{ v: string }>(sql))[0]?.v ?? 0);
try {
  await migrate(storage, { ttl_days: 400 });
  // NO_PROJECTION=1: without llm_calls' time-ordered projection (what its merges cost).
  if (process.env.NO_PROJECTION === '1')
    await storage.command('ALTER TABLE llm_calls DROP PROJECTION calls_by_time');
  const errors = new Map<string, number>();
  const logger = createLogger('error');
  const w = new Writer(
    storage,
    {
      batchRows: Number(process.env.BATCH ?? rows),
      flushIntervalMs: 1e9,
      maxRetries: 1000,
      deadLetterDir: join(dir, 'dl'),
      backoff: { baseMs: 100, maxMs: 2000 },
    },
    {
      ...logger,
      warn: (_m: string, f?: Record<string, unknown>) => {
        const k = String(f?.err ?? '').slice(0, 60);
        errors.set(k, (errors.get(k) ?? 0) + 1);
      },
      error: (_m: string, f?: Record<string, unknown>) => {
        const k = String(f?.err ?? '').slice(0, 60);
        errors.set(k, (errors.get(k) ?? 0) + 1);
      },
    } as typeof logger,
  );
  let maxTracked = 0;
  let maxMerges = 0;
  const sampler = setInterval(() => {
    engineTrackedBytes(storage).then(
      (b) => (maxTracked = Math.max(maxTracked, b)),
      () => undefined,
    );
    q('SELECT sum(memory_usage) AS v FROM system.merges').then(
      (b) => (maxMerges = Math.max(maxMerges, b)),
      () => undefined,
    );
    if (process.env.MERGES === '1')
      storage
        .query<Record<string, string>>(
          'SELECT table, merge_algorithm AS alg, round(memory_usage / 1048576, 1) AS mib, rows_read, num_parts FROM system.merges WHERE memory_usage > 8388608',
        )
        .then(
          (r) => r.forEach((m) => console.log('  merge', JSON.stringify(m))),
          () => undefined,
        );
  }, 200);
  const t0 = performance.now();
  let sent = 0;
  for (let k = 0; performance.now() - t0 < secs * 1000; k += 1) {
    w.enqueue(spreadCalls(`s${k}`, rows), []);
    sent += rows;
    await w.flush();
  }
  clearInterval(sampler);
  // What the engine still accounts for once idle (no insert, merges done): a tracker that does
  // not come back down fails every later insert with "(total) memory limit exceeded".
  for (let i = 0; i < 10 && (await q('SELECT count() AS v FROM system.merges')) > 0; i += 1)
    await new Promise((r) => setTimeout(r, 1000));
  const idle = await engineTrackedBytes(storage);
  // PROBE=1: what the idle account is made of (caches), and what dropping them gives back.
  if (process.env.PROBE === '1') {
    const caches = await storage.query<{ metric: string; value: string }>(
      `SELECT metric, value FROM system.metrics WHERE metric LIKE '%Cache%Bytes%' AND value > 0`,
    );
    for (const c of caches) console.log(`  ${c.metric} ${(Number(c.value) / MiB).toFixed(1)} MiB`);
    for (const cache of [
      'MARK',
      'UNCOMPRESSED',
      'PRIMARY INDEX',
      'QUERY CONDITION',
      'COMPILED EXPRESSION',
    ])
      await storage
        .command(`SYSTEM DROP ${cache} CACHE`)
        .catch((e: unknown) => console.log(`  ${cache}: ${String(e).slice(0, 80)}`));
    console.log(
      `  engine after dropping caches ${((await engineTrackedBytes(storage)) / MiB).toFixed(1)} MiB`,
    );
  }
  const wall = (performance.now() - t0) / 1000;
  const stored = await q('SELECT count() AS v FROM llm_calls');
  let bad = 0;
  for (const { family, table } of rollupTables()) {
    const [name] =
      Object.entries(family.subject.measures).find(([, m]) => m.raw === 'count()') ?? [];
    if (name === undefined) continue;
    const where = family.subject.where !== undefined ? ` WHERE ${family.subject.where}` : '';
    const got = await q(`SELECT sum(${name}) AS v FROM ${table.name}`);
    const want = await q(`SELECT count() AS v FROM llm_calls${where}`);
    if (got !== want) {
      bad += 1;
      console.log(`  ${table.name}: ${got} of ${want}`);
    }
  }
  console.log(
    `max_memory ${mem / MiB} MiB rows/insert ${rows}: ${sent} sent in ${wall.toFixed(0)} s (${(sent / wall).toFixed(0)} rows/s), stored ${stored}, inserts ${w.stats.inserts}, failed attempts ${w.stats.insertFailures}, rollups off ${bad}; engine max ${(maxTracked / MiB).toFixed(1)} of ${(plan.engineBytes / MiB).toFixed(1)} MiB, merges max ${(maxMerges / MiB).toFixed(1)} MiB, engine once idle ${(idle / MiB).toFixed(1)} MiB`,
  );
  for (const [k, v] of errors) console.log(`  ${v}x ${k}`);
  await w.stop();
} finally {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}
