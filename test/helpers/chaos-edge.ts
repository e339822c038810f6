// Shared pieces of the edge chaos suite (admission, tenant walls, fairness): a billable GenAI span's attributes, direct reads of what
// the store holds (the test's own independent view of "stored"), and OTLP response parsing.
import { FINOPS, GEN_AI } from '../../src/shared/semconv.js';
import { encodeProtoRequest } from '../../src/collector/receiver/otlp-proto.js';
import type { TestRuntime } from './runtime.js';

export function genAiAttrs(
  tenant: string,
  extra: Record<string, string | number> = {},
): Record<string, string | number> {
  return {
    [GEN_AI.OPERATION_NAME]: 'chat',
    [GEN_AI.PROVIDER_NAME]: 'openai',
    [GEN_AI.REQUEST_MODEL]: 'gpt-4o-mini',
    [GEN_AI.USAGE_INPUT_TOKENS]: 100,
    [GEN_AI.USAGE_OUTPUT_TOKENS]: 20,
    [FINOPS.TENANT]: tenant,
    ...extra,
  };
}

export interface StoredCall {
  call_id: string;
  trace_id: string;
  span_id: string;
  tenant: string;
  route: string;
  feature: string;
  kind: string;
  request_model: string;
  input_tokens: string;
  output_tokens: string;
  warnings: string[];
}

/** Rows in llm_calls, read straight from the store (after the pipeline released them). */
export async function storedCalls(t: TestRuntime, tenant?: string): Promise<StoredCall[]> {
  await t.runtime.pipeline?.sync();
  return t.runtime.storage.query<StoredCall>(
    `SELECT call_id, trace_id, span_id, tenant, route, feature, kind, request_model,
              toString(input_tokens) AS input_tokens, toString(output_tokens) AS output_tokens, warnings
            FROM llm_calls ${tenant !== undefined ? 'WHERE tenant = {tenant:String}' : ''}
            ORDER BY call_id`,
    tenant !== undefined ? { tenant } : {},
  );
}

export interface OtlpJsonResponse {
  partialSuccess?: { rejectedSpans: string; errorMessage: string };
  code?: number;
  message?: string;
}

export async function otlpBody(res: Response): Promise<OtlpJsonResponse> {
  return (await res.json()) as OtlpJsonResponse;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** The protobuf form of an OTLP JSON request built by ./otlp.ts (hex ids become bytes). */
export function protoRequest(request: Record<string, unknown>): Uint8Array {
  const convert = (value: unknown, key = ''): unknown => {
    if (Array.isArray(value)) return value.map((v) => convert(v));
    if (typeof value === 'object' && value !== null)
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, k)]));
    if (typeof value === 'string' && ['traceId', 'spanId', 'parentSpanId'].includes(key))
      return Buffer.from(value, 'hex');
    return value;
  };
  return encodeProtoRequest(convert(request) as object);
}
