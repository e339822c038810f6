// Auth end to end: hashed keys, roles, tenant confinement on EVERY GET endpoint of the OpenAPI
// document (a tenant key never sees another tenant's rows), tenant-bound ingest keys, rate
// limits, and no CORS unless configured.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/shared/keys.js';
import { FINOPS, GEN_AI } from '../../src/shared/semconv.js';
import { eventually, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { postJson, requestJson, spanJson } from '../helpers/otlp.js';

const KEYS = {
  admin: 'admin-key-0123456789',
  reader: 'reader-key-0123456789',
  alpha: 'tenant-alpha-key-0123',
  gateway: 'gateway-key-012345678',
  ingestOpen: 'ingest-open-key-01234',
  ingestBound: 'ingest-bound-key-0123',
  ingestStrict: 'ingest-strict-key-012',
  slow: 'slow-ingest-key-01234',
};
const TENANT_A = 'tenant-alpha-7f3a';
const TENANT_B = 'tenant-bravo-9c2e';

let t: TestRuntime;
const from = new Date(Date.now() - 86_400_000).toISOString();
const to = new Date(Date.now() + 86_400_000).toISOString();

beforeAll(async () => {
  t = await startTestRuntime({
    security: {
      api_keys: [
        { name: 'admin', key_sha256: sha256Hex(KEYS.admin), role: 'admin' },
        { name: 'reader', key_sha256: sha256Hex(KEYS.reader), role: 'reader' },
        { name: 'alpha', key_sha256: sha256Hex(KEYS.alpha), role: 'tenant', tenant: TENANT_A },
        { name: 'gw', key_sha256: sha256Hex(KEYS.gateway), role: 'gateway' },
      ],
      ingest_keys: [
        { name: 'open', key_sha256: sha256Hex(KEYS.ingestOpen) },
        {
          name: 'bound',
          key_sha256: sha256Hex(KEYS.ingestBound),
          tenant: TENANT_B,
          tenant_mode: 'set',
        },
        {
          name: 'strict',
          key_sha256: sha256Hex(KEYS.ingestStrict),
          tenant: TENANT_A,
          tenant_mode: 'require',
        },
        { name: 'slow', key_sha256: sha256Hex(KEYS.slow), rate_limit_rps: 1 },
      ],
    },
  });
  const call = (tenant: string) =>
    spanJson({
      attributes: {
        [GEN_AI.OPERATION_NAME]: 'chat',
        [GEN_AI.PROVIDER_NAME]: 'openai',
        [GEN_AI.REQUEST_MODEL]: 'gpt-4o',
        [GEN_AI.USAGE_INPUT_TOKENS]: 10,
        [GEN_AI.USAGE_OUTPUT_TOKENS]: 2,
        [FINOPS.TENANT]: tenant,
        [FINOPS.ROUTE]: `/r-${tenant}`,
        [FINOPS.FEATURE]: `f-${tenant}`,
      },
    });
  const auth = { authorization: `Bearer ${KEYS.ingestOpen}` };
  expect(
    (await postJson(t.otlpUrl, requestJson([call(TENANT_A), call(TENANT_A)]), auth)).status,
  ).toBe(200);
  expect((await postJson(t.otlpUrl, requestJson([call(TENANT_B)]), auth)).status).toBe(200);
  await eventually(
    () => costs(KEYS.admin),
    (b) => JSON.stringify(b).includes(TENANT_B) && JSON.stringify(b).includes(TENANT_A),
  );
});
afterAll(async () => {
  await t.runtime.stop();
});

async function costs(key: string, query = 'group_by=tenant'): Promise<unknown> {
  const res = await fetch(`${t.apiUrl}/v1/costs?from=${from}&to=${to}&${query}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return res.json();
}

const get = (path: string, key?: string): Promise<Response> =>
  fetch(
    `${t.apiUrl}${path}`,
    key !== undefined ? { headers: { authorization: `Bearer ${key}` } } : {},
  );

describe('API keys and roles', () => {
  it('requires a key on /v1 but not on health', async () => {
    expect((await get(`/v1/costs?from=${from}&to=${to}`)).status).toBe(401);
    expect((await get(`/v1/costs?from=${from}&to=${to}`, 'wrong-key')).status).toBe(401);
    expect((await get('/healthz')).status).toBe(200);
  });

  it('lets a reader read but not write, and a gateway read only the routing feed', async () => {
    expect((await get(`/v1/costs?from=${from}&to=${to}`, KEYS.reader)).status).toBe(200);
    const write = await fetch(`${t.apiUrl}/v1/outcomes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.reader}`, 'content-type': 'application/json' },
      body: '{"outcomes":[]}',
    });
    expect(write.status).toBe(403);
    expect((await get(`/v1/costs?from=${from}&to=${to}`, KEYS.gateway)).status).toBe(403);
  });

  it('confines a tenant key on every GET endpoint of the OpenAPI document', async () => {
    const doc = (await (await get('/v1/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const paths = Object.entries(doc.paths)
      // The probes (/healthz, /readyz, /metrics) are documented too but hold no tenant data.
      .filter(([path, ops]) => path.startsWith('/v1/') && 'get' in ops)
      .map(([path]) => path);
    expect(paths).toContain('/v1/costs');
    for (const path of paths) {
      const base = `${path}?from=${from}&to=${to}`;
      const other = await get(`${base}&tenant=${TENANT_B}`, KEYS.alpha);
      expect(other.status, `${path} with another tenant`).toBe(403);
      const own = await get(base, KEYS.alpha);
      const text = await own.text();
      expect(text.includes(TENANT_B), `${path} leaked ${TENANT_B}: ${text.slice(0, 300)}`).toBe(
        false,
      );
      expect(own.status, `${path}: ${text.slice(0, 200)}`).toBeLessThan(500);
    }
    const mine = JSON.stringify(await costs(KEYS.alpha));
    expect(mine).toContain(TENANT_A);
  });
});

describe('tenant key writes', () => {
  const postOutcomes = (outcomes: unknown[]): Promise<Response> =>
    fetch(`${t.apiUrl}/v1/outcomes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.alpha}`, 'content-type': 'application/json' },
      body: JSON.stringify({ outcomes }),
    });

  it('refuses outcomes for another tenant and stamps its own on the rest', async () => {
    expect(
      (await postOutcomes([{ id: 'o-other', name: 'resolved', success: true, tenant: TENANT_B }]))
        .status,
    ).toBe(403);
    expect(
      (await postOutcomes([{ id: 'o-own', name: 'resolved', success: true }])).status,
    ).toBeLessThan(300);
    expect(
      await t.runtime.storage.query(
        "SELECT tenant FROM outcomes FINAL WHERE outcome_id IN ('o-own', 'o-other')",
      ),
    ).toEqual([{ tenant: TENANT_A }]);
  });
});

describe('ingest keys', () => {
  const span = (tenant?: string) =>
    spanJson({
      attributes: {
        [GEN_AI.OPERATION_NAME]: 'chat',
        [GEN_AI.PROVIDER_NAME]: 'openai',
        [GEN_AI.REQUEST_MODEL]: 'gpt-4o',
        [GEN_AI.USAGE_INPUT_TOKENS]: 1,
        [GEN_AI.USAGE_OUTPUT_TOKENS]: 1,
        ...(tenant
          ? { [FINOPS.TENANT]: tenant, [FINOPS.ROUTE]: '/ingest-key-test' }
          : { [FINOPS.ROUTE]: '/ingest-key-test' }),
      },
    });

  it('refuses ingest without a key', async () => {
    expect((await postJson(t.otlpUrl, requestJson([span(TENANT_A)]))).status).toBe(401);
  });

  it('stamps the bound tenant over what a span claims (set) and rejects a mismatch (require)', async () => {
    const bound = await postJson(t.otlpUrl, requestJson([span(TENANT_A)]), {
      authorization: `Bearer ${KEYS.ingestBound}`,
    });
    expect(bound.status).toBe(200);
    const strict = await postJson(t.otlpUrl, requestJson([span(TENANT_B), span(TENANT_A)]), {
      authorization: `Bearer ${KEYS.ingestStrict}`,
    });
    const body = (await strict.json()) as {
      partialSuccess?: { rejectedSpans: string; errorMessage: string };
    };
    expect(body.partialSuccess?.rejectedSpans).toBe('1');
    expect(body.partialSuccess?.errorMessage).toMatch(/not allowed for this ingest key/);
    const rows = await eventually(
      async () =>
        (
          (await costs(KEYS.admin, 'group_by=tenant,route')) as {
            rows: { tenant: string; route: string; calls: number }[];
          }
        ).rows.filter((r) => r.route === '/ingest-key-test'),
      (r) => r.length === 2,
    );
    expect(rows.map((r) => [r.tenant, r.calls]).sort()).toEqual([
      [TENANT_A, 1],
      [TENANT_B, 1],
    ]);
  });

  it('rate-limits a key with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const res = await postJson(t.otlpUrl, requestJson([]), {
        authorization: `Bearer ${KEYS.slow}`,
      });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses).toContain(429);
  });
});

describe('CORS', () => {
  it('sends no CORS headers by default', async () => {
    const res = await fetch(`${t.apiUrl}/healthz`, { headers: { origin: 'https://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
