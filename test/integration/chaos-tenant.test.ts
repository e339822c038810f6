// Chaos: one tenant attacking another at ingest, against the real service. Ingest keys A and B
// are bound to tenants; U is an unbound key. A knows B's trace id and span ids (they travel in
// traceparent headers) and posts spans under them. Before the wall, A could turn B's call into
// a 0-token wrapper, re-attribute it, pre-empt its call id so B's span was dropped as a
// duplicate, feed attribution to U's calls, and link B's calls to A's outcomes. Now none of it
// changes B's (or U's) rows, and what each key had acknowledged is exactly what is stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/shared/keys.js';
import { FINOPS } from '../../src/shared/semconv.js';
import { genAiAttrs, storedCalls, type StoredCall } from '../helpers/chaos-edge.js';
import { newSpanId, newTraceId, postJson, requestJson, spanJson } from '../helpers/otlp.js';
import { eventually, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';

const KEY = {
  a: 'ingest-key-tenant-a-0001',
  b: 'ingest-key-tenant-b-0002',
  u: 'ingest-unbound-03',
};
const ADMIN = 'admin-key-0123456789abc';
const A = 'tenant-a';
const B = 'tenant-b';
let t: TestRuntime;
const acked: Record<string, number> = { [A]: 0, [B]: 0 };

beforeAll(async () => {
  t = await startTestRuntime({
    // A call whose parent has not arrived waits up to wait_ms: long enough for A to strike.
    collector: { attribution: { wait_ms: 3_000, root_grace_ms: 50 } },
    security: {
      ingest_keys: [
        { name: 'a', key_sha256: sha256Hex(KEY.a), tenant: A, tenant_mode: 'set' },
        { name: 'b', key_sha256: sha256Hex(KEY.b), tenant: B, tenant_mode: 'set' },
        { name: 'u', key_sha256: sha256Hex(KEY.u) },
      ],
      api_keys: [{ name: 'admin', key_sha256: sha256Hex(ADMIN), role: 'admin' }],
    },
  });
});

afterAll(async () => {
  // Acknowledged = stored, per tenant, after everything A tried.
  expect(await storedCalls(t, A)).toHaveLength(acked[A] ?? -1);
  expect(await storedCalls(t, B)).toHaveLength(acked[B] ?? -1);
  await t.runtime.stop();
});

async function send(key: keyof typeof KEY, spans: Record<string, unknown>[]): Promise<void> {
  const res = await postJson(t.otlpUrl, requestJson(spans), {
    authorization: `Bearer ${KEY[key]}`,
  });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({}); // every span accepted
  const tenant = key === 'a' ? A : key === 'b' ? B : undefined;
  if (tenant !== undefined) acked[tenant] = (acked[tenant] ?? 0) + spans.filter(isCall).length;
}

const isCall = (span: Record<string, unknown>): boolean =>
  JSON.stringify(span.attributes).includes('gen_ai.usage.input_tokens');

const rowOf = async (tenant: string, spanId: string): Promise<StoredCall | undefined> =>
  (
    await eventually(
      () => storedCalls(t, tenant),
      (rows) => rows.some((r) => r.span_id === spanId),
    )
  ).find((r) => r.span_id === spanId);

describe('a span under another tenant’s trace and parent span id', () => {
  it('cannot turn B’s call into a 0-token wrapper', async () => {
    const trace = newTraceId();
    const [root, call] = [newSpanId(), newSpanId()];
    await send('b', [
      spanJson({ traceId: trace, spanId: call, parentSpanId: root, attributes: genAiAttrs(B) }),
    ]);
    // A's "inner" call under B's call: the nested-duplicate rule would make B's the wrapper.
    const inner = spanJson({
      traceId: trace,
      parentSpanId: call,
      attributes: genAiAttrs(A, {
        'gen_ai.usage.input_tokens': 1,
        'gen_ai.usage.output_tokens': 1,
      }),
    });
    await send('a', [inner]);
    await send('b', [
      spanJson({
        traceId: trace,
        spanId: root,
        kind: 2,
        name: 'POST /chat',
        attributes: { [FINOPS.ROUTE]: '/b-chat' },
      }),
    ]);
    const row = await rowOf(B, call);
    expect(row).toMatchObject({
      kind: 'inference',
      input_tokens: '100',
      output_tokens: '20',
      route: '/b-chat',
    });
    expect(row?.warnings).not.toContain('nested_duplicate_of_child_call');
    const theirs = await rowOf(A, String(inner.spanId));
    expect(theirs).toMatchObject({ tenant: A, input_tokens: '1' });
  });

  it('cannot re-attribute B’s call by posting its missing root span', async () => {
    const trace = newTraceId();
    const [root, call] = [newSpanId(), newSpanId()];
    await send('b', [
      spanJson({ traceId: trace, spanId: call, parentSpanId: root, attributes: genAiAttrs(B) }),
    ]);
    await send('a', [
      spanJson({
        traceId: trace,
        spanId: root,
        kind: 2,
        attributes: { [FINOPS.ROUTE]: '/hijacked', [FINOPS.FEATURE]: 'evil', [FINOPS.TENANT]: B },
      }),
    ]);
    const row = await rowOf(B, call);
    expect(row).toMatchObject({
      tenant: B,
      route: 'unattributed',
      feature: 'unattributed',
      input_tokens: '100',
    });
  });

  it('cannot feed attribution to an unbound key’s calls (its non-GenAI spans carry its own tenant)', async () => {
    const trace = newTraceId();
    const [root, call] = [newSpanId(), newSpanId()];
    const { [FINOPS.TENANT]: _omit, ...noTenant } = genAiAttrs('x');
    await send('u', [
      spanJson({ traceId: trace, spanId: call, parentSpanId: root, attributes: noTenant }),
    ]);
    await send('a', [
      spanJson({
        traceId: trace,
        spanId: root,
        kind: 2,
        attributes: { [FINOPS.TENANT]: 'victim', [FINOPS.ROUTE]: '/x' },
      }),
    ]);
    const row = await rowOf('unattributed', call);
    expect(row).toMatchObject({ route: 'unattributed', input_tokens: '100' });
    expect(await storedCalls(t, 'victim')).toEqual([]);
  });

  it('cannot pre-empt B’s call id so that B’s span is dropped as a duplicate', async () => {
    const [trace, spanId] = [newTraceId(), newSpanId()];
    await send('a', [spanJson({ traceId: trace, spanId, attributes: genAiAttrs(A) })]);
    await rowOf(A, spanId);
    await send('b', [spanJson({ traceId: trace, spanId, attributes: genAiAttrs(B) })]);
    expect(await rowOf(B, spanId)).toMatchObject({ tenant: B, input_tokens: '100' });
    // B's own retry of the same request is still a duplicate, counted once.
    await send('b', [spanJson({ traceId: trace, spanId, attributes: genAiAttrs(B) })]);
    acked[B] = (acked[B] ?? 0) - 1;
  });
});

describe('outcome linking', () => {
  it('does not link B’s calls to an outcome A posted in B’s trace', async () => {
    const trace = newTraceId();
    const call = newSpanId();
    await send('b', [spanJson({ traceId: trace, spanId: call, attributes: genAiAttrs(B) })]);
    await rowOf(B, call);
    await send('a', [
      spanJson({
        traceId: trace,
        name: FINOPS.OUTCOME_SPAN_NAME,
        kind: 1,
        attributes: { [FINOPS.OUTCOME_NAME]: 'checkout', [FINOPS.OUTCOME_SUCCESS]: true },
      }),
    ]);
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const spend = await eventually(
      async () => {
        const res = await fetch(
          `${t.apiUrl}/v1/outcomes/spend?from=${from}&to=${to}&group_by=tenant`,
          {
            headers: { authorization: `Bearer ${ADMIN}` },
          },
        );
        return (await res.json()) as {
          rows: { tenant: string; outcomes: number; linked_calls: number; spend_usd: string }[];
        };
      },
      (body) => body.rows.some((r) => r.tenant === A),
    );
    expect(spend.rows.find((r) => r.tenant === A)).toMatchObject({
      outcomes: 1,
      linked_calls: 0,
      spend_usd: '0',
    });
  });
});
