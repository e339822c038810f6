// The OpenAPI document, rendered from the routes the app mounted (ApiRoutes): each route's
// query / body schema is the one it validates with, and its response schema the one tests
// check answers against. Every /v1 route but this document needs a key when keys are
// configured: the bearer scheme (or X-API-Key), and 401 / 403 / 429 answers. The probes
// outside /v1 (probes.ts) are documented from their own specs: /healthz and /readyz never need
// a key; /metrics needs the metrics key when `security.metrics_key_sha256` is set. The
// document itself is served open and not part of it.
import {
  OpenAPIRegistry,
  OpenApiGeneratorV3,
  extendZodWithOpenApi,
  type ResponseConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { PROBES, type ProbeSpec } from './probes.js';
import type { ApiRoutes, RouteSpec } from './route.js';

extendZodWithOpenApi(z);

export const OPENAPI_PATH = '/v1/openapi.json';

/** Every error answer of the API. */
export const errorBody = z
  .object({
    error: z
      .string()
      .describe('machine-readable name: invalid_parameter, unauthorized, rate_limited, ...'),
    parameter: z
      .string()
      .optional()
      .describe('the query parameter or body field at fault (e.g. outcomes.3.success)'),
    message: z.string(),
  })
  .openapi('Error');

const json = (description: string): ResponseConfig => ({
  description,
  content: { 'application/json': { schema: errorBody } },
});

const retryAfter = {
  'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' as const } },
};

const COMMON: Record<number, ResponseConfig> = {
  400: json('invalid parameter or body field (named in `parameter`)'),
  401: json('no valid API key (when security.api_keys is configured)'),
  403: json("the key's role or tenant does not allow this"),
  429: { ...json('the key is over its rate limit'), headers: retryAfter },
};

const EXTRA: Record<number, ResponseConfig> = {
  304: { description: 'If-None-Match matched: not modified' },
  404: json('not found (named in `parameter`)'),
  503: { ...json('not available yet; retry after Retry-After'), headers: retryAfter },
};

function responses(spec: RouteSpec): Record<number, ResponseConfig> {
  const ok: ResponseConfig = {
    description: spec.ok.description,
    content: Object.fromEntries(
      (spec.ok.contentTypes ?? ['application/json']).map((type) => [
        type,
        { schema: type === 'application/json' ? spec.ok.schema : z.string() },
      ]),
    ),
  };
  const out: Record<number, ResponseConfig> = { [spec.ok.status ?? 200]: ok, ...COMMON };
  if (spec.body !== undefined)
    out[415] = json('the body is not JSON: send Content-Type: application/json');
  for (const [status, description] of Object.entries(spec.also ?? {}))
    out[Number(status)] = { ...(EXTRA[Number(status)] as ResponseConfig), description };
  return out;
}

export interface DocumentOptions {
  /** `security.metrics_key_sha256` is set: /metrics is documented as needing that key. */
  metricsKeyRequired?: boolean;
}

/** A probe's answers: JSON bodies with their schema, or the Prometheus text exposition. */
function probeResponses(spec: ProbeSpec, keyed: boolean): Record<number, ResponseConfig> {
  const out: Record<number, ResponseConfig> = {};
  for (const [status, answer] of Object.entries(spec.answers)) {
    if (Number(status) === 401 && !keyed) continue;
    out[Number(status)] = {
      description: answer.description,
      content:
        'text' in answer
          ? { 'text/plain; version=0.0.4': { schema: z.string() } }
          : { 'application/json': { schema: answer.schema } },
    };
  }
  return out;
}

export function openApiDocument(
  routes: ApiRoutes,
  options: DocumentOptions = {},
): ReturnType<OpenApiGeneratorV3['generateDocument']> {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'an API key from security.api_keys: Authorization: Bearer <key>',
  });
  const header = registry.registerComponent('securitySchemes', 'apiKeyHeader', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
  });
  const security = [{ [bearer.name]: [] }, { [header.name]: [] }];
  const metricsKeyed = options.metricsKeyRequired === true;
  const metricsKey = registry.registerComponent('securitySchemes', 'metricsKey', {
    type: 'http',
    scheme: 'bearer',
    description:
      'the key whose SHA-256 is security.metrics_key_sha256: Authorization: Bearer <key> (GET /metrics only)',
  });
  for (const probe of PROBES) {
    const keyed = probe.metricsKey && metricsKeyed;
    registry.registerPath({
      method: 'get',
      path: probe.path,
      summary: probe.summary,
      // An empty list overrides the document's bearer default: no key is asked for.
      security: keyed ? [{ [metricsKey.name]: [] }] : [],
      responses: probeResponses(probe, keyed),
    });
  }
  for (const spec of routes.specs) {
    registry.registerPath({
      method: spec.method,
      path: spec.path,
      summary: spec.summary,
      security,
      request: {
        ...(spec.query !== undefined ? { query: spec.query as never } : {}),
        ...(spec.body !== undefined
          ? { body: { content: { 'application/json': { schema: spec.body } } } }
          : {}),
      },
      responses: responses(spec),
    });
  }
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'llm-finops analytics API',
      version: '0.1.0',
      description: 'Cost, outcomes, latency, capacity and budgets of LLM traffic.',
    },
    servers: [{ url: '/' }],
    security,
  });
}
