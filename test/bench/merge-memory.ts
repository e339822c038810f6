// What the engine holds under a stream of inserts into llm_calls at a given storage.max_memory:
// N inserts of ROWS calls back to back (each retried until it goes in), sampling every 100 ms the
// memory of llm_calls' merges (and their algorithm) and the engine's whole account; every 25
// inserts the engine's account with the active and outdated parts (outdated parts hold memory
// until they are removed: old_parts_lifetime in memory.ts).
// Run: MEM_MB=256 N=150 ROWS=1800 tsx test/bench/merge-memory.ts  (SETTINGS='{...}' per insert)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage } from '../../src/storage/client.js';
import { engineTrackedBytes, planMemory } from '../../src/storage/memory.js';
import { migrate } from '../../src/storage/migrate.js';
import { CALL_COLUMNS, callTsv } from '../../src/storage/rows-tsv.js';
import { spreadCalls } from './insert-memory-calls.js';

const MiB = 1024 * 1024;
const mem = Number(process.env.MEM_MB ?? 256);
const inserts = Number(process.env.N ?? 150);
const rows = Number(process.env.ROWS ?? 1800);
const settings = JSON.parse(process.env.SETTINGS ?? '{}') as Record<string, number>;
const dir = mkdtempSync(join(tmpdir(), 'merge-memory-'));
const storage = await createStorage({
  database: 'default',
  dataDir: join(dir, 'data'),
  memory: planMemory(mem * MiB),
});
const mib = (b: number): string => (b / MiB).toFixed(1);
let maxMerge = 0;
let maxEngine = 0;
let failures = 0;
const algorithms = new Map<string, number>();
const sampler = setInterval(() => {
  storage
    .query<{ m: string; a: string }>(
      `SELECT memory_usage AS m, merge_algorithm AS a FROM system.merges WHERE table = 'llm_calls'`,
    )
    .then(
      (merges) => {
        for (const { m, a } of merges) {
          maxMerge = Math.max(maxMerge, Number(m));
          algorithms.set(a, (algorithms.get(a) ?? 0) + 1);
        }
      },
      () => undefined,
    );
  engineTrackedBytes(storage).then(
    (b) => (maxEngine = Math.max(maxEngine, b)),
    () => undefined,
  );
}, 100);
try {
  await migrate(storage, { ttl_days: 400 });
  const t0 = performance.now();
  for (let k = 0; k < inserts; k += 1) {
    if (k % 25 === 0) {
      const [parts] = await storage.query<{ a: string; o: string }>(
        `SELECT countIf(active) AS a, countIf(NOT active) AS o FROM system.parts`,
      );
      console.log(
        `  insert ${k}: engine ${mib(await engineTrackedBytes(storage))} MiB, parts active ${parts?.a} outdated ${parts?.o}`,
      );
    }
    const body = spreadCalls(`m${k}`, rows)
      .map((c) => `${callTsv(c)}\n`)
      .join('');
    for (;;) {
      try {
        const options = { format: 'TSV' as const, columns: CALL_COLUMNS, settings };
        await storage.insert('llm_calls', body, { ...options, dedupToken: `m${k}` });
        break;
      } catch {
        failures += 1;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
  console.log(
    `max_memory ${mem} MiB, ${inserts} inserts of ${rows}: ${((performance.now() - t0) / 1000).toFixed(1)} s, failed attempts ${failures}, llm_calls merges max ${mib(maxMerge)} MiB ${JSON.stringify(Object.fromEntries(algorithms))} (samples), engine max ${mib(maxEngine)} MiB`,
  );
} finally {
  clearInterval(sampler);
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}
