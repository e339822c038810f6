// The collector as a service: receiver -> spool -> pipeline -> writer (-> forwarder), with the
// start-up replay of spooled records that were acknowledged but not committed before a crash.
import type { Server } from 'node:http';
import { join } from 'node:path';
import { createPricingProcessor, loadCatalog } from '../pricing/index.js';
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import type { Storage } from '../storage/client.js';
import type { CollectorMetrics } from '../analytics/http/metrics.js';
import { createForwarder, type Forwarder } from './forwarder.js';
import { Pipeline } from './pipeline.js';
import { decodeSpooled } from './receiver/decode.js';
import { createReceiver } from './receiver/http.js';
import {
  createIngestAuthorizer,
  decodeSpoolMeta,
  encodeSpoolMeta,
} from './receiver/ingest-auth.js';
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
  storage: Storage,
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
  await replayRecords(storage, p, replay, c.admission, logger);

  let draining = false;
  const authorize = createIngestAuthorizer(config.security.ingest_keys);
  const receiver = createReceiver({
    limits: c,
    authorize: (request) => authorize(request.headers),
    ingest: async (batch, { encoding, body, auth, receivedAtMs }) => {
      p.admit(batch.spans.length);
      const seq =
        spool !== undefined && batch.spans.length > 0
          ? await spool.append(encoding, body, encodeSpoolMeta(auth, receivedAtMs))
          : 0;
      return p.ingest(batch, seq, auth?.binding);
    },
    isDraining: () => draining,
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

/**
 * Re-ingest records acknowledged before a crash whose rows may not all be committed. Calls of
 * those traces already in the store are marked seen first, so a replay never counts twice.
 */
async function replayRecords(
  storage: Storage,
  pipeline: Pipeline,
  records: SpoolRecord[],
  admission: Config['collector']['admission'],
  logger: Logger,
): Promise<void> {
  if (records.length === 0) return;
  let spans = 0;
  for (const record of records) {
    const meta = decodeSpoolMeta(record.meta);
    const batch = decodeSpooled(record.encoding, record.body, admission, meta.received_at_ms);
    const traceIds = [...new Set(batch.spans.map((s) => s.traceId))];
    if (traceIds.length > 0) {
      const rs = await storage.client.query({
        query: 'SELECT call_id, tenant FROM llm_calls WHERE trace_id IN {ids:Array(String)}',
        query_params: { ids: traceIds },
        format: 'JSONEachRow',
      });
      pipeline.markSeen(await rs.json<{ call_id: string; tenant: string }>());
    }
    pipeline.ingest(batch, record.seq, meta.binding);
    spans += batch.spans.length;
  }
  logger.info('replayed spooled requests after restart', { records: records.length, spans });
}

/** Remember recently stored calls, so a client retrying a request from before a restart is not counted twice. */
async function warmSeen(storage: Storage, pipeline: Pipeline, logger: Logger): Promise<void> {
  try {
    const rs = await storage.client.query({
      query: `SELECT call_id, tenant FROM llm_calls
        WHERE start_time > now64(6) - INTERVAL 2 HOUR AND ingested_at > now64(3) - INTERVAL 30 MINUTE LIMIT 1000000`,
      format: 'JSONEachRow',
    });
    pipeline.markSeen(await rs.json<{ call_id: string; tenant: string }>());
  } catch (err) {
    logger.warn('could not load recent call ids; duplicates of pre-restart retries are possible', {
      err,
    });
  }
}
