// Builders for raw OTLP JSON requests, for tests that need exact control over the wire.
import { randomBytes } from 'node:crypto';

export type JsonAttr = string | number | boolean | string[];

export interface SpanSpec {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  startMs?: number;
  durationMs?: number;
  attributes?: Record<string, JsonAttr>;
  /** Attribute values passed through untouched (to send malformed values). */
  rawAttributes?: { key: string; value: unknown }[];
  status?: { code: number; message?: string };
}

export const newTraceId = (): string => randomBytes(16).toString('hex');
export const newSpanId = (): string => randomBytes(8).toString('hex');

export function anyValue(value: JsonAttr): unknown {
  if (Array.isArray(value))
    return { arrayValue: { values: value.map((v) => ({ stringValue: v })) } };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}

export function spanJson(spec: SpanSpec): Record<string, unknown> {
  const start = BigInt(spec.startMs ?? Date.now()) * 1_000_000n;
  const end = start + BigInt(Math.round((spec.durationMs ?? 500) * 1_000_000));
  return {
    traceId: spec.traceId ?? newTraceId(),
    spanId: spec.spanId ?? newSpanId(),
    ...(spec.parentSpanId ? { parentSpanId: spec.parentSpanId } : {}),
    name: spec.name ?? 'chat gpt-4o',
    kind: spec.kind ?? 3,
    startTimeUnixNano: start.toString(),
    endTimeUnixNano: end.toString(),
    attributes: [
      ...Object.entries(spec.attributes ?? {}).map(([key, value]) => ({
        key,
        value: anyValue(value),
      })),
      ...(spec.rawAttributes ?? []),
    ],
    status: spec.status ?? { code: 0 },
  };
}

export function requestJson(
  spans: Record<string, unknown>[],
  resource: Record<string, JsonAttr> = { 'service.name': 'test-svc' },
): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: Object.entries(resource).map(([key, value]) => ({
            key,
            value: anyValue(value),
          })),
        },
        scopeSpans: [{ scope: { name: 'test-scope', version: '1.0.0' }, spans }],
      },
    ],
  };
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}
