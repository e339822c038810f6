// Secure by default, against the real service: `llm-finops start` (a child process) refuses to
// listen beyond loopback without keys and exits non-zero naming what to set; `--insecure` starts
// but says so in its log and on /healthz; keys given as ${env:...} references satisfy the guard
// and reach the forwarder without ever being logged. In process: auth path checks follow
// express's case-insensitive routing, and /metrics takes an optional key.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createHttpServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/shared/keys.js';
import { GEN_AI } from '../../src/shared/semconv.js';
import { E2E_PRICES, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { postJson, requestJson, spanJson } from '../helpers/otlp.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

interface Child {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startCli(args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, [join(ROOT, 'bin/llm-finops.js'), 'start', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

async function waitUp(url: string, c: Child): Promise<Response> {
  for (let i = 0; i < 600; i += 1) {
    if (c.child.exitCode !== null) throw new Error(`exited early:\n${c.stderr()}`);
    try {
      return await fetch(url);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`did not start:\n${c.stderr()}`);
}

async function stop(c: Child): Promise<number | null> {
  c.child.kill('SIGTERM');
  return c.exited;
}

const span = () =>
  spanJson({
    attributes: {
      [GEN_AI.OPERATION_NAME]: 'chat',
      [GEN_AI.PROVIDER_NAME]: 'openai',
      [GEN_AI.REQUEST_MODEL]: 'gpt-4o',
      [GEN_AI.USAGE_INPUT_TOKENS]: 10,
      [GEN_AI.USAGE_OUTPUT_TOKENS]: 2,
    },
  });

describe('llm-finops start beyond loopback', () => {
  it('refuses without keys, exits non-zero and names the keys and the flag', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lf-refuse-'));
    const c = startCli(['--host', '0.0.0.0', '--data-dir', dataDir]);
    const code = await c.exited;
    expect(code).not.toBe(0);
    expect(c.stderr()).toContain('refusing to listen beyond loopback');
    expect(c.stderr()).toContain('security.ingest_keys');
    expect(c.stderr()).toContain('security.api_keys');
    expect(c.stderr()).toContain('--insecure');
  });

  it('starts with --insecure, and says so in a warning line and on /healthz', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lf-insecure-'));
    const [otlp, api] = [await freePort(), await freePort()];
    const c = startCli([
      ...['--host', '0.0.0.0', '--insecure', '--data-dir', dataDir, '--prices', E2E_PRICES],
      ...['--otlp-port', String(otlp), '--otlp-grpc-port', '0', '--api-port', String(api)],
    ]);
    try {
      const res = await waitUp(`http://127.0.0.1:${api}/healthz`, c);
      const body = (await res.json()) as {
        status: string;
        insecure?: boolean;
        warnings?: string[];
      };
      expect(body.insecure).toBe(true);
      expect(body.warnings?.join('\n')).toMatch(/INSECURE: the collector listens on 0\.0\.0\.0/);
      expect(body.warnings?.join('\n')).toMatch(/INSECURE: the API listens on 0\.0\.0\.0/);
      const warns = c
        .stderr()
        .split('\n')
        .filter((l) => l.includes('"level":"warn"') && l.includes('INSECURE'));
      expect(warns).toHaveLength(2);
      // Insecure means what it says: no key is asked for.
      expect(
        (await postJson(`http://127.0.0.1:${otlp}/v1/traces`, requestJson([span()]))).status,
      ).toBe(200);
    } finally {
      expect(await stop(c)).toBe(0);
    }
  });

  it('starts with keys given as ${env:...} references; the forwarder gets its secret header, the log never sees it', async () => {
    const token = 'fwd-secret-token-5e4d3c2b1a';
    const ingestKey = 'lfo_ingest_test_key_0123456789';
    const adminKey = 'lfo_admin_test_key_0123456789';
    const seen: string[] = [];
    const downstream: Server = createHttpServer((req, res) => {
      seen.push(String(req.headers.authorization));
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((resolve) => downstream.listen(0, '127.0.0.1', resolve));
    const dir = mkdtempSync(join(tmpdir(), 'lf-refs-'));
    const config = join(dir, 'config.yaml');
    writeFileSync(join(dir, 'admin.sha256'), `${sha256Hex(adminKey)}\n`);
    writeFileSync(
      config,
      [
        'collector:',
        '  forward:',
        `    endpoint: http://127.0.0.1:${(downstream.address() as AddressInfo).port}/v1/traces`,
        '    headers: { authorization: "Bearer ${env:TEST_FWD_TOKEN}" }',
        'security:',
        '  ingest_keys: [{ name: edge, key_sha256: "${env:TEST_INGEST_SHA256}" }]',
        '  api_keys: [{ name: ops, role: admin, key_sha256: "${file:admin.sha256}" }]',
      ].join('\n'),
    );
    const [otlp, api] = [await freePort(), await freePort()];
    const c = startCli(
      [
        ...['--config', config, '--host', '0.0.0.0', '--data-dir', join(dir, 'data')],
        ...[
          '--prices',
          E2E_PRICES,
          '--otlp-port',
          String(otlp),
          '--otlp-grpc-port',
          '0',
          '--api-port',
          String(api),
        ],
      ],
      { TEST_FWD_TOKEN: token, TEST_INGEST_SHA256: sha256Hex(ingestKey), LOG_LEVEL: 'debug' },
    );
    try {
      const health = await waitUp(`http://127.0.0.1:${api}/healthz`, c);
      expect(await health.json()).toEqual({ status: 'ok' });
      const traces = `http://127.0.0.1:${otlp}/v1/traces`;
      expect((await postJson(traces, requestJson([span()]))).status).toBe(401);
      const auth = { authorization: `Bearer ${ingestKey}` };
      expect((await postJson(traces, requestJson([span()]), auth)).status).toBe(200);
      const range = `from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`;
      expect((await fetch(`http://127.0.0.1:${api}/v1/costs?${range}`)).status).toBe(401);
      const costs = await fetch(`http://127.0.0.1:${api}/v1/costs?${range}`, {
        headers: { authorization: `Bearer ${adminKey}` },
      });
      expect(costs.status).toBe(200);
      for (let i = 0; i < 100 && seen.length === 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(seen[0]).toBe(`Bearer ${token}`);
    } finally {
      expect(await stop(c)).toBe(0);
      downstream.close();
    }
    expect(c.stderr()).not.toContain(token);
    expect(c.stderr()).toContain('llm-finops started');
  });
});

const KEYS = {
  admin: 'admin-key-0123456789ab',
  alpha: 'tenant-alpha-key-01234',
  gateway: 'gateway-key-0123456789',
  metrics: 'metrics-key-0123456789',
};

describe('API auth paths and /metrics (in process)', () => {
  let t: TestRuntime;
  beforeAll(async () => {
    t = await startTestRuntime({
      security: {
        api_keys: [
          { name: 'admin', key_sha256: sha256Hex(KEYS.admin), role: 'admin' },
          { name: 'alpha', key_sha256: sha256Hex(KEYS.alpha), role: 'tenant', tenant: 'alpha' },
          { name: 'gw', key_sha256: sha256Hex(KEYS.gateway), role: 'gateway' },
        ],
        metrics_key_sha256: sha256Hex(KEYS.metrics),
      },
    });
  });
  afterAll(async () => {
    await t.runtime.stop();
  });
  const get = (path: string, key?: string): Promise<Response> =>
    fetch(
      `${t.apiUrl}${path}`,
      key !== undefined ? { headers: { authorization: `Bearer ${key}` } } : {},
    );

  it('keeps a tenant key off the routing paths however they are spelled', async () => {
    const spellings = [
      '/v1/routing/keys',
      '/V1/ROUTING/keys',
      '/v1/Routing/Keys',
      '/v1/routing/keys/',
      '/V1/ROUTING/KEYS/',
      '/v1/routing/versions',
      '/V1/routing/VERSIONS',
      '/v1/routing/feed',
      '/v1/ROUTING/feed?format=litellm',
      '/v1/routing//keys',
      '//v1/routing/keys',
      '/v1/%72outing/keys',
    ];
    for (const path of spellings) {
      const res = await get(path, KEYS.alpha);
      const text = await res.text();
      expect([403, 404], `${path}: ${res.status} ${text}`).toContain(res.status);
      expect(text, path).not.toContain('public_key_pem');
    }
    // Spellings express routes are refused by auth, not by luck.
    expect((await get('/V1/ROUTING/keys', KEYS.alpha)).status).toBe(403);
    expect((await get('/v1/routing/keys/', KEYS.alpha)).status).toBe(403);
  });

  it('gives a gateway key the routing paths in any case and nothing else', async () => {
    const keys = await get('/V1/ROUTING/keys', KEYS.gateway);
    expect(keys.status).toBe(200);
    expect(await keys.text()).toContain('public_key_pem');
    expect((await get('/v1/routing/keys/', KEYS.gateway)).status).toBe(200);
    expect((await get('/V1/COSTS', KEYS.gateway)).status).toBe(403);
    expect((await get('/v1/Alerts', KEYS.gateway)).status).toBe(403);
  });

  it('confines a tenant key on a write however the path is spelled', async () => {
    for (const path of ['/v1/outcomes', '/V1/OUTCOMES', '/v1/outcomes/']) {
      const res = await fetch(`${t.apiUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEYS.alpha}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          outcomes: [{ name: 'x', success: true, tenant: 'bravo', trace_id: 'a'.repeat(32) }],
        }),
      });
      expect(res.status, path).toBe(403);
    }
    const alerts = await fetch(`${t.apiUrl}/V1/ALERTS/test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.alpha}` },
    });
    expect(alerts.status).toBe(403);
  });

  it('asks for the metrics key on /metrics when one is configured', async () => {
    expect((await get('/metrics')).status).toBe(401);
    expect((await get('/METRICS')).status).toBe(401);
    expect((await get('/metrics', 'wrong-key')).status).toBe(401);
    // The metrics key is its own: an API key does not open it, nor does it open the API.
    expect((await get('/metrics', KEYS.admin)).status).toBe(401);
    expect((await get('/v1/costs', KEYS.metrics)).status).toBe(401);
    const ok = await get('/metrics', KEYS.metrics);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('llm_finops_api_request_duration_seconds');
    // Health stays open for probes, and a loopback process is not insecure.
    expect(await (await get('/healthz')).json()).toEqual({ status: 'ok' });
  });
});
