// Chaos: a failing disk and a failing store, against the real service (real HTTP, embedded
// chDB). Disk faults are injected under the spool through its file seam (ENOSPC on write, a
// short write, EIO on fsync), since a test cannot portably fill a real disk. Each fault answers
// 503 + Retry-After and loses nothing acknowledged; a store that refuses every insert turns
// /readyz 503 (with a metric) while reads keep answering; shutdown is bounded; a byte flipped
// mid-spool costs that one record and the rest replays and commits once the store recovers.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenSegment } from '../../src/collector/spool.js';
import { postJson, requestJson } from '../helpers/otlp.js';
import {
  callId,
  callSpan,
  metric,
  startOn,
  storedIds,
  until,
  type ChaosRuntime,
} from '../helpers/chaos.js';

type Fault = 'enospc' | 'short' | 'eio' | undefined;
const fault: { mode: Fault } = { mode: undefined };

const errno = (code: string) => Object.assign(new Error(`${code}: injected`), { code });

/** Real segment files; the fault in `fault.mode` applies to every write or fsync while set. */
const openSpoolSegment: OpenSegment = async (path) => {
  const real = await open(path, 'a');
  return {
    async write(buffer) {
      if (fault.mode === 'enospc') {
        await real.write(buffer.subarray(0, 7)); // a full disk may take part of it first
        throw errno('ENOSPC');
      }
      if (fault.mode === 'short') return real.write(buffer.subarray(0, buffer.length >> 1));
      return real.write(buffer);
    },
    async sync() {
      if (fault.mode === 'eio') throw errno('EIO');
      await real.sync();
    },
    truncate: (length) => real.truncate(length),
    close: () => real.close(),
  };
};

const dataDir = mkdtempSync(join(tmpdir(), 'chaos-disk-'));
const collector = {
  drain_timeout_s: 2,
  retry_after_s: 3,
  writer: { stall_timeout_s: 1, max_backoff_ms: 200, read_wait_ms: 10_000 },
};
let t: ChaosRuntime;

beforeAll(async () => {
  t = await startOn(dataDir, collector, { openSpoolSegment });
});
afterAll(async () => {
  await t.runtime.stop();
});

async function post(tenant: string, n = 5, again?: ReturnType<typeof callSpan>[]) {
  const spans = again ?? Array.from({ length: n }, () => callSpan(tenant));
  const res = await postJson(t.otlpUrl, requestJson(spans));
  const body = await res.text();
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body,
    ids: spans.map(callId),
    spans,
  };
}

const range = () =>
  `from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 3_600_000).toISOString()}`;

/** Calls of tenant `disk` acknowledged with 200. */
const ackedDisk: string[] = [];

describe('disk faults under the spool', () => {
  it('answers ENOSPC, a short write and EIO on fsync with 503 + Retry-After; loses nothing acknowledged', async () => {
    const acked = ackedDisk;
    const refused: string[] = [];
    const refusedSpans: ReturnType<typeof callSpan>[][] = [];
    for (const mode of ['enospc', 'short', 'eio'] as const) {
      acked.push(...(await post('disk')).ids); // healthy before
      fault.mode = mode;
      for (let i = 0; i < 3; i += 1) {
        const r = await post('disk');
        expect(r.status, `${mode}: ${r.body}`).toBe(503);
        expect(r.retryAfter).toBe('3');
        expect(r.body).toMatch(/cannot write the ingest spool/);
        refused.push(...r.ids);
        if (mode === 'eio') refusedSpans.push(r.spans);
        // The API keeps answering while the disk fails.
        expect((await fetch(`${t.apiUrl}/v1/costs?${range()}`)).status).toBe(200);
      }
      fault.mode = undefined;
      acked.push(...(await post('disk')).ids); // healthy after
    }
    // The client's retries of the requests refused at fsync are stored: a refused request left
    // no trace behind (its call ids were not taken as seen).
    for (const spans of refusedSpans) {
      const r = await post('disk', 0, spans);
      expect(r.status, r.body).toBe(200);
      acked.push(...r.ids);
    }
    const stored = await until(
      () => storedIds(t.runtime, ['disk']),
      (ids) => ids.length >= acked.length,
    );
    expect(stored).toEqual([...acked].sort()); // acked = stored, exactly; nothing refused got in
    expect(stored.filter((id) => refused.slice(0, 30).includes(id))).toEqual([]);
    const metrics = await (await fetch(`${t.apiUrl}/metrics`)).text();
    expect(metric(metrics, 'llm_finops_collector_spool_write_errors_total')).toBe(9);
    expect(refused).toHaveLength(45);
  }, 120_000);
});

describe('a store that refuses every insert', () => {
  const acked: string[] = [];

  it('turns /readyz 503 with the reason while reads keep answering, and stops within the drain bound', async () => {
    // A real refusal: once a partition has a part, the engine throws TOO_MANY_PARTS (retryable).
    await t.runtime.storage.command(
      'ALTER TABLE llm_calls MODIFY SETTING parts_to_throw_insert = 1',
    );
    for (let i = 0; i < 5; i += 1) {
      const r = await post('stalled', 4);
      expect(r.status).toBe(200);
      acked.push(...r.ids);
    }
    const ready = await until(
      () =>
        fetch(`${t.apiUrl}/readyz`).then(async (r) => ({ status: r.status, body: await r.text() })),
      (r) => r.status === 503,
    );
    expect(ready.status).toBe(503);
    expect(ready.body).toMatch(
      /ingest stalled: nothing committed for \d+ s while \d+ rows wait; last error: TOO_MANY_PARTS \(252\)/,
    );
    const metrics = await (await fetch(`${t.apiUrl}/metrics`)).text();
    expect(metric(metrics, 'llm_finops_collector_writer_stalled')).toBe(1);
    expect(metric(metrics, 'llm_finops_collector_uncommitted_seconds')).toBeGreaterThanOrEqual(1);

    // Reads used to flush the writer first and hang with it; now they answer at once.
    const started = Date.now();
    const costs = await fetch(`${t.apiUrl}/v1/costs?${range()}&group_by=tenant`);
    expect(costs.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000); // well under read_wait_ms (10 s)

    expect(await storedIds(t.runtime, ['stalled'])).toEqual([]); // the store took nothing

    const stopping = Date.now();
    await t.runtime.stop();
    // drain_timeout_s is 2: the receiver closes, the writer gives up, the store closes.
    expect(Date.now() - stopping).toBeLessThan(6_000);
  }, 120_000);

  it('a byte flipped mid-spool skips that record; the rest replays and commits once the store recovers', async () => {
    const spool = join(dataDir, 'spool');
    const segments = readdirSync(spool)
      .filter((f) => f.startsWith('seg-'))
      .sort();
    // Find the segment holding the 'stalled' records and flip one byte inside the third record.
    const segment = segments.find((f) => readFileSync(join(spool, f)).includes('"stalled"'));
    expect(segment).toBeDefined();
    const path = join(spool, segment ?? '');
    const data = readFileSync(path);
    // Each request carries its tenant once per span (4 spans): the 9th mention is in the 3rd.
    let at = -1;
    for (let i = 0; i < 9; i += 1) at = data.indexOf('"stalled"', at + 1);
    data.writeUInt8(data.readUInt8(at + 2) ^ 0x01, at + 2);
    writeFileSync(path, data);
    const lost = new Set(acked.slice(8, 12)); // the third request's 4 calls

    t = await startOn(dataDir, collector, { openSpoolSegment });
    await t.runtime.storage.command(
      'ALTER TABLE llm_calls MODIFY SETTING parts_to_throw_insert = 3000',
    );
    const expected = acked.filter((id) => !lost.has(id)).sort();
    const stored = await until(
      () => storedIds(t.runtime, ['stalled']),
      (ids) => ids.length >= expected.length,
      30_000,
    );
    expect(stored).toEqual(expected);
    const metrics = await (await fetch(`${t.apiUrl}/metrics`)).text();
    expect(metric(metrics, 'llm_finops_collector_spool_corrupt_records_total')).toBe(1);
    // The records refused under EIO reached the file but were never acknowledged: a restart
    // must not replay them either.
    expect(await storedIds(t.runtime, ['disk'])).toEqual([...ackedDisk].sort());
    expect(
      await until(
        () => fetch(`${t.apiUrl}/readyz`).then((r) => r.status),
        (s) => s === 200,
      ),
    ).toBe(200);
  }, 120_000);
});
