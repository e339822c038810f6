// Chaos: a row the store refuses, against the real service (real HTTP, embedded chDB). Admission
// at the edge keeps out what the schema cannot hold (a span dated 2500 is rejected there: see
// chaos-admission); this is the last line behind it: a row the store itself refuses (here a
// CHECK constraint the table is given) arrives among other tenants' calls. Everyone
// else's acknowledged calls are stored exactly, the poison row waits in the dead-letter directory
// with the engine's reason (readable with the CLI), nothing stalls, and a restart does not replay
// it into a stall. And 101 months in one request land without tripping the partition limit.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDeadLetters } from '../../src/collector/dead-letter.js';
import { postJson, requestJson } from '../helpers/otlp.js';
import {
  callId,
  callSpan,
  cli,
  metric,
  startOn,
  storedIds,
  until,
  type ChaosRuntime,
} from '../helpers/chaos.js';

const dataDir = mkdtempSync(join(tmpdir(), 'chaos-poison-'));
// Ten years of TTL and of admission window so 101 months back are kept (the store drops rows
// past their TTL on insert; admission rejects spans older than its window).
const TTL = 3650;
const COLLECTOR = { admission: { max_age_days: TTL } };
let t: ChaosRuntime;

beforeAll(async () => {
  t = await startOn(dataDir, COLLECTOR, { ttlDays: TTL });
  // A real refusal by the real engine, for one tenant's rows only.
  await t.runtime.storage.command(
    "ALTER TABLE llm_calls ADD CONSTRAINT no_umbrella CHECK tenant != 'umbrella'",
  );
});
afterAll(async () => {
  await t.runtime.stop();
});

const tenants = ['acme', 'globex', 'initech'];

describe('a poison row among other tenants', () => {
  const acked: string[] = [];
  let poison = '';

  it('stores every other acknowledged call and dead-letters only the poison row', async () => {
    const spans = tenants.flatMap((tenant) => Array.from({ length: 20 }, () => callSpan(tenant)));
    const bad = callSpan('umbrella');
    poison = callId(bad);
    spans.splice(30, 0, bad);
    const res = await postJson(t.otlpUrl, requestJson(spans));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({}); // acknowledged whole: admission has no reason to refuse it
    acked.push(...spans.filter((s) => s !== bad).map(callId));

    const stored = await until(
      () => storedIds(t.runtime, tenants),
      (ids) => ids.length >= acked.length,
    );
    expect(stored).toEqual([...acked].sort());
    expect(await storedIds(t.runtime, ['umbrella'])).toEqual([]);

    // The batch's good rows commit first; its refused row is written out right after.
    const entries = await until(
      () =>
        Promise.resolve(readDeadLetters(join(dataDir, 'dead-letter')).flatMap((f) => f.entries)),
      (found) => found.length > 0,
    );
    expect(entries.map((e) => [e.id, e.table, e.name])).toEqual([
      [poison, 'llm_calls', 'VIOLATED_CONSTRAINT'],
    ]);
    expect(entries[0]?.reason).toMatch(/^VIOLATED_CONSTRAINT \(469\): .*no_umbrella/);
  }, 60_000);

  it('keeps answering: later calls commit at once, /readyz stays 200, reads answer', async () => {
    const spans = tenants.map((tenant) => callSpan(tenant));
    expect((await postJson(t.otlpUrl, requestJson(spans))).status).toBe(200);
    acked.push(...spans.map(callId));
    const stored = await until(
      () => storedIds(t.runtime, tenants),
      (ids) => ids.length >= acked.length,
    );
    expect(stored).toEqual([...acked].sort());
    expect((await fetch(`${t.apiUrl}/readyz`)).status).toBe(200);
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const costs = await fetch(`${t.apiUrl}/v1/costs?from=${from}&to=${to}&group_by=tenant`);
    expect(costs.status).toBe(200);
    const metrics = await (await fetch(`${t.apiUrl}/metrics`)).text();
    expect(metric(metrics, 'llm_finops_collector_dead_lettered_total')).toBe(1);
    expect(metric(metrics, 'llm_finops_collector_writer_stalled')).toBe(0);
  }, 60_000);

  it('shows the poison row in `llm-finops dead-letter list`', () => {
    const list = cli(['dead-letter', 'list', '--data-dir', dataDir]);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toContain(poison);
    expect(list.stdout).toContain('tenant="umbrella"');
    expect(list.stdout).toContain('VIOLATED_CONSTRAINT (469)');
    const json = cli(['dead-letter', 'list', '--data-dir', dataDir, '--json']);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string });
    expect(lines.map((l) => l.id)).toEqual([poison]);
  }, 60_000);

  it('after a restart: the poison row is not replayed into a stall, replay keeps it refused', async () => {
    await t.runtime.stop();
    // The CLI opens the embedded store itself: with chDB, one process owns the data directory.
    const replay = cli(['dead-letter', 'replay', '--data-dir', dataDir]);
    expect(replay.stdout, replay.stderr).toContain(
      'replayed 0 row(s), 0 already stored, 1 still refused (kept)',
    );
    expect(replay.status).toBe(3);
    t = await startOn(dataDir, COLLECTOR, { ttlDays: TTL });
    const spans = tenants.map((tenant) => callSpan(tenant));
    expect((await postJson(t.otlpUrl, requestJson(spans))).status).toBe(200);
    acked.push(...spans.map(callId));
    const stored = await until(
      () => storedIds(t.runtime, tenants),
      (ids) => ids.length >= acked.length,
    );
    expect(stored).toEqual([...acked].sort()); // exactly once each, across the restart
    expect((await fetch(`${t.apiUrl}/readyz`)).status).toBe(200);
    const entries = readDeadLetters(join(dataDir, 'dead-letter')).flatMap((f) => f.entries);
    expect(entries.map((e) => e.id)).toEqual([poison]);
  }, 120_000);
});

describe('101 months in one request', () => {
  it('stores every acknowledged call: inserts stay under the partition limit', async () => {
    const now = new Date();
    const spans = Array.from({ length: 101 }, (_, m) =>
      callSpan('months', Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - m, 1, 12)),
    );
    const res = await postJson(t.otlpUrl, requestJson(spans));
    expect(res.status).toBe(200);
    const stored = await until(
      () => storedIds(t.runtime, ['months']),
      (ids) => ids.length >= 101,
    );
    expect(stored).toEqual(spans.map(callId).sort());
    const rows = await t.runtime.storage.query(
      "SELECT uniqExact(toYYYYMM(start_time)) AS months FROM llm_calls WHERE tenant = 'months'",
    );
    expect(rows).toEqual([{ months: '101' }]);
    expect(readDeadLetters(join(dataDir, 'dead-letter')).flatMap((f) => f.entries)).toHaveLength(1);
    expect((await fetch(`${t.apiUrl}/readyz`)).status).toBe(200);
  }, 180_000);
});
