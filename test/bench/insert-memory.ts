// How much engine memory one insert of N calls into llm_calls (and so through every view) takes:
// chDB has no system.query_log, so each size of a ladder is inserted under a falling per-insert
// cap (max_memory_usage) until it fails; the smallest cap it passed under bounds what it needs.
// Fresh rows every attempt, and the rows a failed attempt left behind (if any) are counted.
// Run: MEM_MB=256 tsx test/bench/insert-memory.ts   (ROWS=500,1000,... CAPS=4,8,... in MiB)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage } from '../../src/storage/client.js';
import { engineTrackedBytes, planMemory } from '../../src/storage/memory.js';
import { migrate } from '../../src/storage/migrate.js';
import { CALL_COLUMNS, callTsv } from '../../src/storage/rows-tsv.js';
import { spreadCalls } from './insert-memory-calls.js';

const MiB = 1024 * 1024;
const mem = Number(process.env.MEM_MB ?? 256) * MiB;
const ladder = (process.env.ROWS ?? '500,1000,2000,4000,8000,16000').split(',').map(Number);
const caps = (process.env.CAPS ?? '128,96,64,48,32,24,16,12,8,6,4').split(',').map(Number);
const extra = JSON.parse(process.env.SETTINGS ?? '{}') as Record<string, string | number>;
const dir = mkdtempSync(join(tmpdir(), 'insert-memory-'));
const plan = planMemory(mem);
const storage = await createStorage({
  database: 'default',
  dataDir: join(dir, 'data'),
  memory: plan,
});
let attempt = 0;
const left = async (prefix: string): Promise<number> => {
  const [r] = await storage.query<{ n: string }>(
    `SELECT count() AS n FROM llm_calls WHERE startsWith(call_id, {p:String})`,
    { p: `${prefix}-` },
  );
  return Number(r?.n);
};
try {
  await migrate(storage, { ttl_days: 400 });
  console.log(
    `max_memory ${mem / MiB} MiB: engine ${(plan.engineBytes / MiB).toFixed(1)} MiB, query ${(plan.queryBytes / MiB).toFixed(1)} MiB; settings ${JSON.stringify(extra)}`,
  );
  for (const n of ladder) {
    let passed: number | undefined;
    let failedAt: string | undefined;
    for (const cap of caps) {
      const prefix = `a${(attempt += 1)}`;
      const body = spreadCalls(prefix, n)
        .map((c) => `${callTsv(c)}\n`)
        .join('');
      const before = await engineTrackedBytes(storage);
      const t0 = performance.now();
      try {
        await storage.insert('llm_calls', body, {
          format: 'TSV',
          columns: CALL_COLUMNS,
          dedupToken: prefix,
          settings: { max_memory_usage: cap * MiB, ...extra },
        });
        passed = cap;
        console.log(
          `  rows ${n} cap ${cap} MiB: ok ${(performance.now() - t0).toFixed(0)} ms (engine before ${(before / MiB).toFixed(1)} MiB)`,
        );
      } catch (err) {
        const msg = String((err as Error).message);
        const use = /would use ([\d.]+ \w+)/.exec(msg)?.[1];
        const where = /While executing (\w+)/.exec(msg)?.[1] ?? '';
        failedAt = `cap ${cap} MiB failed (would use ${use}, ${where}); rows left in llm_calls ${await left(prefix)}`;
        break;
      }
    }
    console.log(`rows ${n}: needs <= ${passed ?? '?'} MiB; ${failedAt ?? 'passed every cap'}`);
  }
} finally {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}
