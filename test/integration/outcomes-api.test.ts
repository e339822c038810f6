// POST /v1/outcomes at its edges: a value the outcomes.value column (Decimal(38, 18)) cannot
// hold exactly is a 400 naming the field, and the batch is all or nothing (nothing of a refused
// batch is stored; re-sending the corrected batch is safe because ids are idempotent). And a
// tenant API key's outcome never links, by trace_id, to another tenant's calls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/shared/keys.js';
import { genAiAttrs, storedCalls } from '../helpers/chaos-edge.js';
import { newSpanId, newTraceId, postJson, requestJson, spanJson } from '../helpers/otlp.js';
import { eventually, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';

const ADMIN = 'admin-key-outcomes-0001';
const KEY_A = 'tenant-a-key-outcomes-02';
const A = 'tenant-a';
const B = 'tenant-b';
let t: TestRuntime;

beforeAll(async () => {
  t = await startTestRuntime({
    security: {
      api_keys: [
        { name: 'admin', key_sha256: sha256Hex(ADMIN), role: 'admin' },
        { name: 'a', key_sha256: sha256Hex(KEY_A), role: 'tenant', tenant: A },
      ],
    },
  });
});
afterAll(async () => {
  await t.runtime.stop();
});

const post = (key: string, outcomes: unknown[]): Promise<Response> =>
  postJson(`${t.apiUrl}/v1/outcomes`, { outcomes }, { authorization: `Bearer ${key}` });

async function storedValues(prefix: string): Promise<Record<string, string | null>> {
  const rows = await t.runtime.storage.query<{ outcome_id: string; value: string | null }>(
    `SELECT outcome_id, toString(value) AS value FROM outcomes FINAL
      WHERE startsWith(outcome_id, {prefix:String}) ORDER BY outcome_id`,
    { prefix },
  );
  return Object.fromEntries(rows.map((r) => [r.outcome_id, r.value]));
}

describe('POST /v1/outcomes value bounds', () => {
  const MAX = '99999999999999999999.999999999999999999';
  const TINY = '-0.000000000000000001';
  const cases: [string, unknown, RegExp][] = [
    ['21 integer digits', '100000000000000000000', /at most 20 integer digits/],
    ['a number past 1e20', 1e20, /at most 20 integer digits/],
    ['19 decimals', '0.0000000000000000001', /more than 18 decimal places/],
    ['a number below 1e-18', 1e-19, /more than 18 decimal places/],
    ['not a decimal', '12 USD', /must be a decimal/],
    ['exponent text', '1e5', /must be a decimal/],
  ];

  it.each(cases)(
    'refuses %s with 400 naming the field, storing nothing',
    async (label, bad, why) => {
      const prefix = `bound-${label.replace(/\W+/g, '-')}-`;
      const res = await post(ADMIN, [
        { id: `${prefix}1`, name: 'sale', success: true, value: '10.5' },
        { id: `${prefix}2`, name: 'sale', success: true, value: bad },
        { id: `${prefix}3`, name: 'sale', success: true, value: MAX },
      ]);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { parameter: string; message: string };
      expect(body.parameter).toBe('outcomes.1.value');
      expect(body.message).toMatch(why);
      expect(await storedValues(prefix)).toEqual({});
    },
  );

  it('stores the extremes the column holds, digit for digit', async () => {
    const res = await post(ADMIN, [
      { id: 'edge-max', name: 'sale', success: true, value: MAX },
      { id: 'edge-min', name: 'sale', success: true, value: `-${MAX}` },
      { id: 'edge-tiny', name: 'sale', success: true, value: TINY },
      { id: 'edge-number', name: 'sale', success: true, value: 0.1 },
    ]);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 4 });
    expect(await storedValues('edge-')).toEqual({
      'edge-max': MAX,
      'edge-min': `-${MAX}`,
      'edge-number': '0.1',
      'edge-tiny': TINY,
    });
  });
});

interface SpendRow {
  tenant: string;
  outcomes: number;
  linked_calls: number;
  spend_usd: string;
}

describe('outcome linking by trace_id through the API', () => {
  it('links a tenant key’s outcome to its own calls only, never another tenant’s', async () => {
    const traceA = newTraceId();
    const traceB = newTraceId();
    const spanA = newSpanId();
    const spanB = newSpanId();
    const res = await postJson(
      t.otlpUrl,
      requestJson([
        spanJson({ traceId: traceA, spanId: spanA, attributes: genAiAttrs(A) }),
        spanJson({ traceId: traceB, spanId: spanB, attributes: genAiAttrs(B) }),
      ]),
    );
    expect(res.status).toBe(200);
    const stored = await eventually(
      () => storedCalls(t),
      (rows) => rows.some((r) => r.span_id === spanA) && rows.some((r) => r.span_id === spanB),
    );
    expect(stored.find((r) => r.span_id === spanB)?.tenant).toBe(B);

    // A's key may not write B's outcome outright...
    const forged = await post(KEY_A, [
      { id: 'link-forged', name: 'checkout', success: true, trace_id: traceB, tenant: B },
    ]);
    expect(forged.status).toBe(403);
    // ...and an outcome it writes (stamped with its tenant) in B's trace links nothing of B's.
    const ok = await post(KEY_A, [
      { id: 'link-own', name: 'checkout', success: true, trace_id: traceA },
      { id: 'link-cross', name: 'checkout', success: true, trace_id: traceB },
    ]);
    expect(ok.status).toBe(202);

    const cost = await t.runtime.storage.query<{ span_id: string; cost: string }>(
      `SELECT span_id, toString(cost_total) AS cost FROM llm_calls WHERE span_id IN {ids:Array(String)}`,
      { ids: [spanA, spanB] },
    );
    const costA = cost.find((r) => r.span_id === spanA)?.cost;
    expect(Number(costA)).toBeGreaterThan(0);
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const spend = await fetch(
      `${t.apiUrl}/v1/outcomes/spend?from=${from}&to=${to}&group_by=tenant`,
      { headers: { authorization: `Bearer ${ADMIN}` } },
    );
    expect(spend.status).toBe(200);
    const rows = ((await spend.json()) as { rows: SpendRow[] }).rows;
    expect(rows.find((r) => r.tenant === A)).toMatchObject({
      outcomes: 2,
      linked_calls: 1,
      spend_usd: costA,
    });
    expect(rows.find((r) => r.tenant === B)).toBeUndefined();
  });
});
