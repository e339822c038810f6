// Caps what a row stores: labels (model, route, span name, error type, ...; LowCardinality
// columns where one absurd value bloats the dictionary) at max_label_bytes and captured content
// at max_string_bytes. A capped field keeps its first bytes and the row says so in `warnings`
// (`truncated:<column>`), so a 5 MiB model name is never stored as is and never silently cut.
// Pure: (row) => row.
import type { LlmCall, OutcomeRecord } from '../call.js';
import type { SpanRecord } from '../span.js';
import { truncateUtf8 } from '../receiver/admission.js';

export interface FieldCaps {
  labelBytes: number;
  contentBytes: number;
}

export const CALL_LABELS = [
  'span_name',
  'scope_name',
  'source',
  'service',
  'environment',
  'route',
  'feature',
  'tenant',
  'provider',
  'operation',
  'request_model',
  'response_model',
  'model',
  'deployment',
  'region',
  'server_address',
  'service_tier',
  'error_type',
  'finish_reason',
  'fallback_from',
  'cache_layer',
  'prompt_version',
  'conversation_id',
  'price_entry',
  'price_version',
] as const satisfies readonly (keyof LlmCall)[];

export const CALL_CONTENT = [
  'input_content',
  'output_content',
] as const satisfies readonly (keyof LlmCall)[];

const OUTCOME_LABELS = [
  'outcome_id',
  'name',
  'conversation_id',
  'tenant',
  'route',
  'feature',
] as const satisfies readonly (keyof OutcomeRecord)[];

const UINT16_FIELDS = ['http_status', 'attempt'] as const satisfies readonly (keyof LlmCall)[];
const UINT16_MAX = 65_535;

export const truncatedWarning = (column: string): string => `truncated:${column}`;

/**
 * True when no field can need a cap: a UTF-16 unit is at most 3 UTF-8 bytes, so lengths alone
 * settle it for every ordinary row without a closure or an encoding pass (capCall runs twice
 * per call on the ingest path). The labels are read by name, not by looping over CALL_LABELS:
 * named reads of one object shape are several times cheaper than keyed ones (a test checks
 * that every column of CALL_LABELS is capped, so this list cannot miss one).
 */
function fitsCaps(call: LlmCall, caps: FieldCaps): boolean {
  const longestLabel = Math.max(
    call.span_name.length,
    call.scope_name.length,
    call.source.length,
    call.service.length,
    call.environment.length,
    call.route.length,
    call.feature.length,
    call.tenant.length,
    call.provider.length,
    call.operation.length,
    call.request_model.length,
    call.response_model.length,
    call.model.length,
    call.deployment.length,
    call.region.length,
    call.server_address.length,
    call.service_tier.length,
    call.error_type.length,
    call.finish_reason.length,
    call.fallback_from.length,
    call.cache_layer.length,
    call.prompt_version.length,
    call.conversation_id.length,
    call.price_entry.length,
    call.price_version.length,
  );
  if (longestLabel * 3 > caps.labelBytes) return false;
  if (Math.max(call.input_content.length, call.output_content.length) * 3 > caps.contentBytes)
    return false;
  if (call.http_status > UINT16_MAX || call.attempt > UINT16_MAX) return false;
  for (const warning of call.warnings) if (warning.length * 3 > caps.labelBytes) return false;
  return true;
}

/** The call with every string column within its cap; the same object when nothing changed. */
export function capCall(call: LlmCall, caps: FieldCaps): LlmCall {
  if (fitsCaps(call, caps)) return call;
  let out: LlmCall | undefined;
  const cap = (
    field: (typeof CALL_LABELS)[number] | (typeof CALL_CONTENT)[number],
    max: number,
  ) => {
    const value = (out ?? call)[field];
    const cut = truncateUtf8(value, max);
    if (cut === value) return;
    out ??= { ...call, warnings: [...call.warnings] };
    out[field] = cut;
    const warning = truncatedWarning(field);
    if (!out.warnings.includes(warning)) out.warnings.push(warning);
  };
  for (const field of CALL_LABELS) cap(field, caps.labelBytes);
  for (const field of CALL_CONTENT) cap(field, caps.contentBytes);
  // UInt16 columns wrap silently in ClickHouse: an out-of-range value is dropped, and said so.
  for (const field of UINT16_FIELDS) {
    if (call[field] <= UINT16_MAX) continue;
    out ??= { ...call, warnings: [...call.warnings] };
    out[field] = field === 'attempt' ? 1 : 0;
    out.warnings.push(`out_of_range:${field}`);
  }
  const warnings = (out ?? call).warnings;
  if (warnings.some((w) => w.length > caps.labelBytes)) {
    out ??= { ...call };
    out.warnings = warnings.map((w) => truncateUtf8(w, caps.labelBytes));
  }
  return out ?? call;
}

/** The outcome with its labels within the cap (outcomes have no warnings column). */
export function capOutcome(outcome: OutcomeRecord, caps: FieldCaps): OutcomeRecord {
  let out: OutcomeRecord | undefined;
  for (const field of OUTCOME_LABELS) {
    const cut = truncateUtf8(outcome[field], caps.labelBytes);
    if (cut === outcome[field]) continue;
    out ??= { ...outcome };
    out[field] = cut;
  }
  return out ?? outcome;
}

/** Warnings admission recorded on the span (e.g. a truncated attribute) belong on its row. */
export function withSpanWarnings(call: LlmCall, span: SpanRecord): LlmCall {
  if (span.warnings === undefined || span.warnings.length === 0) return call;
  return { ...call, warnings: [...call.warnings, ...span.warnings] };
}
