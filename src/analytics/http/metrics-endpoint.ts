// GET /metrics on the collector's OTLP/HTTP port, so every collector replica can be scraped
// even when it runs without the analytics API (`start --no-api`, the compose `collector`
// service). The same Prometheus registry as the API's /metrics (./metrics.ts) and the same key
// rule (open unless security.metrics_key_sha256 is set, then that key or 401).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CollectorMetrics } from '../../collector/metrics.js';
import type { SecurityConfig } from '../../shared/config-security.js';
import { UnauthorizedError } from '../../shared/errors.js';
import { errorStatus } from '../../shared/http-status.js';
import { matchKey, presentedKey } from '../../shared/keys.js';
import { createMetrics } from './metrics.js';

export type MetricsEndpoint = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function createMetricsEndpoint(
  security: SecurityConfig,
  read: () => CollectorMetrics,
): MetricsEndpoint {
  const { registry } = createMetrics(read);
  const digest = security.metrics_key_sha256;
  const entries = digest !== undefined ? [{ key_sha256: digest }] : [];
  return async (req, res) => {
    if (entries.length > 0 && matchKey(entries, presentedKey(req.headers)) === undefined) {
      const refused = errorStatus(
        new UnauthorizedError(
          'a valid metrics key is required (Authorization: Bearer <key>; security.metrics_key_sha256)',
        ),
      );
      res.writeHead(refused.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: refused.error, message: refused.message }));
      return;
    }
    const text = await registry.metrics();
    res.writeHead(200, { 'Content-Type': registry.contentType });
    res.end(text);
  };
}
