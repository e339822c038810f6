// The engine's cost per insert besides its rows: the collector's TSV rows (generated calls, priced)
// inserted straight into an engine started with the collector's memory plan, at several insert
// sizes, each insert with a dedup token; CPU a row and an insert, and llm_calls' parts. The fixed
// cost is the difference between sizes (README "Where the time goes in ingest, seventh round").
// Knobs: N (rows, 100000), SIZES (rows an insert, "50000,15000,5000"), DROP (a regex: drop the
// materialized views whose name matches, e.g. "." for all), NO_PROJECTION=1 (drop llm_calls'
// projection), WIDE (llm_calls' min_bytes_for_wide_part), SETTINGS ("k=v,k=v": insert settings),
// NO_TOKEN=1. Run: nice -n 10 npx tsx test/bench/insert-views.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LlmCall } from '../../src/collector/call.js';
import { normalizeSpan } from '../../src/collector/processors/normalize.js';
import { decodeProtoRequest, encodeProtoRequest } from '../../src/collector/receiver/otlp-proto.js';
import { createPricingProcessor, loadCatalog } from '../../src/pricing/index.js';
import { createStorage } from '../../src/storage/client.js';
import { planMemory } from '../../src/storage/memory.js';
import { migrate } from '../../src/storage/migrate.js';
import { CALL_COLUMNS, callTsv } from '../../src/storage/rows-tsv.js';
import { makeSpans } from './spans.js';

const env = process.env;
const N = Number(env.N ?? 100_000);
const SIZES = (env.SIZES ?? '50000,15000,5000').split(',').map(Number);
const SETTINGS = Object.fromEntries(
  (env.SETTINGS ?? '')
    .split(',')
    .filter((kv) => kv.includes('='))
    .map((kv) => kv.split('=') as [string, string]),
);
const dir = mkdtempSync(join(tmpdir(), 'insert-views-'));
const storage = await createStorage({
  database: 'default',
  dataDir: join(dir, 'data'),
  memory: planMemory(1536 * 1024 * 1024),
});
try {
  await migrate(storage, { ttl_days: 400 });
  const views = await storage.query<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = 'default' AND engine = 'MaterializedView'`,
  );
  const drop = env.DROP !== undefined ? new RegExp(env.DROP) : undefined;
  const dropped = views.filter((v) => drop?.test(v.name) === true);
  for (const v of dropped) await storage.command(`DROP TABLE ${v.name}`);
  if (env.WIDE !== undefined)
    await storage.command(
      `ALTER TABLE llm_calls MODIFY SETTING min_bytes_for_wide_part = ${Number(env.WIDE)}`,
    );
  if (env.NO_PROJECTION === '1')
    await storage.command('ALTER TABLE llm_calls DROP PROJECTION calls_by_time');
  console.log(`views ${views.length}, dropped ${dropped.length}`);
  const calls: LlmCall[] = [];
  for (let i = 0; i < N; i += 500) {
    for (const span of decodeProtoRequest(encodeProtoRequest(makeSpans(500))).spans) {
      const n = normalizeSpan(span, { captureContent: false });
      if (n.type === 'call') calls.push(n.call);
    }
  }
  const lines = createPricingProcessor(loadCatalog({}))(calls).map(callTsv);
  for (const size of SIZES) await timed(lines, size);
} finally {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}

async function timed(lines: string[], size: number): Promise<void> {
  await storage.command('TRUNCATE TABLE llm_calls');
  const cpu = process.cpuUsage();
  let inserts = 0;
  for (let i = 0; i < lines.length; i += size) {
    await storage.insert('llm_calls', lines.slice(i, i + size).join('\n'), {
      format: 'TSV',
      columns: CALL_COLUMNS,
      ...(env.NO_TOKEN === '1' ? {} : { dedupToken: `views-${size}-${i}-${Date.now()}` }),
      settings: SETTINGS,
    });
    inserts += 1;
  }
  const used = process.cpuUsage(cpu);
  const us = used.user + used.system;
  const parts = await storage.query<{ type: string; n: string }>(
    `SELECT part_type AS type, count() AS n FROM system.parts WHERE active AND table = 'llm_calls' GROUP BY type`,
  );
  console.log(
    `${size} rows an insert: ${inserts} inserts, ${(us / lines.length).toFixed(1)} µs cpu a row, ${(us / inserts / 1000).toFixed(0)} ms an insert; llm_calls parts ${parts.map((p) => `${p.n} ${p.type}`).join(', ')}`,
  );
}
