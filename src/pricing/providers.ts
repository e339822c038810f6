// OTel `gen_ai.provider.name` values -> LiteLLM vocabulary. LiteLLM scopes keys with a routing
// prefix ("azure/gpt-4o") and tags entries with `litellm_provider`; both differ from OTel names.

interface ProviderInfo {
  /** Key prefixes tried before the bare name, most specific first. */
  prefixes: string[];
  /** litellm_provider values of this provider; a trailing '*' matches any suffix. */
  litellm: string[];
}

const PROVIDERS: Record<string, ProviderInfo> = {
  openai: { prefixes: ['openai'], litellm: ['openai', 'text-completion-openai'] },
  anthropic: { prefixes: ['anthropic'], litellm: ['anthropic'] },
  'aws.bedrock': {
    prefixes: ['bedrock/converse', 'bedrock'],
    litellm: ['bedrock', 'bedrock_converse'],
  },
  'azure.ai.openai': { prefixes: ['azure'], litellm: ['azure'] },
  'azure.ai.inference': { prefixes: ['azure_ai'], litellm: ['azure_ai'] },
  'gcp.vertex_ai': { prefixes: ['vertex_ai'], litellm: ['vertex_ai*'] },
  'gcp.gemini': { prefixes: ['gemini'], litellm: ['gemini'] },
  // gcp.gen_ai is used when the SDK cannot tell Vertex from the Gemini API apart.
  'gcp.gen_ai': { prefixes: ['gemini', 'vertex_ai'], litellm: ['gemini', 'vertex_ai*'] },
  mistral_ai: { prefixes: ['mistral'], litellm: ['mistral'] },
  deepseek: { prefixes: ['deepseek'], litellm: ['deepseek'] },
  x_ai: { prefixes: ['xai'], litellm: ['xai'] },
  groq: { prefixes: ['groq'], litellm: ['groq'] },
  cohere: { prefixes: ['cohere_chat', 'cohere'], litellm: ['cohere', 'cohere_chat'] },
  perplexity: { prefixes: ['perplexity'], litellm: ['perplexity'] },
  'ibm.watsonx.ai': { prefixes: ['watsonx'], litellm: ['watsonx'] },
};

/** Some instrumentations (AI SDK) send "openai.chat" or "azure-openai": reduce to a known name. */
const PROVIDER_SYNONYMS: Record<string, string> = {
  azure: 'azure.ai.openai',
  'azure-openai': 'azure.ai.openai',
  az_openai: 'azure.ai.openai',
  bedrock: 'aws.bedrock',
  'amazon-bedrock': 'aws.bedrock',
  vertex_ai: 'gcp.vertex_ai',
  'google.vertex': 'gcp.vertex_ai',
  vertex: 'gcp.vertex_ai',
  gemini: 'gcp.gemini',
  google: 'gcp.gemini',
  'google.generative-ai': 'gcp.gemini',
  mistral: 'mistral_ai',
  xai: 'x_ai',
};

export function canonicalProvider(provider: string | undefined): string {
  const p = (provider ?? '').trim().toLowerCase();
  // "openai.chat", "google.vertex.chat" (AI SDK style): the longest known dotted prefix names it.
  const parts = p.split('.');
  for (let n = parts.length; n > 0; n--) {
    const head = parts.slice(0, n).join('.');
    if (PROVIDERS[head]) return head;
    if (PROVIDER_SYNONYMS[head]) return PROVIDER_SYNONYMS[head];
  }
  return p;
}

/** Key prefixes to try for a provider; an unknown provider is tried as its own prefix. */
export function providerPrefixes(provider: string): string[] {
  if (provider === '') return [];
  return PROVIDERS[provider]?.prefixes ?? [provider];
}

/** Whether a catalog entry's litellm_provider belongs to the call's (canonical) provider. */
export function providerMatches(provider: string, litellmProvider: string): boolean {
  if (provider === '' || litellmProvider === '') return true;
  const families = PROVIDERS[provider]?.litellm ?? [provider];
  const lp = litellmProvider.toLowerCase();
  return families.some((f) => (f.endsWith('*') ? lp.startsWith(f.slice(0, -1)) : lp === f));
}

/** Discount keys may use either vocabulary; these are the names a call's provider answers to. */
export function providerNames(provider: string, litellmProvider: string): string[] {
  const names = new Set<string>();
  if (provider !== '') names.add(provider);
  if (litellmProvider !== '') names.add(litellmProvider.toLowerCase());
  for (const f of PROVIDERS[provider]?.litellm ?? []) if (!f.endsWith('*')) names.add(f);
  return [...names];
}
