// The provider identity table itself: one entry per provider, named by its `gen_ai.provider.name`
// well-known value (GenAI semconv v1.41). provider-identity.ts builds the lookups every caller uses
// (host, spelling, LiteLLM provider -> canonical name); adding a provider is one entry here.
// It imports nothing but semconv: the instrumentation package ships it.
import { GEN_AI_PROVIDER } from './semconv.js';

const P = GEN_AI_PROVIDER;

export interface ProviderIdentity {
  /** The `gen_ai.provider.name` value. */
  name: string;
  /** Endpoint hosts of this provider (lowercase). */
  hosts: readonly RegExp[];
  /** Other spellings (lowercase): deprecated semconv values and other instrumentations' names. */
  aliases: readonly string[];
  /** LiteLLM key prefixes ("azure/gpt-4o") of price entries, most specific first. */
  litellmPrefixes: readonly string[];
  /** The LiteLLM route a gateway calls this provider by (`<route>/<model>`). */
  litellmRoute: string;
  /** LiteLLM `litellm_provider` values; a trailing '*' matches any suffix. */
  litellmProviders: readonly string[];
  /** FOCUS names: ServiceProviderName (who sells), HostProviderName, ServiceName. */
  focus: { seller: string; host: string; service: string };
}

// Bedrock's own endpoints only (runtime, control plane, agents; FIPS; VPC endpoints; China):
// SageMaker, S3 and every other *.amazonaws.com host are not Bedrock.
export const BEDROCK_HOST =
  /(^|\.)bedrock(-runtime|-agent-runtime|-agent)?(-fips)?\.([a-z]{2}(-gov)?-[a-z]+-\d)\.(vpce\.)?amazonaws\.com(\.cn)?$/;

export const PROVIDERS: readonly ProviderIdentity[] = [
  {
    name: P.OPENAI,
    focus: { seller: 'OpenAI', host: 'OpenAI', service: 'OpenAI API' },
    hosts: [/(^|\.)api\.openai\.com$/],
    aliases: ['openai'],
    litellmPrefixes: ['openai'],
    litellmRoute: 'openai',
    litellmProviders: ['openai', 'text-completion-openai'],
  },
  {
    name: P.ANTHROPIC,
    focus: { seller: 'Anthropic', host: 'Anthropic', service: 'Claude API' },
    hosts: [/(^|\.)api\.anthropic\.com$/],
    aliases: ['anthropic'],
    litellmPrefixes: ['anthropic'],
    litellmRoute: 'anthropic',
    litellmProviders: ['anthropic'],
  },
  {
    name: P.AWS_BEDROCK,
    focus: {
      seller: 'Amazon Web Services',
      host: 'Amazon Web Services',
      service: 'Amazon Bedrock',
    },
    hosts: [BEDROCK_HOST],
    aliases: ['aws.bedrock', 'amazon-bedrock', 'amazon_bedrock', 'bedrock', 'aws'],
    litellmPrefixes: ['bedrock/converse', 'bedrock'],
    litellmRoute: 'bedrock',
    litellmProviders: ['bedrock', 'bedrock_converse'],
  },
  {
    name: P.AZURE_AI_OPENAI,
    focus: { seller: 'Microsoft', host: 'Microsoft', service: 'Azure OpenAI' },
    hosts: [/(^|\.)openai\.azure\.com$/, /(^|\.)cognitiveservices\.azure\.com$/],
    aliases: [
      'azure.ai.openai',
      'az.ai.openai',
      'azure-openai',
      'azure_openai',
      'az_openai',
      'azureopenai',
      'azure',
    ],
    litellmPrefixes: ['azure'],
    litellmRoute: 'azure',
    litellmProviders: ['azure'],
  },
  {
    name: P.AZURE_AI_INFERENCE,
    focus: { seller: 'Microsoft', host: 'Microsoft', service: 'Azure AI Foundry Models' },
    hosts: [
      /(^|\.)services\.ai\.azure\.com$/,
      /(^|\.)models\.ai\.azure\.com$/,
      /(^|\.)inference\.ai\.azure\.com$/,
    ],
    aliases: ['azure.ai.inference', 'az.ai.inference', 'azure_ai', 'azure-ai'],
    litellmPrefixes: ['azure_ai'],
    litellmRoute: 'azure_ai',
    litellmProviders: ['azure_ai'],
  },
  {
    name: P.GCP_VERTEX_AI,
    focus: { seller: 'Google Cloud', host: 'Google Cloud', service: 'Vertex AI' },
    // Regional endpoints are `<region>-aiplatform.googleapis.com`.
    hosts: [/(^|[.-])aiplatform\.googleapis\.com$/],
    aliases: ['gcp.vertex_ai', 'vertex_ai', 'vertexai', 'vertex', 'google.vertex', 'google-vertex'],
    litellmPrefixes: ['vertex_ai'],
    litellmRoute: 'vertex_ai',
    litellmProviders: ['vertex_ai*'],
  },
  {
    name: P.GCP_GEMINI,
    focus: { seller: 'Google', host: 'Google', service: 'Gemini API' },
    hosts: [/(^|\.)generativelanguage\.googleapis\.com$/],
    aliases: ['gcp.gemini', 'gemini', 'google.generative-ai', 'google-generative-ai'],
    litellmPrefixes: ['gemini'],
    litellmRoute: 'gemini',
    litellmProviders: ['gemini'],
  },
  {
    // Semconv: "when the backend (Gemini API or Vertex AI) is unknown"; a bare `google` says no more.
    name: P.GCP_GEN_AI,
    focus: { seller: 'Google', host: 'Google', service: 'Gemini API' },
    hosts: [],
    aliases: ['gcp.gen_ai', 'google.genai', 'google', 'google_genai'],
    litellmPrefixes: ['gemini', 'vertex_ai'],
    litellmRoute: 'vertex_ai',
    litellmProviders: ['gemini', 'vertex_ai*'],
  },
  {
    name: P.MISTRAL_AI,
    focus: { seller: 'Mistral AI', host: 'Mistral AI', service: 'Mistral AI API' },
    hosts: [/(^|\.)api\.mistral\.ai$/],
    aliases: ['mistral_ai', 'mistral', 'mistralai'],
    litellmPrefixes: ['mistral'],
    litellmRoute: 'mistral',
    litellmProviders: ['mistral'],
  },
  {
    name: P.DEEPSEEK,
    focus: { seller: 'DeepSeek', host: 'DeepSeek', service: 'DeepSeek API' },
    hosts: [/(^|\.)api\.deepseek\.com$/],
    aliases: ['deepseek'],
    litellmPrefixes: ['deepseek'],
    litellmRoute: 'deepseek',
    litellmProviders: ['deepseek'],
  },
  {
    name: P.X_AI,
    focus: { seller: 'xAI', host: 'xAI', service: 'xAI API' },
    hosts: [/(^|\.)api\.x\.ai$/],
    aliases: ['x_ai', 'xai'],
    litellmPrefixes: ['xai'],
    litellmRoute: 'xai',
    litellmProviders: ['xai'],
  },
  {
    name: P.GROQ,
    focus: { seller: 'Groq', host: 'Groq', service: 'GroqCloud' },
    hosts: [/(^|\.)api\.groq\.com$/],
    aliases: ['groq'],
    litellmPrefixes: ['groq'],
    litellmRoute: 'groq',
    litellmProviders: ['groq'],
  },
  {
    name: P.COHERE,
    focus: { seller: 'Cohere', host: 'Cohere', service: 'Cohere API' },
    hosts: [/(^|\.)api\.cohere\.(com|ai)$/],
    aliases: ['cohere', 'cohere_chat'],
    litellmPrefixes: ['cohere_chat', 'cohere'],
    litellmRoute: 'cohere',
    litellmProviders: ['cohere', 'cohere_chat'],
  },
  {
    name: P.PERPLEXITY,
    focus: { seller: 'Perplexity', host: 'Perplexity', service: 'Perplexity API' },
    hosts: [/(^|\.)api\.perplexity\.ai$/],
    aliases: ['perplexity'],
    litellmPrefixes: ['perplexity'],
    litellmRoute: 'perplexity',
    litellmProviders: ['perplexity'],
  },
  {
    name: P.IBM_WATSONX_AI,
    focus: { seller: 'IBM', host: 'IBM', service: 'IBM watsonx.ai' },
    hosts: [/(^|\.)ml\.cloud\.ibm\.com$/],
    aliases: ['ibm.watsonx.ai', 'ibm.watson.ai', 'watsonx'],
    litellmPrefixes: ['watsonx'],
    litellmRoute: 'watsonx',
    litellmProviders: ['watsonx'],
  },
];
