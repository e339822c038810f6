// Attribution: route / feature / tenant for every call and outcome. Hints come from the span's
// own attributes (finops.* first, then the configured keys, e.g. http.route or another tool's
// tag keys), then its ancestors' (resolved by the trace buffer), then its own resource, then
// the configured default. Pure functions: the trace buffer does the stateful part.
import type { AttributionConfig } from '../../shared/config.js';
import type { Attributes } from '../span.js';
import type { LlmCall, OutcomeRecord } from '../call.js';
import type { Hint, ResolvedItem } from '../trace-buffer.js';
import { redactSecrets } from './redact.js';

export type AttributionKeys = AttributionConfig['keys'];
export type AttributionDefaults = AttributionConfig['defaults'];

/** The first configured key present (as a non-empty scalar) for each dimension. */
export function extractHint(attributes: Attributes, keys: AttributionKeys): Hint {
  const hint: Hint = {};
  const route = firstValue(attributes, keys.route);
  const feature = firstValue(attributes, keys.feature);
  const tenant = firstValue(attributes, keys.tenant);
  if (route !== undefined) hint.route = route;
  if (feature !== undefined) hint.feature = feature;
  if (tenant !== undefined) hint.tenant = tenant;
  return hint;
}

function firstValue(attributes: Attributes, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = attributes[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim().slice(0, 256);
    if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  }
  return undefined;
}

export interface AttributedBatch {
  calls: LlmCall[];
  outcomes: OutcomeRecord[];
}

/** Apply resolved hints, falling back to the configured defaults (a pure batch -> batch step). */
export function applyAttribution(
  items: ResolvedItem[],
  defaults: AttributionDefaults,
): AttributedBatch {
  const out: AttributedBatch = { calls: [], outcomes: [] };
  for (const { item, hint } of items) {
    const route = hint.route ?? defaults.route;
    const feature = hint.feature ?? defaults.feature;
    const tenant = hint.tenant ?? defaults.tenant;
    if (item.type === 'call') out.calls.push({ ...item.call, route, feature, tenant });
    else out.outcomes.push({ ...item.outcome, route, feature, tenant });
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
