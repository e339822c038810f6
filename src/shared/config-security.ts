// Config section for keys, roles, rate limits and the exposure guard. Keys are stored as SHA-256 hex digests,
// never in clear: `llm-finops keys hash <key>` prints the digest to paste here.
import { z } from 'zod';

const sha256Hex = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be the 64-char lowercase hex SHA-256 of the key');

const ingestKeySchema = z
  .object({
    name: z.string().min(1),
    key_sha256: sha256Hex,
    /** Bind the key to a tenant: `set` stamps it on every call, `require` rejects spans carrying another. */
    tenant: z.string().min(1).optional(),
    tenant_mode: z.enum(['set', 'require']).default('set'),
    /** Requests per second allowed for this key (token bucket, burst = 2 s worth). */
    rate_limit_rps: z.number().positive().default(200),
  })
  .strict();

const apiKeySchema = z
  .object({
    name: z.string().min(1),
    key_sha256: sha256Hex,
    /** admin: everything; reader: every GET; tenant: GETs and outcomes of one tenant; gateway: the routing feed only. */
    role: z.enum(['admin', 'reader', 'tenant', 'gateway']),
    tenant: z.string().min(1).optional(),
    rate_limit_rps: z.number().positive().default(50),
  })
  .strict()
  .refine((k) => k.role !== 'tenant' || k.tenant !== undefined, {
    message: 'a key with role tenant needs `tenant`',
    path: ['tenant'],
  });

export const securityConfigSchema = z
  .object({
    /** With keys configured, requests without a valid key get 401. Without keys, auth is off (local use). */
    ingest_keys: z.array(ingestKeySchema).default([]),
    api_keys: z.array(apiKeySchema).default([]),
    /** Origins allowed by CORS; none by default (the API is not meant for browsers on other origins). */
    cors_origins: z.array(z.string().min(1)).default([]),
    /** When set, GET /metrics needs `Authorization: Bearer <key>` with this key (401 otherwise). */
    metrics_key_sha256: sha256Hex.optional(),
    /**
     * Listen beyond loopback without keys (`--insecure`). Off by default: start refuses a
     * non-loopback collector without ingest_keys, or API without api_keys. When on, a warning
     * is logged at start and reported on /healthz.
     */
    insecure: z.boolean().default(false),
  })
  .strict();

export type SecurityConfig = z.infer<typeof securityConfigSchema>;
export type IngestKey = SecurityConfig['ingest_keys'][number];
export type ApiKey = SecurityConfig['api_keys'][number];
