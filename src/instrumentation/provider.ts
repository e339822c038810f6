// gen_ai.provider.name and server.address/port from a client's base URL. The host is looked up
// in the shared provider identity table (the collector and pricing read the same one); anything
// unknown (self-hosted vLLM, a local mock, a gateway) gets the client's own provider unless the
// caller passes `provider`.
import { diag } from '@opentelemetry/api';
import { providerFromHost } from '../shared/provider-identity.js';

export interface Endpoint {
  provider: string;
  serverAddress?: string;
  serverPort?: number;
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
  } catch (err) {
    diag.debug('llm-finops: client baseURL is not a URL; no server.address', err);
    return { provider: override ?? fallback };
  }
}
