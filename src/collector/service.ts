// The collector as a service: receiver -> spool -> pipeline -> writer (-> forwarder), with the
// start-up replay of spooled records that were acknowledged but not committed before a crash.
import type { Server } from 'node:http';
import { join } from 'node:path';
import { createPricingProcessor, loadCatalog } from '../pricing/index.js';
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { recentCallIds, storedCallIds } from '../storage/calls.js';
import type { QueryRunner } from '../storage/runner.js';
import type { CollectorMetrics } from '../analytics/http/metrics.js';
import { createForwarder, type Forwarder } from './forwarder.js';
import { Pipeline, type TenantBinding } from './pipeline.js';
import type { IngestKey } from '../shared/config-security.js';
import { RateLimitedError, UnauthorizedError } from '../shared/errors.js';
import { matchKey, presentedKey, RateLimiter } from '../shared/keys.js';
import { decodeJsonRequest } from './receiver/otlp-json.js';
import { decodeProtoRequest } from './receiver/otlp-proto.js';
import type { DecodedBatch } from './receiver/decoded.js';
import { createReceiver } from './receiver/http.js';
import { Spool, type SpoolRecord } from './spool.js';
import { Writer } from './writer.js';

export interface CollectorService {
  pipeline: Pipeline;
  /** Counters for /metrics. */
  metrics(): CollectorMetrics;
  receiver: Server;
  spool: Spool | undefined;
  /** Stop accepting (503), close the listener, release held spans, commit everything acknowledged. */
  stop(): Promise<void>;
}

export async function startCollector(
  config: Config,
  storage: QueryRunner,
  logger: Logger,
): Promise<CollectorService> {
  const c = config.collector;
  const catalog = loadCatalog({
    pricesFile: config.pricing.prices_file,
    overridesFile: config.pricing.overrides_file,
    deploymentModels: config.pricing.deployment_models,
  });
  for (const warning of catalog.warnings) logger.warn('price catalog', { warning });
  let spool: Spool | undefined;
  let replay: SpoolRecord[] = [];
  if (c.spool.enabled) {
    ({ spool, replay } = await Spool.open({
      dir: join(config.storage.data_dir, 'spool'),
      maxBytes: c.spool.max_bytes,
      retryAfterSeconds: c.retry_after_s,
    }));
  }
  const writer = new Writer(
    storage,
    {
      batchRows: c.writer.batch_rows,
      flushIntervalMs: c.writer.flush_interval_ms,
      maxRetries: c.writer.max_retries,
      deadLetterDir: join(config.storage.data_dir, 'dead-letter'),
      // Called only after the pipeline below exists (a batch commits after ingest started).
      onCommitted: (seqs) => pipeline.committed(seqs),
    },
    logger,
  );
  const forwarder: Forwarder | undefined =
    c.forward !== undefined ? createForwarder(c.forward, logger) : undefined;
  const pipeline = new Pipeline({
    config: c,
    writer,
    price: createPricingProcessor(catalog),
    logger,
    ...(forwarder !== undefined ? { sink: forwarder } : {}),
    ...(spool !== undefined ? { onRecordDone: (seq: number) => spool?.markDone([seq]) } : {}),
  });
  pipeline.start();
  const p = pipeline;
  await warmSeen(storage, p, logger);
  await replayRecords(storage, p, replay, logger);

  let draining = false;
  const authorize = ingestAuthorizer(config.security.ingest_keys);
  const receiver = createReceiver({
    maxBodyBytes: c.max_body_bytes,
    maxInflightRequests: c.max_inflight_requests,
    maxInflightBytes: c.max_inflight_bytes,
    authorize: (request) => authorize(request.headers),
    ingest: async (batch, { encoding, body, auth }) => {
      const binding = auth as TenantBinding | undefined;
      p.admit(batch.spans.length);
      const meta = binding !== undefined ? JSON.stringify({ binding }) : '';
      const seq =
        spool !== undefined && batch.spans.length > 0
          ? await spool.append(encoding, body, meta)
          : 0;
      return p.ingest(batch, seq, binding);
    },
    isDraining: () => draining,
    retryAfterSeconds: c.retry_after_s,
    logger,
  });
  return {
    pipeline: p,
    receiver,
    spool,
    metrics: () => ({
      ...p.stats,
      queuedRows: p.queuedRows,
      rowsWritten: writer.stats.rowsWritten,
      insertFailures: writer.stats.insertFailures,
      deadLettered: writer.stats.deadLettered,
      spoolBytes: spool?.bytes ?? 0,
      forwarded: forwarder?.stats.forwarded ?? 0,
      forwardDropped: forwarder?.stats.dropped ?? 0,
    }),
    async stop() {
      draining = true; // keep-alive connections still open get 503 + Retry-After
      await new Promise<void>((resolve) => {
        receiver.close(() => resolve());
        receiver.closeIdleConnections();
        // Clients that keep a connection busy get 503 + Connection: close; cut stragglers after 5 s.
        setTimeout(() => receiver.closeAllConnections(), 5_000).unref();
      });
      await p.stop();
      await forwarder?.stop();
      await spool?.close();
    },
  };
}

function decode(record: SpoolRecord): DecodedBatch {
  return record.encoding === 'protobuf'
    ? decodeProtoRequest(record.body)
    : decodeJsonRequest(record.body);
}

/**
 * Re-ingest records acknowledged before a crash whose rows may not all be committed. Calls of
 * those traces already in the store are marked seen first, so a replay never counts twice.
 */
async function replayRecords(
  storage: QueryRunner,
  pipeline: Pipeline,
  records: SpoolRecord[],
  logger: Logger,
): Promise<void> {
  if (records.length === 0) return;
  let spans = 0;
  for (const record of records) {
    const batch = decode(record);
    const traceIds = [...new Set(batch.spans.map((s) => s.traceId))];
    if (traceIds.length > 0) pipeline.markSeen(await storedCallIds(storage, traceIds));
    const meta = record.meta !== '' ? (JSON.parse(record.meta) as { binding?: TenantBinding }) : {};
    pipeline.ingest(batch, record.seq, meta.binding);
    spans += batch.spans.length;
  }
  logger.info('replayed spooled requests after restart', { records: records.length, spans });
}

/** Remember recently stored calls, so a client retrying a request from before a restart is not counted twice. */
async function warmSeen(storage: QueryRunner, pipeline: Pipeline, logger: Logger): Promise<void> {
  try {
    pipeline.markSeen(await recentCallIds(storage));
  } catch (err) {
    logger.warn('could not load recent call ids; duplicates of pre-restart retries are possible', {
      err,
    });
  }
}

/**
 * With ingest keys configured, every request must present one (401 otherwise); each key has a
 * rate limit (429) and may bind its spans to a tenant. Without keys, ingest is open (local use).
 */
function ingestAuthorizer(
  keys: IngestKey[],
): (headers: Record<string, string | string[] | undefined>) => TenantBinding | undefined {
  const limiter = new RateLimiter();
  return (headers) => {
    if (keys.length === 0) return undefined;
    const key = matchKey(keys, presentedKey(headers));
    if (key === undefined)
      throw new UnauthorizedError('a valid ingest key is required (Authorization: Bearer <key>)');
    const wait = limiter.take(key.name, key.rate_limit_rps);
    if (wait > 0) throw new RateLimitedError(`ingest key ${key.name} is over its rate limit`, wait);
    return key.tenant !== undefined ? { tenant: key.tenant, mode: key.tenant_mode } : undefined;
  };
}
