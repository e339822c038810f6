// The OpenAPI document, generated from the same zod schemas the routes validate with.
// Each router registers its paths here; GET /v1/openapi.json serves the result.
import {
  OpenAPIRegistry,
  OpenApiGeneratorV3,
  extendZodWithOpenApi,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export const registry = new OpenAPIRegistry();

export function openApiDocument(): ReturnType<OpenApiGeneratorV3['generateDocument']> {
  const generator = new OpenApiGeneratorV3(registry.definitions);
  return generator.generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'llm-finops analytics API',
      version: '0.1.0',
      description: 'Cost, outcomes, latency, capacity and budgets of LLM traffic.',
    },
    servers: [{ url: '/' }],
  });
}
