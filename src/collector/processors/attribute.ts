// Attribution: route / feature / tenant for every call and outcome. Precedence, per dimension:
//   1. an explicit finops.route / finops.feature / finops.tenant on the span or ANY ancestor
//      (nearest first), then on the span's own resource: someone set it on purpose;
//   2. an inferred key (the other configured keys, e.g. http.route or another tool's tag keys)
//      on the span or an ancestor (nearest first), then on its own resource;
//   3. the configured default.
// http.route is read on SERVER spans only: on a CLIENT span (the provider SDK's HTTP span) it is
// the provider's path (/v1/messages), not the service's route. The trace buffer does the stateful
// part (walking the ancestry) with mergeHint; applyAttribution writes into the records it is
// handed, which the pipeline owns (a copy of a sixty-field call per span was its largest cost).
import type { AttributionConfig } from '../../shared/config.js';
import { FINOPS, GENERAL } from '../../shared/semconv.js';
import type { Attributes } from '../span.js';
import type { LlmCall, OutcomeRecord } from '../call.js';
import type { Hint, ResolvedItem } from '../trace-buffer.js';
import { redactSecrets } from './redact.js';

export type AttributionKeys = AttributionConfig['keys'];
export type AttributionDefaults = AttributionConfig['defaults'];

const DIMENSIONS = ['route', 'feature', 'tenant'] as const;
type Dimension = (typeof DIMENSIONS)[number];

/** The key that sets a dimension on purpose; every other configured key only infers it. */
const EXPLICIT: Readonly<Record<Dimension, string>> = {
  route: FINOPS.ROUTE,
  feature: FINOPS.FEATURE,
  tenant: FINOPS.TENANT,
};

/** OTLP Span.kind SPAN_KIND_SERVER. */
export const SPAN_KIND_SERVER = 2;

/**
 * The span's own hint: for each dimension its explicit finops.* value, else the first configured
 * key present (as a non-empty scalar), marked inferred. `server`: the attributes are a SERVER
 * span's (http.route is the service's route only there; resources are never server spans).
 */
export function extractHint(attributes: Attributes, keys: AttributionKeys, server = false): Hint {
  const hint: Hint = {};
  for (const d of DIMENSIONS) {
    const explicit = hintValue(attributes[EXPLICIT[d]]);
    if (explicit !== undefined) {
      hint[d] = explicit;
      continue;
    }
    const inferred = firstInferred(attributes, keys[d], EXPLICIT[d], server);
    if (inferred !== undefined) {
      hint[d] = inferred;
      hint.inferred = { ...hint.inferred, [d]: true };
    }
  }
  return hint;
}

const isInferred = (h: Hint, d: Dimension): boolean => h.inferred?.[d] === true;

/**
 * Merges a farther hint (an ancestor's, the resource's) into a nearer one: a dimension still
 * missing takes the farther value; an inferred one gives way to a farther explicit value.
 */
export function mergeHint(into: Hint, from: Hint): void {
  for (const d of DIMENSIONS) {
    const value = from[d];
    if (value === undefined) continue;
    const replace = into[d] === undefined || (isInferred(into, d) && !isInferred(from, d));
    if (!replace) continue;
    into[d] = value;
    if (isInferred(from, d)) into.inferred = { ...into.inferred, [d]: true };
    else if (isInferred(into, d)) {
      const { [d]: _dropped, ...rest } = into.inferred ?? {};
      if (Object.keys(rest).length > 0) into.inferred = rest;
      else delete into.inferred;
    }
  }
}

/** Every dimension set explicitly: nothing an ancestor says can change it. */
export function settled(hint: Hint): boolean {
  return DIMENSIONS.every((d) => hint[d] !== undefined && !isInferred(hint, d));
}

/**
 * The first configured inferring key's value: the explicit key skipped, http.route only on a
 * server span. A loop rather than a filtered copy of the keys: it runs twice per span.
 */
function firstInferred(
  attributes: Attributes,
  keys: readonly string[],
  explicit: string,
  server: boolean,
): string | undefined {
  for (const key of keys) {
    if (key === explicit || (!server && key === GENERAL.HTTP_ROUTE)) continue;
    const value = hintValue(attributes[key]);
    if (value !== undefined) return value;
  }
  return undefined;
}

function hintValue(value: Attributes[string] | undefined): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim().slice(0, 256);
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

export interface AttributedBatch {
  calls: LlmCall[];
  outcomes: OutcomeRecord[];
}

/**
 * Apply resolved hints, falling back to the configured defaults. The items' calls and outcomes
 * are updated in place and returned in the batch: released items belong to the caller alone.
 */
export function applyAttribution(
  items: ResolvedItem[],
  defaults: AttributionDefaults,
): AttributedBatch {
  const out: AttributedBatch = { calls: [], outcomes: [] };
  for (const { item, hint } of items) {
    const row = item.type === 'call' ? item.call : item.outcome;
    row.route = hint.route ?? defaults.route;
    row.feature = hint.feature ?? defaults.feature;
    row.tenant = hint.tenant ?? defaults.tenant;
    if (item.type === 'call') out.calls.push(item.call);
    else out.outcomes.push(item.outcome);
  }
  return out;
}

/** Drop prompt and completion text unless content capture is enabled; when kept, redact secrets. */
export function redactContent(calls: LlmCall[], captureContent: boolean): LlmCall[] {
  return calls.map((call) => {
    if (call.input_content === '' && call.output_content === '') return call;
    if (!captureContent) return { ...call, input_content: '', output_content: '' };
    return {
      ...call,
      input_content: redactSecrets(call.input_content),
      output_content: redactSecrets(call.output_content),
    };
  });
}
