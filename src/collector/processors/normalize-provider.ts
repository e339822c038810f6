// Canonical operation names. Providers are named by the shared identity table
// (src/shared/provider-identity.ts), which the wrapper and pricing read too.
import { GEN_AI_OPERATION } from '../../shared/semconv.js';

const O = GEN_AI_OPERATION;

/** Other spellings of gen_ai.operation.name values (OpenLLMetry llm.request.type, OpenLIT, old SDKs). */
const OPERATION_ALIASES: Readonly<Record<string, string>> = {
  chat: O.CHAT,
  completion: O.TEXT_COMPLETION,
  text_completion: O.TEXT_COMPLETION,
  embedding: O.EMBEDDINGS,
  embeddings: O.EMBEDDINGS,
  embed: O.EMBEDDINGS,
  generate_content: O.GENERATE_CONTENT,
  execute_tool: O.EXECUTE_TOOL,
  invoke_agent: O.INVOKE_AGENT,
  create_agent: O.CREATE_AGENT,
  invoke_workflow: O.INVOKE_WORKFLOW,
  retrieval: O.RETRIEVAL,
  rerank: 'rerank',
};

/** Canonical operation name; unknown values pass through lowercased. */
export function canonicalOperation(raw: string): string {
  const s = raw.trim().toLowerCase();
  return OPERATION_ALIASES[s] ?? s;
}

/** True when `op` is one of the operation names we know (used to read ops from span names). */
export function isKnownOperation(op: string): boolean {
  return Object.prototype.hasOwnProperty.call(OPERATION_ALIASES, op);
}
