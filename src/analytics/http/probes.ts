// The endpoints outside /v1 that monitoring calls: liveness, readiness and Prometheus metrics.
// Each is described by a spec here that both the handler and the OpenAPI document use, so the
// document says what the probes answer and under which key (none for the probes; the metrics
// key when `security.metrics_key_sha256` is set).
import type { Express, RequestHandler } from 'express';
import { z } from 'zod';

const healthBody = z
  .object({
    status: z.literal('ok'),
    insecure: z
      .literal(true)
      .optional()
      .describe('present when a listener runs --insecure beyond loopback'),
    warnings: z.array(z.string()).optional().describe('what --insecure exposes, one per listener'),
  })
  .strict();

const readyBody = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    reason: z
      .string()
      .optional()
      .describe('why it is not ready, e.g. nothing committed for stall_timeout_s while rows wait'),
  })
  .strict();

export interface ProbeSpec {
  path: '/healthz' | '/readyz' | '/metrics';
  summary: string;
  /** JSON answers by status; `text` for the Prometheus exposition. */
  answers: Record<
    number,
    { description: string; schema: z.ZodType } | { description: string; text: true }
  >;
  /** Needs the metrics key when one is configured. */
  metricsKey: boolean;
}

export const PROBES: readonly ProbeSpec[] = [
  {
    path: '/healthz',
    summary: 'Liveness: the process answers (never needs a key)',
    answers: { 200: { description: 'alive', schema: healthBody } },
    metricsKey: false,
  },
  {
    path: '/readyz',
    summary: 'Readiness: started, not draining, and ingest committing (never needs a key)',
    answers: {
      200: { description: 'ready', schema: readyBody },
      503: { description: 'not ready; `reason` says why', schema: readyBody },
    },
    metricsKey: false,
  },
  {
    path: '/metrics',
    summary: 'Prometheus metrics (text exposition); open unless security.metrics_key_sha256 is set',
    answers: {
      200: { description: 'Prometheus text exposition format 0.0.4', text: true },
      401: {
        description: 'security.metrics_key_sha256 is set and no valid key was sent',
        schema: z.object({ error: z.string(), message: z.string() }),
      },
    },
    metricsKey: true,
  },
];

/**
 * Answer with a probe body, checked against its documented schema in tests (checkResponses):
 * a probe that drifted from its document fails there as a 500.
 */
function probeJson<T>(
  schema: z.ZodType<T>,
  check: boolean,
): (res: Parameters<RequestHandler>[1], status: number, body: T) => void {
  return (res, status, body) => {
    if (check) schema.parse(body);
    res.status(status).json(body);
  };
}

export interface ProbeDeps {
  isReady?: (() => boolean) | undefined;
  notReadyReason?: (() => string | undefined) | undefined;
  insecureWarnings?: string[] | undefined;
  checkResponses?: boolean | undefined;
}

/** Mount /healthz and /readyz (before auth: probes never need a key). */
export function mountHealthProbes(app: Express, deps: ProbeDeps): void {
  const check = deps.checkResponses === true;
  const warnings = deps.insecureWarnings ?? [];
  const health = probeJson(healthBody, check);
  const ready = probeJson(readyBody, check);
  app.get('/healthz', (_req, res) => {
    health(
      res,
      200,
      warnings.length > 0 ? { status: 'ok', insecure: true, warnings } : { status: 'ok' },
    );
  });
  app.get('/readyz', (_req, res) => {
    const isReady = deps.isReady?.() ?? true;
    const reason = isReady ? undefined : deps.notReadyReason?.();
    ready(res, isReady ? 200 : 503, {
      status: isReady ? 'ready' : 'not_ready',
      ...(reason !== undefined ? { reason } : {}),
    });
  });
}
