// Which instrumentation wrote a span (its "source" style) and what kind of GenAI span it is.
//
// Classification rules, first match wins:
//  1. Vercel AI SDK legacy spans (`ai.operationId`): `*.doGenerate` / `*.doStream` are inference
//     calls, `*.doEmbed` embeddings; the outer `ai.generateText|streamText|generateObject|
//     streamObject|embed|embedMany` spans are `wrapper` (they repeat their children's usage);
//     `ai.toolCall` is `tool`; any other `ai.*` span is not a GenAI call.
//  2. OpenInference `openinference.span.kind`: LLM -> inference, EMBEDDING -> embeddings, TOOL ->
//     tool, AGENT -> agent; CHAIN, RETRIEVER, RERANKER, GUARDRAIL, EVALUATOR, PROMPT -> other
//     (they carry no provider usage of their own).
//  3. `gen_ai.operation.name`: execute_tool -> tool; invoke_agent, create_agent, invoke_workflow,
//     plan -> agent (they aggregate children); embeddings -> embeddings; retrieval and memory
//     operations -> tool (data-source calls, no tokens); chat, text_completion, generate_content
//     and anything else -> inference, but an unknown operation only when the span names a model
//     or usage (OpenLIT, for one, also labels vector-DB spans).
//  4. OpenLLMetry legacy `llm.request.type` (chat, completion, embedding, rerank) -> inference.
//  5. OpenLLMetry decorators `traceloop.span.kind` agent / tool -> agent / tool.
//  6. `gen_ai.system` or `gen_ai.provider.name` with a model or usage -> inference (operation read
//     from the span name when it starts with one, else chat).
// Everything else is `other`: kept by the pipeline only for attribution.
import type { CallKind } from '../call.js';
import type { SpanRecord } from '../span.js';
import { GEN_AI, GEN_AI_DEPRECATED, GEN_AI_OPERATION, OPENAI } from '../../shared/semconv.js';
import {
  OPENINFERENCE,
  OPENLIT,
  OPENLIT_EXTRA,
  OPENLLMETRY,
  OPENLLMETRY_EXTRA,
  VERCEL_AI,
  VERCEL_AI_EXTRA,
} from '../../shared/semconv-peers.js';
import { has, str } from './normalize-attrs.js';
import { canonicalOperation, isKnownOperation } from './normalize-provider.js';

/** The instrumentation style a call was normalized from (LlmCall.source). */
export type Source =
  | 'llm_finops'
  | 'semconv'
  | 'semconv_legacy'
  | 'openai_js'
  | 'openllmetry'
  | 'openlit'
  | 'openinference'
  | 'vercel_ai';

export interface Classification {
  kind: CallKind;
  operation: string;
}

const OPENAI_JS_SCOPE = '@opentelemetry/instrumentation-openai';
const FINOPS_SCOPE_PREFIX = 'llm-finops';

/** Scope and attribute markers that identify each instrumentation; semconv is the default. */
export function detectSource(span: SpanRecord): Source {
  const a = span.attributes;
  const scope = span.scopeName;
  if (scope.startsWith(FINOPS_SCOPE_PREFIX)) return 'llm_finops';
  if (scope === OPENAI_JS_SCOPE) return 'openai_js';
  if (
    has(a, VERCEL_AI.OPERATION_ID) ||
    scope === VERCEL_AI_EXTRA.SCOPE_NAME ||
    scope.startsWith(VERCEL_AI_EXTRA.SCOPE_PREFIX)
  ) {
    return 'vercel_ai';
  }
  if (has(a, OPENINFERENCE.SPAN_KIND) || scope.startsWith('openinference')) return 'openinference';
  const sdk = str(a, OPENLIT.TELEMETRY_SDK_NAME) || str(span.resource, OPENLIT.TELEMETRY_SDK_NAME);
  if (sdk === OPENLIT_EXTRA.SDK_NAME_VALUE || scope.startsWith('openlit')) return 'openlit';
  if (isOpenLlmetry(span)) return 'openllmetry';
  if (has(a, GEN_AI.PROVIDER_NAME)) return 'semconv';
  if (has(a, GEN_AI_DEPRECATED.SYSTEM)) return 'semconv_legacy';
  return 'semconv';
}

function isOpenLlmetry(span: SpanRecord): boolean {
  if (span.scopeName.startsWith(OPENLLMETRY_EXTRA.SCOPE_PREFIX)) return true;
  if (has(span.attributes, OPENLLMETRY.REQUEST_TYPE)) return true;
  return Object.keys(span.attributes).some((k) => k.startsWith(OPENLLMETRY_EXTRA.KEY_PREFIX));
}

/** Kind and canonical operation of a GenAI span, or null when it is not one. */
export function classify(span: SpanRecord): Classification | null {
  const a = span.attributes;
  const aiOp = str(a, VERCEL_AI.OPERATION_ID);
  if (aiOp !== '') return classifyVercel(aiOp);
  const oiKind = str(a, OPENINFERENCE.SPAN_KIND);
  if (oiKind !== '') return classifyOpenInference(oiKind);
  const op = str(a, GEN_AI.OPERATION_NAME);
  if (op !== '') {
    const operation = canonicalOperation(op);
    // A known inference operation needs no model-or-usage scan (it walks every attribute key).
    return classifyOperation(operation, INFERENCE_OPS.has(operation) || hasModelOrUsage(span));
  }
  const reqType = str(a, OPENLLMETRY.REQUEST_TYPE);
  if (reqType !== '') {
    const operation = canonicalOperation(reqType);
    return {
      kind: operation === GEN_AI_OPERATION.EMBEDDINGS ? 'embeddings' : 'inference',
      operation,
    };
  }
  const tlKind = str(a, OPENLLMETRY.SPAN_KIND);
  if (tlKind === 'agent') return { kind: 'agent', operation: GEN_AI_OPERATION.INVOKE_AGENT };
  if (tlKind === 'tool') return { kind: 'tool', operation: GEN_AI_OPERATION.EXECUTE_TOOL };
  if ((has(a, GEN_AI_DEPRECATED.SYSTEM) || has(a, GEN_AI.PROVIDER_NAME)) && hasModelOrUsage(span)) {
    const fromName = canonicalOperation(span.name.split(/[\s.]/)[0] ?? '');
    const operation = isKnownOperation(fromName) ? fromName : GEN_AI_OPERATION.CHAT;
    return classifyOperation(operation, true);
  }
  return null;
}

const VERCEL_WRAPPERS: Readonly<Record<string, string>> = {
  'ai.generateText': GEN_AI_OPERATION.CHAT,
  'ai.streamText': GEN_AI_OPERATION.CHAT,
  'ai.generateObject': GEN_AI_OPERATION.CHAT,
  'ai.streamObject': GEN_AI_OPERATION.CHAT,
  'ai.embed': GEN_AI_OPERATION.EMBEDDINGS,
  'ai.embedMany': GEN_AI_OPERATION.EMBEDDINGS,
};

function classifyVercel(opId: string): Classification | null {
  if (opId.endsWith('.doGenerate') || opId.endsWith('.doStream')) {
    return { kind: 'inference', operation: GEN_AI_OPERATION.CHAT };
  }
  if (opId.endsWith('.doEmbed'))
    return { kind: 'embeddings', operation: GEN_AI_OPERATION.EMBEDDINGS };
  const wrapped = VERCEL_WRAPPERS[opId];
  if (wrapped !== undefined) return { kind: 'wrapper', operation: wrapped };
  if (opId === 'ai.toolCall') return { kind: 'tool', operation: GEN_AI_OPERATION.EXECUTE_TOOL };
  return null;
}

function classifyOpenInference(kind: string): Classification | null {
  switch (kind.toUpperCase()) {
    case 'LLM':
      return { kind: 'inference', operation: GEN_AI_OPERATION.CHAT };
    case 'EMBEDDING':
      return { kind: 'embeddings', operation: GEN_AI_OPERATION.EMBEDDINGS };
    case 'TOOL':
      return { kind: 'tool', operation: GEN_AI_OPERATION.EXECUTE_TOOL };
    case 'AGENT':
      return { kind: 'agent', operation: GEN_AI_OPERATION.INVOKE_AGENT };
    default:
      return null;
  }
}

const AGENT_OPS = new Set<string>([
  GEN_AI_OPERATION.INVOKE_AGENT,
  GEN_AI_OPERATION.CREATE_AGENT,
  GEN_AI_OPERATION.INVOKE_WORKFLOW,
  'plan',
]);
const INFERENCE_OPS = new Set<string>([
  GEN_AI_OPERATION.CHAT,
  GEN_AI_OPERATION.TEXT_COMPLETION,
  GEN_AI_OPERATION.GENERATE_CONTENT,
]);

function classifyOperation(op: string, modelOrUsage: boolean): Classification | null {
  if (op === GEN_AI_OPERATION.EXECUTE_TOOL) return { kind: 'tool', operation: op };
  if (AGENT_OPS.has(op)) return { kind: 'agent', operation: op };
  if (op === GEN_AI_OPERATION.EMBEDDINGS) return { kind: 'embeddings', operation: op };
  if (op === GEN_AI_OPERATION.RETRIEVAL || op.includes('memory'))
    return { kind: 'tool', operation: op };
  if (INFERENCE_OPS.has(op) || modelOrUsage) return { kind: 'inference', operation: op };
  return null;
}

const MODEL_KEYS = [
  GEN_AI.REQUEST_MODEL,
  GEN_AI.RESPONSE_MODEL,
  VERCEL_AI.MODEL_ID,
  OPENINFERENCE.MODEL_NAME,
];

/** A model name or any usage count: what makes a provider-tagged span a call. */
function hasModelOrUsage(span: SpanRecord): boolean {
  const a = span.attributes;
  if (MODEL_KEYS.some((k) => has(a, k))) return true;
  if (has(a, OPENAI.RESPONSE_SERVICE_TIER)) return true;
  return Object.keys(a).some(
    (k) => k.startsWith('gen_ai.usage.') || k.startsWith('llm.token_count.'),
  );
}
