// Chaos: a decompression bomb against the real service in its own process (`llm-finops
// start`), so its memory can be read from /proc. 3.5 MiB of gzip inflating to ~58 MiB of OTLP
// JSON with 1.4M attributes used to be decoded in full and grew the process by 800 MiB; the
// budget counted only wire bytes. Now the decoded size is counted before decoding: 413 with
// gRPC RESOURCE_EXHAUSTED, the peak resident memory grows by about the inflated body only, and
// the service keeps storing what it acknowledges.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genAiAttrs, otlpBody, sleep } from '../helpers/chaos-edge.js';
import { postJson, requestJson, spanJson } from '../helpers/otlp.js';
import { E2E_PRICES, eventually } from '../helpers/runtime.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MiB = 1024 * 1024;
/** What the process may grow by for a refused bomb: the inflated body plus slack, far from 800. */
const MAX_GROWTH_MIB = 200;

let pid = 0;
let otlpUrl = '';
let apiUrl = '';
let stop: () => Promise<unknown> = () => Promise.resolve();

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        resolve(typeof address === 'object' && address !== null ? address.port : 0),
      );
    });
  });
}

/** Resident and peak resident memory of the service, in MiB (Linux /proc). */
function memoryMiB(): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number =>
    Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

beforeAll(async () => {
  const [otlpPort, apiPort] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/llm-finops.js'),
      'start',
      '--data-dir',
      mkdtempSync(join(tmpdir(), 'llm-finops-bomb-')),
      '--otlp-port',
      String(otlpPort),
      '--otlp-grpc-port',
      '0',
      '--api-port',
      String(apiPort),
      '--prices',
      E2E_PRICES,
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'ignore'],
      env: { ...process.env, LOG_LEVEL: 'error' },
    },
  );
  const exited = new Promise((resolve) => child.on('exit', resolve));
  stop = async () => {
    child.kill('SIGTERM');
    return exited;
  };
  pid = child.pid ?? 0;
  otlpUrl = `http://127.0.0.1:${otlpPort}/v1/traces`;
  apiUrl = `http://127.0.0.1:${apiPort}`;
  const up = await eventually(
    () =>
      fetch(`${apiUrl}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    (ok) => ok,
    60_000,
  );
  expect(up).toBe(true);
}, 90_000);
afterAll(async () => stop());

/** ~58 MiB of OTLP JSON, 1400 spans x 1000 attributes, gzipped to a few MiB. */
function bomb(): Buffer {
  const spans: string[] = [];
  for (let s = 0; s < 1400; s += 1) {
    const span = JSON.stringify(spanJson({ attributes: genAiAttrs('bomb') }));
    const attrs = Array.from(
      { length: 1000 },
      (_, a) => `{"key":"k${a}","value":{"stringValue":"v${s}"}}`,
    );
    spans.push(span.replace('"attributes":[', `"attributes":[${attrs.join(',')},`));
  }
  return gzipSync(
    Buffer.from(`{"resourceSpans":[{"scopeSpans":[{"spans":[${spans.join(',')}]}]}]}`),
  );
}

const callsOf = async (tenant: string): Promise<number> => {
  const from = new Date(Date.now() - 3_600_000).toISOString();
  const to = new Date(Date.now() + 3_600_000).toISOString();
  const res = await fetch(`${apiUrl}/v1/costs?from=${from}&to=${to}&tenant=${tenant}`);
  const body = (await res.json()) as { rows: { calls: number }[] };
  return body.rows[0]?.calls ?? 0;
};

describe('decompression bomb', () => {
  it('is refused with 413 before decoding, and the process does not grow by hundreds of MiB', async () => {
    // Built first: seconds of synchronous gzip between two requests starve the client's sockets.
    const body = bomb();
    expect(body.length).toBeLessThan(5 * MiB);
    const warm = await postJson(
      otlpUrl,
      requestJson([spanJson({ attributes: genAiAttrs('warm') })]),
    );
    expect(warm.status).toBe(200);
    expect(
      await eventually(
        () => callsOf('warm'),
        (n) => n === 1,
      ),
    ).toBe(1);
    await sleep(500);
    const before = memoryMiB();
    const res = await fetch(otlpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body,
    });
    expect(res.status).toBe(413);
    // Refused after the whole body was read: the connection stays usable.
    expect(res.headers.get('connection')).not.toBe('close');
    const answer = await otlpBody(res);
    expect(answer.code).toBe(8); // RESOURCE_EXHAUSTED
    expect(answer.message).toMatch(/collector\.max_decoded_bytes/);
    const after = memoryMiB();
    const growth = after.peak - before.rss;
    console.log(
      `bomb: rss before ${before.rss.toFixed(0)} MiB, peak after ${after.peak.toFixed(0)} MiB, growth ${growth.toFixed(0)} MiB`,
    );
    expect(growth).toBeLessThan(MAX_GROWTH_MIB);
    expect(await callsOf('bomb')).toBe(0);
  }, 60_000);

  it('keeps storing what it acknowledges afterwards', async () => {
    const spans = Array.from({ length: 5 }, () =>
      spanJson({ attributes: genAiAttrs('after-bomb') }),
    );
    expect((await postJson(otlpUrl, requestJson(spans))).status).toBe(200);
    expect(
      await eventually(
        () => callsOf('after-bomb'),
        (n) => n === 5,
      ),
    ).toBe(5);
  });
});
