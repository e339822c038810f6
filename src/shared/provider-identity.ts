// The one provider identity table: which provider a call went to, named by its
// `gen_ai.provider.name` well-known value (GenAI semconv v1.41), recognised from an endpoint host,
// from any other instrumentation's spelling (deprecated `gen_ai.system` values, OpenLIT, the AI
// SDK's `<provider>.<api>`, OpenInference) and from a LiteLLM price file's `litellm_provider`.
// The wrapper (server.address -> provider), the collector (spelling -> canonical name) and
// pricing (canonical name -> price-file keys) all read this one table, so they cannot disagree.
// It imports nothing but semconv: the instrumentation package ships it.
import { GEN_AI_PROVIDER } from './semconv.js';
import { BEDROCK_HOST, PROVIDERS, type ProviderIdentity } from './provider-table.js';

export { PROVIDERS, type ProviderIdentity };

const P = GEN_AI_PROVIDER;

// Lookup tables built once: these run for every span the collector normalizes.
const BY_NAME = new Map(PROVIDERS.map((p) => [p.name, p]));
const BY_ALIAS = new Map(PROVIDERS.flatMap((p) => p.aliases.map((a) => [a, p.name] as const)));
const HOSTS = PROVIDERS.flatMap((p) => p.hosts.map((re) => [re, p.name] as const));
// gcp.gen_ai lists Gemini's and Vertex's values too; the specific provider answers first.
const SPECIFIC = PROVIDERS.filter((p) => p.name !== P.GCP_GEN_AI);
const LITELLM_EXACT = new Map(
  SPECIFIC.flatMap((p) =>
    p.litellmProviders.filter((f) => !f.endsWith('*')).map((f) => [f, p.name] as const),
  ),
);
const LITELLM_PREFIX = SPECIFIC.flatMap((p) =>
  p.litellmProviders.filter((f) => f.endsWith('*')).map((f) => [f.slice(0, -1), p.name] as const),
);

/** The identity of a canonical provider name, if it is one we know. */
export function providerIdentity(name: string): ProviderIdentity | undefined {
  return BY_NAME.get(name);
}

/** `litellm_provider` -> canonical provider; undefined for a provider not in the table. */
export function providerFromLitellm(litellmProvider: string): string | undefined {
  const lp = litellmProvider.trim().toLowerCase();
  return LITELLM_EXACT.get(lp) ?? LITELLM_PREFIX.find(([prefix]) => lp.startsWith(prefix))?.[1];
}

function litellmMatches(p: ProviderIdentity, lp: string): boolean {
  return p.litellmProviders.some((f) =>
    f.endsWith('*') ? lp.startsWith(f.slice(0, -1)) : lp === f,
  );
}

/**
 * Canonical provider for any spelling; unknown spellings pass through lowercased, '' stays ''.
 * AI SDK `<provider>.<api>` strings (`openai.chat`, `google.vertex.chat`) match on their longest
 * known dotted prefix, so a new `<api>` suffix needs no change here.
 */
export function canonicalProvider(raw: string | undefined): string {
  const s = (raw ?? '').trim().toLowerCase();
  if (s === '') return '';
  const direct = BY_ALIAS.get(s);
  if (direct !== undefined) return direct;
  const parts = s.split('.');
  for (let n = parts.length - 1; n > 0; n--) {
    const hit = BY_ALIAS.get(parts.slice(0, n).join('.'));
    if (hit !== undefined) return hit;
  }
  return providerFromLitellm(s) ?? s;
}

/**
 * Hosts already matched ('' for none): a deployment calls a handful, and matching one tries every
 * provider's patterns (about 2 % of the collector's main thread when done for every span).
 * Bounded: a stream of distinct hosts clears it instead of growing it.
 */
const HOST_MEMO = new Map<string, string>();
const HOST_MEMO_MAX = 1024;

/** The provider an endpoint host belongs to, or undefined (self-hosted, a gateway, a mock). */
export function providerFromHost(host: string): string | undefined {
  let name = HOST_MEMO.get(host);
  if (name === undefined) {
    name = matchHost(host) ?? '';
    if (HOST_MEMO.size >= HOST_MEMO_MAX) HOST_MEMO.clear();
    HOST_MEMO.set(host, name);
  }
  return name === '' ? undefined : name;
}

function matchHost(host: string): string | undefined {
  let h = host.trim().toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h === '') return undefined;
  for (const [re, name] of HOSTS) if (re.test(h)) return name;
  return undefined;
}

/**
 * Final provider of a span: the declared one, corrected by the host where the declaration is
 * known to be generic (@opentelemetry/instrumentation-openai writes `openai` even when the
 * client's baseURL is an Azure OpenAI resource, and Azure is billed and deployed differently).
 */
export function resolveProvider(declared: string, host: string): string {
  const canonical = canonicalProvider(declared);
  const fromHost = providerFromHost(host) ?? '';
  if (canonical === '') return fromHost;
  if (canonical === P.OPENAI && fromHost === P.AZURE_AI_OPENAI) return fromHost;
  return canonical;
}

/** AWS region of a Bedrock endpoint (bedrock-runtime.us-east-1.amazonaws.com), or ''. */
export function regionFromHost(host: string): string {
  return BEDROCK_HOST.exec(host.trim().toLowerCase())?.[4] ?? '';
}

/** LiteLLM key prefixes to try for a provider; an unknown provider is tried as its own prefix. */
export function litellmPrefixes(provider: string): readonly string[] {
  if (provider === '') return [];
  return BY_NAME.get(provider)?.litellmPrefixes ?? [provider];
}

/** Whether a price entry's `litellm_provider` belongs to the call's canonical provider. */
export function litellmProviderMatches(provider: string, litellmProvider: string): boolean {
  if (provider === '' || litellmProvider === '') return true;
  const p = BY_NAME.get(provider);
  const lp = litellmProvider.trim().toLowerCase();
  return p !== undefined ? litellmMatches(p, lp) : lp === provider;
}

/** Every name a provider answers to in config keys (discounts): canonical, entry and LiteLLM names. */
export function providerNames(provider: string, litellmProvider: string): string[] {
  const names = new Set<string>();
  if (provider !== '') names.add(provider);
  if (litellmProvider !== '') names.add(litellmProvider.toLowerCase());
  for (const f of BY_NAME.get(provider)?.litellmProviders ?? []) if (!f.endsWith('*')) names.add(f);
  return [...names];
}

/**
 * Provider ids of the maintained price database (@pydantic/genai-prices) where they differ from
 * the canonical name or are ambiguous: several of ours bill from one of theirs.
 */
export const PRICE_DATABASE_IDS: Readonly<Record<string, string>> = {
  'aws.bedrock': 'aws',
  'azure.ai.openai': 'azure',
  'azure.ai.inference': 'azure',
  'gcp.vertex_ai': 'google',
  'gcp.gemini': 'google',
  'gcp.gen_ai': 'google',
  mistral_ai: 'mistral',
  x_ai: 'x-ai',
  moonshot: 'moonshotai',
};

/** The price database's provider id for a canonical provider name (the name itself when not mapped). */
export function priceDatabaseId(provider: string): string {
  return PRICE_DATABASE_IDS[provider] ?? provider;
}
