// Dead-letter files and replay against a real embedded store: a refused row is kept with the
// engine's reason, replay keeps it while the store still refuses it, inserts it once it is fixed,
// and never inserts a row twice (rows already stored are skipped).
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyCall, type LlmCall } from '../../src/collector/call.js';
import {
  formatDeadLetters,
  readDeadLetters,
  replayDeadLetters,
  type DeadLetterEntry,
} from '../../src/collector/dead-letter.js';
import { nsToDateTime64 } from '../../src/storage/rows.js';
import { Writer } from '../../src/collector/writer.js';
import { createLogger } from '../../src/shared/logger.js';
import { createStorage } from '../../src/storage/client.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { migrate } from '../../src/storage/migrate.js';

let storage: QueryRunner;
const dir = mkdtempSync(join(tmpdir(), 'dead-letter-'));
const dlq = join(dir, 'dead-letter');
const NOW = BigInt(Date.now()) * 1_000_000n;
const options = { maxPartitions: 100, batchRows: 1000 };

beforeAll(async () => {
  storage = await createStorage({ database: 'default', dataDir: join(dir, 'data') });
  await migrate(storage, { ttl_days: 400 });
});
afterAll(async () => {
  await storage.close();
});

function call(id: string, tenant: string, startNs: bigint): LlmCall {
  return {
    ...emptyCall(),
    call_id: id,
    trace_id: `trace-${id}`,
    tenant,
    start_time_ns: startNs,
    end_time_ns: startNs,
    cost_total: '0.25',
  };
}

async function stored(id: string): Promise<number> {
  const rows = await storage.query<{ n: string }>(
    'SELECT count() AS n FROM llm_calls WHERE call_id = {id:String}',
    { id },
  );
  return Number(rows[0]?.n);
}

describe('dead-letter directory', () => {
  it('keeps a refused row with its reason, replays it only once it is fixed, never twice', async () => {
    const writer = new Writer(
      storage,
      { batchRows: 1000, flushIntervalMs: 10, maxRetries: 1, deadLetterDir: dlq },
      createLogger('silent'),
    );
    const y2500 = BigInt(Date.UTC(2500, 0, 1)) * 1_000_000n;
    writer.enqueue([call('good', 'acme', NOW), call('poison', 'globex', y2500)], []);
    await writer.flush();
    expect(await stored('good')).toBe(1);

    const [file] = readDeadLetters(dlq);
    expect(file?.entries.map((e) => [e.id, e.name, e.seq])).toEqual([
      ['poison', 'CANNOT_PARSE_DATETIME', 0],
    ]);
    const listing = formatDeadLetters(readDeadLetters(dlq));
    expect(listing).toContain('poison');
    expect(listing).toContain('tenant="globex"');
    expect(listing).toContain('CANNOT_PARSE_DATETIME (41)');
    expect(listing).toContain('1 row(s) in 1 file(s)');

    // Still refused: kept, with a fresh reason, nothing inserted.
    expect(await replayDeadLetters(storage, dlq, options)).toEqual({
      files: 1,
      replayed: 0,
      alreadyStored: 0,
      stillRefused: 1,
    });
    expect(readDeadLetters(dlq)[0]?.entries).toHaveLength(1);
    expect(await stored('poison')).toBe(0);

    // An operator fixes the row (here: the time it should have had) and replays.
    const path = join(dlq, file?.file ?? '');
    const entry = JSON.parse(readFileSync(path, 'utf8').trim()) as DeadLetterEntry;
    entry.row.start_time = nsToDateTime64(NOW);
    entry.row.end_time = nsToDateTime64(NOW);
    writeFileSync(path, `${JSON.stringify(entry)}\n`);
    expect(await replayDeadLetters(storage, dlq, options)).toMatchObject({
      replayed: 1,
      stillRefused: 0,
    });
    expect(readdirSync(dlq)).toEqual([]);
    expect(await stored('poison')).toBe(1);

    // Replaying the same file again (e.g. a crash before it was removed) inserts nothing.
    writeFileSync(path, `${JSON.stringify(entry)}\n`);
    expect(await replayDeadLetters(storage, dlq, options)).toMatchObject({
      replayed: 0,
      alreadyStored: 1,
    });
    expect(await stored('poison')).toBe(1);
    expect(readdirSync(dlq)).toEqual([]);
  }, 60_000);

  it('keeps lines it cannot read and replays only the named file', async () => {
    const sub = join(dir, 'dl-files');
    const writer = new Writer(
      storage,
      { batchRows: 1000, flushIntervalMs: 10, maxRetries: 1, deadLetterDir: sub },
      createLogger('silent'),
    );
    const bad = BigInt(Date.UTC(2600, 0, 1)) * 1_000_000n;
    writer.enqueue([call('x1', 't', bad)], []);
    await writer.flush();
    writer.enqueue([call('x2', 't', bad)], []);
    await writer.flush();
    const files = readDeadLetters(sub).map((f) => f.file);
    expect(files).toHaveLength(2);
    writeFileSync(
      join(sub, files[0] ?? ''),
      `${readFileSync(join(sub, files[0] ?? ''), 'utf8')}not json\n`,
    );
    const summary = await replayDeadLetters(storage, sub, { ...options, file: files[0] ?? '' });
    expect(summary).toMatchObject({ files: 1, stillRefused: 1 });
    expect(readDeadLetters(sub)[0]?.unreadable).toEqual(['not json']);
  }, 60_000);
});
