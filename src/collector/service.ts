// The collector as a service: receiver -> spool -> pipeline -> writer (-> forwarder), with the
// start-up replay of spooled records that were acknowledged but not committed before a crash.
import type { Server } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPricingProcessor, type PriceCatalog } from '../pricing/index.js';
import { noticeIncompleteUsage } from './usage-notice.js';
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { recentCallIds, storedCallIds } from '../storage/calls.js';
import { planMemory, sampleEngineMemory } from '../storage/memory.js';
import type { QueryRunner } from '../storage/runner.js';
import type { CollectorMetrics } from './metrics.js';
import { createForwarder, type Forwarder } from './forwarder.js';
import { Pipeline } from './pipeline.js';
import { decodeSpooled } from './receiver/decode.js';
import { createInflight, type ReceiverOptions } from './receiver/edge.js';
import { createGrpcReceiver, type GrpcReceiver } from './receiver/grpc.js';
import { createReceiver, type HttpReceiverOptions } from './receiver/http.js';
import {
  createIngestAuthorizer,
  createKeyCheck,
  decodeSpoolMeta,
  encodeSpoolMeta,
} from './receiver/ingest-auth.js';
import { SPOOL_LOCK_STALE_MS } from './spool-lock.js';
import { Spool, type OpenSegment, type SpoolRecord } from './spool.js';
import { Writer } from './writer.js';
import { writerCallFormat } from './writer-rows.js';

export interface CollectorService {
  pipeline: Pipeline;
  /** Counters for /metrics. */
  metrics(): CollectorMetrics;
  receiver: Server;
  /** The OTLP/gRPC receiver (not yet listening), unless collector.grpc_port is false. */
  grpc: GrpcReceiver | undefined;
  spool: Spool | undefined;
  /** Why ingest is not healthy (the writer is stalled), or undefined. */
  notReadyReason(): string | undefined;
  /**
   * Before a read: let rows acknowledged so far commit, waiting at most `read_wait_ms`, and not
   * at all while the store is failing (a read never hangs on the writer).
   */
  readBarrier(): Promise<void>;
  /**
   * Stop accepting (503), close the listener, release held spans, commit what is acknowledged
   * within `drain_timeout_s`; whatever the store does, it returns by then (the rest replays
   * from the spool at the next start).
   */
  stop(): Promise<void>;
}

export interface CollectorOptions {
  /** The file layer under the spool's segments (tests inject disk faults here). */
  openSpoolSegment?: OpenSegment;
  /** GET /metrics on the OTLP/HTTP port, rendered by the composition root. */
  metrics?: HttpReceiverOptions['metrics'];
}

/** The collector on services the composition root built (storage, the price catalog). */
export async function startCollector(
  config: Config,
  storage: QueryRunner,
  logger: Logger,
  catalog: PriceCatalog,
  options: CollectorOptions = {},
): Promise<CollectorService> {
  const c = config.collector;
  let spool: Spool | undefined;
  let replay: SpoolRecord[] = [];
  if (c.spool.enabled) {
    ({ spool, replay } = await Spool.open({
      dir: join(config.storage.data_dir, 'spool'),
      maxBytes: c.spool.max_bytes,
      retryAfterSeconds: c.retry_after_s,
      ...(options.openSpoolSegment !== undefined ? { openSegment: options.openSpoolSegment } : {}),
      // A container recreated on this volume (new hostname) waits out its predecessor's lock.
      lockWaitMs: SPOOL_LOCK_STALE_MS + 5_000,
      onLockWait: (owner) =>
        logger.warn(
          'waiting for the ingest spool lock (held by another process until it stops or goes stale)',
          {
            holder: owner === undefined ? 'unknown' : `pid ${owner.pid} on ${owner.host}`,
            stale_after_s: SPOOL_LOCK_STALE_MS / 1000,
          },
        ),
      onLockLost: (err) =>
        logger.error(
          'another process took the ingest spool lock (this process stalled past its staleness window); two processes may now share the spool',
          { error: err.message },
        ),
    }));
    reportSpoolLoad(spool, logger);
  }
  const memory = planMemory(config.storage.max_memory);
  const writer = new Writer(
    storage,
    {
      batchRows: c.writer.batch_rows,
      // An insert's engine memory grows with its rows: a batch is cut to the plan's share.
      maxInsertBytes: memory.insertBytes,
      flushIntervalMs: c.writer.flush_interval_ms,
      busyFlushIntervalMs: c.writer.busy_flush_interval_ms ?? 4 * c.writer.flush_interval_ms,
      // An insert goes when a full batch waits, else at the flush interval: the engine's cost
      // per insert is large (bench:ingest BENCH_SHAPES=1), so the interval sets the insert size.
      minInsertRows: c.writer.batch_rows,
      maxRetries: c.writer.max_retries,
      callFormat: await writerCallFormat(config.storage, storage),
      deadLetterDir: join(config.storage.data_dir, 'dead-letter'),
      maxPartitionsPerInsert: c.writer.max_partitions_per_insert,
      backoff: { baseMs: 100, maxMs: c.writer.max_backoff_ms },
      stallTimeoutMs: c.writer.stall_timeout_s * 1000,
      // Called only after the pipeline below exists (a batch commits after ingest started).
      onCommitted: (seqs) => pipeline.committed(seqs),
    },
    logger,
  );
  const forwarder: Forwarder | undefined =
    c.forward !== undefined
      ? createForwarder(c.forward, logger, { captureContent: c.capture_content })
      : undefined;
  const pipeline = new Pipeline({
    config: c,
    writer,
    // The pipeline owns the calls it prices: priced in place, not copied.
    price: noticeIncompleteUsage(createPricingProcessor(catalog, { inPlace: true }), logger),
    ...(forwarder !== undefined ? { sink: forwarder } : {}),
    ...(spool !== undefined ? { onRecordDone: (seq: number) => spool?.markDone([seq]) } : {}),
    maxQueueBytes: memory.queueBytes,
    memory,
    onEviction: (what, details) => reportEviction(logger, what, details),
  });
  pipeline.start();
  const p = pipeline;
  await warmSeen(storage, p, logger);
  await replayRecords(storage, p, replay, c.admission, logger);

  let draining = false;
  // One authorizer (one rate limiter per key) and one in-flight budget for both listeners.
  const authorize = createIngestAuthorizer(config.security.ingest_keys);
  const edge: ReceiverOptions = {
    limits: c,
    authorize,
    checkKey: createKeyCheck(config.security.ingest_keys),
    inflight: createInflight(c),
    ingest: (batch, { encoding, body, auth, receivedAtMs }) => {
      p.admit(batch.spans.length);
      // Normalized before the spool's fsync, and not async: nothing keeps the decoded spans
      // (a 20-key attribute object each) alive through the fsync, where a scavenge would
      // copy them and promote them to the old generation.
      const prepared = p.prepare(batch, auth?.binding);
      if (spool === undefined || batch.spans.length === 0) return p.commit(prepared, 0);
      return spool
        .append(encoding, body, encodeSpoolMeta(auth, receivedAtMs))
        .then((seq) => p.commit(prepared, seq));
    },
    isDraining: () => draining,
    logger,
  };
  const engineMemory = sampleEngineMemory(storage);
  const receiver = createReceiver(
    options.metrics !== undefined ? { ...edge, metrics: options.metrics } : edge,
  );
  const grpc = c.grpc_port !== false ? createGrpcReceiver(edge) : undefined;
  return {
    pipeline: p,
    receiver,
    grpc,
    spool,
    metrics: () => ({
      ...p.stats,
      ...p.memoryStats,
      queuedRows: p.queuedRows,
      rowsWritten: writer.stats.rowsWritten,
      insertsWritten: writer.stats.inserts,
      insertFailures: writer.stats.insertFailures,
      deadLettered: writer.stats.deadLettered,
      writerStalled: writer.stallReason() !== undefined ? 1 : 0,
      uncommittedSeconds: writer.waitingMs / 1000,
      spoolBytes: spool?.bytes ?? 0,
      spoolCorruptRecords: spool?.stats.corruptRecords ?? 0,
      spoolWriteErrors: spool?.stats.writeErrors ?? 0,
      forwarded: forwarder?.stats.forwarded ?? 0,
      forwardDropped: forwarder?.stats.dropped ?? 0,
      engineMemoryBytes: engineMemory.bytes,
    }),
    notReadyReason: () => {
      const stalled = writer.stallReason();
      return stalled !== undefined ? `ingest stalled: ${stalled}` : undefined;
    },
    async readBarrier() {
      if (writer.failing || c.writer.read_wait_ms === 0) return;
      await within(p.sync(), c.writer.read_wait_ms);
    },
    async stop() {
      const deadline = Date.now() + c.drain_timeout_s * 1000;
      draining = true; // keep-alive connections still open get 503 + Retry-After
      // Clients that keep a connection busy get 503 + Connection: close (gRPC: GOAWAY, then
      // UNAVAILABLE); cut stragglers after 5 s (or a quarter of the drain time, if shorter).
      const cut = Math.min(5_000, (c.drain_timeout_s * 1000) / 4);
      const http = new Promise<void>((resolve) => {
        receiver.close(() => resolve());
        receiver.closeIdleConnections();
        setTimeout(() => receiver.closeAllConnections(), cut).unref();
      });
      await Promise.all([http, grpc?.close(cut)]);
      engineMemory.stop();
      writer.setDrainDeadline(deadline);
      await p.stop();
      if (forwarder !== undefined) await within(forwarder.stop(), deadline - Date.now());
      await spool?.close();
    },
  };
}

/** Wait for `work`, at most `ms`; what it does afterwards is its own business. */
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  const timer = new AbortController();
  await Promise.race([
    work.catch(() => undefined),
    sleep(Math.max(0, ms), undefined, { signal: timer.signal }).catch(() => undefined),
  ]);
  timer.abort();
}

/** Say what loading the spool skipped: a corrupt record is data an operator should know about. */
function reportSpoolLoad(spool: Spool, logger: Logger): void {
  for (const c of spool.loadReport.corrupt) {
    logger.warn('spool: skipped a corrupt record; replaying the records after it', c);
  }
  for (const t of spool.loadReport.tornTails) {
    logger.info(
      'spool: ignored an incomplete last record (a write cut short, never acknowledged)',
      t,
    );
  }
}

/**
 * Re-ingest records acknowledged before a crash whose rows may not all be committed. Calls of
 * those traces already in the store are marked seen first, so a replay never counts twice.
 */
async function replayRecords(
  storage: QueryRunner,
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
    if (traceIds.length > 0) pipeline.markSeen(await storedCallIds(storage, traceIds));
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

/** Said once per structure: from here on it forgets its oldest entries (see /metrics). */
function reportEviction(logger: Logger, what: string, details: Record<string, number>): void {
  if (what === 'duplicate-filter')
    logger.info(
      'duplicate filter full (storage.max_memory share): the oldest call ids are forgotten first; a retry older than windowSeconds would count twice',
      details,
    );
  else
    logger.warn(
      'trace buffer over its storage.max_memory share: released traces are forgotten before attribution.remember_ms, oldest first; a child span arriving later than rememberedMs gets no attribution from its ancestors',
      details,
    );
}
