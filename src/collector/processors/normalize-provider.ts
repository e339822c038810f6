// Canonical provider and operation names. Every instrumentation spells providers its own way
// (AI SDK `openai.chat`, old semconv `az.ai.openai`, OpenLIT `vertex_ai`, OpenInference `azure`),
// and costs must group by one name: the gen_ai.provider.name well-known values (semconv v1.41).
import { GEN_AI_OPERATION, GEN_AI_PROVIDER } from '../../shared/semconv.js';

const P = GEN_AI_PROVIDER;

/** Lowercased spelling -> canonical provider. Unlisted spellings pass through lowercased. */
const PROVIDER_ALIASES: Readonly<Record<string, string>> = {
  openai: P.OPENAI,
  anthropic: P.ANTHROPIC,
  'aws.bedrock': P.AWS_BEDROCK,
  'amazon-bedrock': P.AWS_BEDROCK,
  bedrock: P.AWS_BEDROCK,
  aws: P.AWS_BEDROCK,
  'azure.ai.openai': P.AZURE_AI_OPENAI,
  'az.ai.openai': P.AZURE_AI_OPENAI,
  'azure-openai': P.AZURE_AI_OPENAI,
  azure_openai: P.AZURE_AI_OPENAI,
  azure: P.AZURE_AI_OPENAI,
  azureopenai: P.AZURE_AI_OPENAI,
  'azure.ai.inference': P.AZURE_AI_INFERENCE,
  'az.ai.inference': P.AZURE_AI_INFERENCE,
  'gcp.vertex_ai': P.GCP_VERTEX_AI,
  vertex_ai: P.GCP_VERTEX_AI,
  vertexai: P.GCP_VERTEX_AI,
  'google.vertex': P.GCP_VERTEX_AI,
  'google-vertex': P.GCP_VERTEX_AI,
  'gcp.gemini': P.GCP_GEMINI,
  gemini: P.GCP_GEMINI,
  'google.generative-ai': P.GCP_GEMINI,
  'google-generative-ai': P.GCP_GEMINI,
  'google.genai': P.GCP_GEN_AI,
  'gcp.gen_ai': P.GCP_GEN_AI,
  google: P.GCP_GEN_AI,
  cohere: P.COHERE,
  deepseek: P.DEEPSEEK,
  groq: P.GROQ,
  perplexity: P.PERPLEXITY,
  mistral_ai: P.MISTRAL_AI,
  mistral: P.MISTRAL_AI,
  mistralai: P.MISTRAL_AI,
  x_ai: P.X_AI,
  xai: P.X_AI,
  'ibm.watsonx.ai': P.IBM_WATSONX_AI,
  'ibm.watson.ai': P.IBM_WATSONX_AI,
  watsonx: P.IBM_WATSONX_AI,
};

/**
 * Canonical provider for any spelling. AI SDK `<provider>.<api>` strings (`openai.chat`,
 * `google.vertex.chat`, `anthropic.messages`) are matched on their longest known dot-prefix,
 * so a new `<api>` suffix needs no code change.
 */
export function canonicalProvider(raw: string): string {
  const s = raw.trim().toLowerCase();
  if (s === '') return '';
  const direct = PROVIDER_ALIASES[s];
  if (direct !== undefined) return direct;
  const parts = s.split('.');
  for (let n = parts.length - 1; n >= 1; n--) {
    const hit = PROVIDER_ALIASES[parts.slice(0, n).join('.')];
    if (hit !== undefined) return hit;
  }
  return s;
}

/** Host suffix -> provider, for spans that name no provider at all (last resort). */
const HOST_PROVIDERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/(^|\.)openai\.azure\.com$/, P.AZURE_AI_OPENAI],
  [/(^|\.)cognitiveservices\.azure\.com$/, P.AZURE_AI_OPENAI],
  [/(^|\.)services\.ai\.azure\.com$/, P.AZURE_AI_INFERENCE],
  [/(^|\.)models\.inference\.ai\.azure\.com$/, P.AZURE_AI_INFERENCE],
  [/(^|\.)api\.openai\.com$/, P.OPENAI],
  [/(^|\.)api\.anthropic\.com$/, P.ANTHROPIC],
  [/^bedrock(-runtime)?[.-]/, P.AWS_BEDROCK],
  [/(^|[.-])aiplatform\.googleapis\.com$/, P.GCP_VERTEX_AI],
  [/(^|\.)generativelanguage\.googleapis\.com$/, P.GCP_GEMINI],
  [/(^|\.)api\.mistral\.ai$/, P.MISTRAL_AI],
  [/(^|\.)api\.groq\.com$/, P.GROQ],
  [/(^|\.)api\.x\.ai$/, P.X_AI],
  [/(^|\.)api\.deepseek\.com$/, P.DEEPSEEK],
  [/(^|\.)api\.cohere\.(com|ai)$/, P.COHERE],
  [/(^|\.)api\.perplexity\.ai$/, P.PERPLEXITY],
];

/** Provider implied by server.address, or ''. */
export function providerFromHost(host: string): string {
  const h = host.trim().toLowerCase();
  if (h === '') return '';
  return HOST_PROVIDERS.find(([re]) => re.test(h))?.[1] ?? '';
}

/**
 * Final provider: the declared one, corrected by the host where the declaration is known to be
 * generic. @opentelemetry/instrumentation-openai always writes `openai`, even when the client's
 * baseURL is an Azure OpenAI resource, and Azure is billed (and deployed) differently.
 */
export function resolveProvider(declared: string, host: string): string {
  const canonical = canonicalProvider(declared);
  const fromHost = providerFromHost(host);
  if (canonical === '') return fromHost;
  if (canonical === P.OPENAI && fromHost === P.AZURE_AI_OPENAI) return fromHost;
  return canonical;
}

/** AWS region embedded in a Bedrock endpoint (bedrock-runtime.us-east-1.amazonaws.com), or ''. */
export function regionFromHost(host: string): string {
  const m = /^bedrock(?:-runtime)?(?:-fips)?\.([a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com$/.exec(
    host.toLowerCase(),
  );
  return m?.[1] ?? '';
}

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
