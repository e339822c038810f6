// gen_ai.provider.name and server.address/port from a client's base URL. OpenAI-compatible
// endpoints of other vendors are recognised by host; anything unknown (self-hosted vLLM, a
// local mock, a gateway) is reported as `openai` unless the caller passes `provider`.
import { GEN_AI_PROVIDER } from '../shared/semconv.js';

export interface Endpoint {
  provider: string;
  serverAddress?: string;
  serverPort?: number;
}

const HOST_SUFFIXES: readonly (readonly [string, string])[] = [
  ['.openai.azure.com', GEN_AI_PROVIDER.AZURE_AI_OPENAI],
  ['.cognitiveservices.azure.com', GEN_AI_PROVIDER.AZURE_AI_OPENAI],
  ['.services.ai.azure.com', GEN_AI_PROVIDER.AZURE_AI_INFERENCE],
  ['.inference.ai.azure.com', GEN_AI_PROVIDER.AZURE_AI_INFERENCE],
  ['.models.ai.azure.com', GEN_AI_PROVIDER.AZURE_AI_INFERENCE],
  ['api.anthropic.com', GEN_AI_PROVIDER.ANTHROPIC],
  ['api.groq.com', GEN_AI_PROVIDER.GROQ],
  ['api.deepseek.com', GEN_AI_PROVIDER.DEEPSEEK],
  ['api.mistral.ai', GEN_AI_PROVIDER.MISTRAL_AI],
  ['api.x.ai', GEN_AI_PROVIDER.X_AI],
  ['api.perplexity.ai', GEN_AI_PROVIDER.PERPLEXITY],
  ['api.cohere.ai', GEN_AI_PROVIDER.COHERE],
  ['api.cohere.com', GEN_AI_PROVIDER.COHERE],
  ['generativelanguage.googleapis.com', GEN_AI_PROVIDER.GCP_GEMINI],
  ['aiplatform.googleapis.com', GEN_AI_PROVIDER.GCP_VERTEX_AI],
  ['.amazonaws.com', GEN_AI_PROVIDER.AWS_BEDROCK],
];

export function providerFromHost(host: string): string | undefined {
  const h = host.toLowerCase();
  for (const [suffix, provider] of HOST_SUFFIXES) {
    if (h === suffix.replace(/^\./, '') || h.endsWith(suffix)) return provider;
  }
  return undefined;
}

/** Endpoint facts from `baseURL`; `fallback` is the provider when the host is not recognised. */
export function endpointFromBaseURL(
  baseURL: unknown,
  fallback: string,
  override?: string,
): Endpoint {
  if (typeof baseURL !== 'string') return { provider: override ?? fallback };
  try {
    const url = new URL(baseURL);
    const port = url.port !== '' ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
    const provider = override ?? providerFromHost(url.hostname) ?? fallback;
    return { provider, serverAddress: url.hostname, serverPort: port };
  } catch {
    return { provider: override ?? fallback };
  }
}
