// The OpenAPI document is the routes' own validating schemas: every /v1 route mounted in the
// express app is built from a spec (ApiRoutes) and documented, every documented path is
// mounted, and what the document says about each parameter is what validation enforces
// (a documented maximum, enum, length or required parameter is refused past its bound, and an
// undocumented parameter is refused). Answers are checked against the response schemas in
// every integration suite (checkResponses); here the document also declares them. The probes
// outside /v1 (/healthz, /readyz, /metrics) are documented with their own security: none for
// the probes, the metrics key on /metrics exactly when one is configured.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/analytics/http/app.js';
import { ROUTE_SPEC } from '../../src/analytics/http/route.js';
import { createAnalyticsServices } from '../../src/analytics/services.js';
import { parseConfig } from '../../src/shared/config.js';
import { sha256Hex } from '../../src/shared/keys.js';
import { createLogger } from '../../src/shared/logger.js';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.js';

interface Param {
  name: string;
  in: string;
  required?: boolean;
  schema: { type?: string; enum?: string[]; maximum?: number; maxLength?: number };
}
interface Operation {
  summary?: string;
  parameters?: Param[];
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components?: {
    securitySchemes?: Record<string, { type: string; scheme?: string }>;
    schemas?: Record<string, unknown>;
  };
  security?: Record<string, string[]>[];
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean>; stack: { handle: unknown }[] };
  handle?: { stack?: Layer[] };
}

/** Every route mounted in the app, with the handlers it runs. */
function mounted(stack: Layer[]): { key: string; handlers: unknown[] }[] {
  return stack.flatMap((layer) => {
    if (layer.route !== undefined) {
      const { path, methods, stack: handlers } = layer.route;
      return Object.keys(methods).map((m) => ({
        key: `${m} ${path}`,
        handlers: handlers.map((h) => h.handle),
      }));
    }
    return layer.handle?.stack !== undefined ? mounted(layer.handle.stack) : [];
  });
}

let t: TestRuntime;
let app: express.Express;
let server: Server;
let url = '';
let doc: Doc;

beforeAll(async () => {
  t = await startTestRuntime();
  app = createApp({
    ...createAnalyticsServices({ storage: t.runtime.storage, logger: createLogger('silent') }),
    checkResponses: true,
  });
  server = app.listen(0);
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  doc = (await (await fetch(`${url}/v1/openapi.json`)).json()) as Doc;
});
afterAll(async () => {
  server.close();
  await t.runtime.stop();
});

const v1Paths = (d: Doc): [string, Record<string, Operation>][] =>
  Object.entries(d.paths).filter(([path]) => path.startsWith('/v1/'));

const documented = (): string[] =>
  v1Paths(doc).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));

describe('routes and the OpenAPI document', () => {
  it('every /v1 route is built from a spec, and mounted and documented routes are the same set', () => {
    const routes = mounted((app as unknown as { router: { stack: Layer[] } }).router.stack).filter(
      (r) => r.key.includes(' /v1/') && r.key !== 'get /v1/openapi.json',
    );
    expect(routes.length).toBeGreaterThanOrEqual(18);
    for (const r of routes)
      expect(
        r.handlers.some((h) => typeof h === 'function' && ROUTE_SPEC in h),
        `${r.key} is mounted without a spec: its validation would not be what is documented`,
      ).toBe(true);
    expect(routes.map((r) => r.key).sort()).toEqual(documented().sort());
  });

  it('declares the bearer scheme, 401/403/429 and a response schema on every route', () => {
    expect(doc.components?.securitySchemes?.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    expect(doc.security).toContainEqual({ bearerAuth: [] });
    for (const [path, ops] of v1Paths(doc))
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${path}`;
        for (const status of ['400', '401', '403', '429'])
          expect(op.responses[status], `${where} ${status}`).toBeDefined();
        const ok = op.responses['200'] ?? op.responses['202'];
        const content = Object.values(ok?.content ?? {});
        expect(content.length, `${where} has no success body`).toBeGreaterThan(0);
        for (const c of content) expect(c.schema, `${where} response schema`).toBeDefined();
      }
  });

  it('documents parameters as they are validated: typed, bounded, enumerated, required', async () => {
    const limit = doc.paths['/v1/alerts']?.get?.parameters?.find((p) => p.name === 'limit');
    // Once documented as a string while validated as an int; now it is the validating schema.
    expect(limit?.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 5000 });
    const from = '2026-11-01T00:00:00Z';
    const to = '2026-11-02T00:00:00Z';
    let probes = 0;
    for (const [path, ops] of v1Paths(doc)) {
      const params = (ops.get?.parameters ?? []).filter((p) => p.in === 'query');
      if (ops.get === undefined) continue;
      const base = new URLSearchParams();
      for (const p of params) {
        if (p.name === 'from') base.set('from', from);
        else if (p.name === 'to') base.set('to', to);
        else if (p.required === true) throw new Error(`${path}: no sample for ${p.name}`);
      }
      const refused = async (name: string, query: URLSearchParams, why: string) => {
        const res = await fetch(`${url}${path}?${query.toString()}`);
        const body = (await res.json()) as { parameter?: string };
        expect([res.status, body.parameter], `${path}: ${why}`).toEqual([400, name]);
        probes += 1;
      };
      await refused('zz_undocumented', withParam(base, 'zz_undocumented', '1'), 'undocumented');
      for (const p of params) {
        const s = p.schema;
        if (p.required === true) {
          const without = new URLSearchParams(base);
          without.delete(p.name);
          await refused(p.name, without, `${p.name} is documented as required`);
        }
        if (s.maximum !== undefined)
          await refused(p.name, withParam(base, p.name, String(s.maximum + 1)), `${p.name} max`);
        if (s.type === 'integer')
          await refused(p.name, withParam(base, p.name, '1.5'), `${p.name} is an integer`);
        if (s.enum !== undefined)
          await refused(p.name, withParam(base, p.name, 'zz-not-listed'), `${p.name} enum`);
        if (s.maxLength !== undefined)
          await refused(p.name, withParam(base, p.name, 'x'.repeat(s.maxLength + 1)), p.name);
      }
    }
    expect(probes).toBeGreaterThan(40);
  });
});

describe('probes in the OpenAPI document', () => {
  it('documents /healthz, /readyz and /metrics, open when no metrics key is set', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const op = doc.paths[path]?.get;
      expect(op, path).toBeDefined();
      // An empty list: the document-wide bearer requirement does not apply.
      expect(op?.security, path).toEqual([]);
      expect(op?.responses['401'], `${path} 401`).toBeUndefined();
    }
    const health = doc.paths['/healthz']?.get?.responses['200']?.content?.['application/json'];
    expect(health?.schema).toMatchObject({ properties: { status: { enum: ['ok'] } } });
    const ready = doc.paths['/readyz']?.get?.responses;
    expect(Object.keys(ready ?? {}).sort()).toEqual(['200', '503']);
    expect(ready?.['503']?.content?.['application/json']?.schema).toMatchObject({
      properties: { status: { enum: ['ready', 'not_ready'] }, reason: { type: 'string' } },
    });
    const metrics = doc.paths['/metrics']?.get?.responses['200']?.content;
    expect(Object.keys(metrics ?? {})).toEqual(['text/plain; version=0.0.4']);

    // And they answer what is documented (checkResponses validates the JSON bodies too).
    const got = await Promise.all(['/healthz', '/readyz', '/metrics'].map((p) => fetch(url + p)));
    expect(got.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await got[0]?.json()).toEqual({ status: 'ok' });
    expect(await got[1]?.json()).toEqual({ status: 'ready' });
    expect(got[2]?.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await got[2]?.text()).toMatch(/^# HELP /m);
  });

  it('documents the metrics key on /metrics (and its 401) when one is configured', async () => {
    const key = 'metrics-key-for-openapi-01';
    const keyed = createApp({
      ...createAnalyticsServices({
        storage: t.runtime.storage,
        logger: createLogger('silent'),
        config: parseConfig({ security: { metrics_key_sha256: sha256Hex(key) } }),
      }),
      checkResponses: true,
    });
    const s = keyed.listen(0);
    await new Promise((r) => s.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
      const keyedDoc = (await (await fetch(`${base}/v1/openapi.json`)).json()) as Doc;
      const op = keyedDoc.paths['/metrics']?.get;
      expect(op?.security).toEqual([{ metricsKey: [] }]);
      expect(keyedDoc.components?.securitySchemes?.metricsKey).toMatchObject({
        type: 'http',
        scheme: 'bearer',
      });
      expect(op?.responses['401']).toBeDefined();
      // The probes stay open.
      expect(keyedDoc.paths['/healthz']?.get?.security).toEqual([]);
      const without = await fetch(`${base}/metrics`);
      expect(without.status).toBe(401);
      await without.arrayBuffer();
      const withKey = await fetch(`${base}/metrics`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(withKey.status).toBe(200);
      await withKey.arrayBuffer();
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      s.close();
    }
  });
});

function withParam(base: URLSearchParams, name: string, value: string): URLSearchParams {
  const q = new URLSearchParams(base);
  q.set(name, value);
  return q;
}
