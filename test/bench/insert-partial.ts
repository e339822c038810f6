// What a failed insert through the materialized views leaves behind on real chDB, and what a
// retry under the same deduplication token does: insert N calls under a per-insert cap too low
// for them, count llm_calls and every rollup; retry the same body and token without the cap,
// count again. Run: tsx test/bench/insert-partial.ts   (ROWS=2000 CAP_MB=24)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rollupTables } from '../../src/storage/catalog/catalog.js';
import { createStorage } from '../../src/storage/client.js';
import { planMemory } from '../../src/storage/memory.js';
import { migrate } from '../../src/storage/migrate.js';
import { CALL_COLUMNS, callTsv } from '../../src/storage/rows-tsv.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { spreadCalls } from './insert-memory-calls.js';

const MiB = 1024 * 1024;
const n = Number(process.env.ROWS ?? 2000);
const cap = Number(process.env.CAP_MB ?? 24);
const dir = mkdtempSync(join(tmpdir(), 'insert-partial-'));
const storage = await createStorage({
  database: 'default',
  dataDir: join(dir, 'data'),
  memory: planMemory(1536 * MiB),
});

async function counts(s: QueryRunner): Promise<string> {
  const q = async (sql: string) => Number((await s.query<{ v: string }>(sql))[0]?.v ?? 0);
  const out = [`llm_calls=${await q('SELECT count() AS v FROM llm_calls')}`];
  for (const { family, table } of rollupTables()) {
    const [name] =
      Object.entries(family.subject.measures).find(([, m]) => m.raw === 'count()') ?? [];
    if (name === undefined) continue;
    out.push(`${table.name}=${await q(`SELECT sum(${name}) AS v FROM ${table.name}`)}`);
  }
  return out.join(' ');
}

try {
  await migrate(storage, { ttl_days: 400 });
  // VIEW_DEDUP=0: the views do not deduplicate (as before migration 0045 and the insert setting).
  const viewSettings: Record<string, number> =
    process.env.VIEW_DEDUP === '0' ? { deduplicate_blocks_in_dependent_materialized_views: 0 } : {};
  const body = spreadCalls('p', n)
    .map((c) => `${callTsv(c)}\n`)
    .join('');
  const opts = {
    format: 'TSV' as const,
    columns: CALL_COLUMNS,
    dedupToken: 'tok-1',
    settings: viewSettings,
  };
  try {
    await storage.insert('llm_calls', body, {
      ...opts,
      settings: { ...viewSettings, max_memory_usage: cap * MiB },
    });
    console.log('capped insert passed');
  } catch (err) {
    console.log(
      'capped insert failed:',
      String((err as Error).message)
        .split('\n')[0]
        ?.slice(0, 300),
    );
  }
  console.log('after failure:', await counts(storage));
  await storage.insert('llm_calls', body, opts);
  console.log('after retry, same token:', await counts(storage));
  await storage.insert('llm_calls', body, opts);
  console.log('after a second retry, same token:', await counts(storage));
} finally {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}
