// The collector's configuration keys (collector.*): the OTLP edge, attribution across a trace,
// the write-ahead spool, the writer's batching and the optional forwarder. Split from config.ts,
// which assembles every section into the file schema.
import { z } from 'zod';
import { FINOPS, GENERAL } from './semconv.js';
import { admissionSchema, DEFAULT_ADMISSION, edgeShape } from './config-admission.js';

export const MiB = 1024 * 1024;

const attributionSchema = z
  .object({
    /** Span or resource attribute keys read, first present wins, after the finops.* key. */
    keys: z
      .object({
        route: z.array(z.string().min(1)).default([FINOPS.ROUTE, GENERAL.HTTP_ROUTE]),
        feature: z.array(z.string().min(1)).default([FINOPS.FEATURE]),
        tenant: z.array(z.string().min(1)).default([FINOPS.TENANT]),
      })
      .strict()
      .default({
        route: [FINOPS.ROUTE, GENERAL.HTTP_ROUTE],
        feature: [FINOPS.FEATURE],
        tenant: [FINOPS.TENANT],
      }),
    defaults: z
      .object({
        route: z.string().default('unattributed'),
        feature: z.string().default('unattributed'),
        tenant: z.string().default('unattributed'),
      })
      .strict()
      .default({ route: 'unattributed', feature: 'unattributed', tenant: 'unattributed' }),
    /** How long spans of a trace wait for their ancestors (groupbytrace's wait_duration). */
    wait_ms: z.number().int().min(0).max(600_000).default(2_000),
    /** Once the root span arrived, how long to wait for stragglers from other services. */
    root_grace_ms: z.number().int().min(0).max(60_000).default(250),
    /** Bound on spans held while waiting; past it the oldest traces are flushed early. */
    max_pending_spans: z.number().int().min(100).default(200_000),
    /** How long the attribution of a flushed trace is remembered for late spans. */
    remember_ms: z.number().int().min(0).default(600_000),
  })
  .strict();

export const forwardSchema = z
  .object({
    endpoint: z
      .url()
      .describe('the OTLP/HTTP traces URL to forward to, e.g. http://tempo:4318/v1/traces'),
    headers: z.record(z.string(), z.string()).default({}),
    queue_max_spans: z.number().int().min(1).default(50_000),
    timeout_ms: z.number().int().min(100).default(10_000),
    max_retries: z.number().int().min(0).default(5),
  })
  .strict();

const writerSchema = z
  .object({
    batch_rows: z.number().int().min(1).default(50_000),
    // An insert costs the engine a fixed fan-out to every view: 1 s cut CPU a span to 0.80x of 200 ms
    // below saturation (bench:latency at LAT_RATE=2000); reads flush first, so they wait for nothing.
    flush_interval_ms: z.number().int().min(10).default(1000),
    // While rows flow (batch_rows / 25 or more a flush interval), they wait up to this long for a
    // full insert (default 4 flush intervals): each insert's fixed engine cost is then paid once
    // for several intervals' rows.
    busy_flush_interval_ms: z.number().int().min(10).optional(),
    /** Consecutive failed attempts of one insert after which each failure is logged as an error. */
    max_retries: z.number().int().min(0).default(5),
    /** Cap on the wait between retries of an insert that failed for a retryable reason. */
    max_backoff_ms: z.number().int().min(10).default(30_000),
    /** Partitions one insert may touch: at most the store's max_partitions_per_insert_block. */
    max_partitions_per_insert: z.number().int().min(1).default(100),
    /**
     * Rows waiting and nothing committed for this long past flush_interval_ms: /readyz 503, a
     * metric and a log line.
     */
    stall_timeout_s: z.number().min(1).default(60),
    /** A read waits at most this long for acknowledged rows to commit (0: never waits). */
    read_wait_ms: z.number().int().min(0).default(2_000),
  })
  .strict();

export const collectorSchema = z
  .object({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(4318),
    /**
     * OTLP/gRPC (TraceService/Export) on collector.host; 0 picks a free port, false turns it off.
     * The OTel Collector's `loadbalancing` exporter, which keeps a trace on one replica, speaks
     * only gRPC.
     */
    grpc_port: z
      .union([z.number().int().min(0).max(65535), z.literal(false)])
      .default(4317)
      .describe('OTLP/gRPC port (0: any free port, false: no gRPC listener)'),
    max_body_bytes: z
      .number()
      .int()
      .min(1024)
      .default(64 * MiB),
    /** Requests being read or decoded at once; past it new ones get 429 before their body is read. */
    max_inflight_requests: z.number().int().min(1).default(256),
    /** Request bytes (wire and decompressed) held at once by requests in flight; past it, 429. */
    max_inflight_bytes: z
      .number()
      .int()
      .min(1024)
      .default(256 * MiB),
    ...edgeShape,
    /** Time window, string, attribute and depth caps checked on every span before it is spooled. */
    admission: admissionSchema.default(DEFAULT_ADMISSION),
    /** Rows held in memory (waiting traces plus the write queue) before 429. */
    max_queue_rows: z.number().int().min(100).default(500_000),
    retry_after_s: z.number().int().min(1).default(2),
    capture_content: z.boolean().default(false),
    /** Write-ahead spool: a 200 means the request is fsynced to disk (replayed after a crash). */
    spool: z
      .object({
        enabled: z.boolean().default(true),
        max_bytes: z
          .number()
          .int()
          .min(1024 * 1024)
          .default(1024 * MiB),
      })
      .strict()
      .default({ enabled: true, max_bytes: 1024 * MiB }),
    attribution: attributionSchema.default(attributionSchema.parse({})),
    writer: writerSchema.default(writerSchema.parse({})),
    /** SIGTERM: at most this long to commit what is acknowledged; the rest replays from the spool. */
    drain_timeout_s: z.number().min(1).default(20),
    forward: forwardSchema.optional(),
  })
  .strict()
  .refine((c) => c.max_inflight_bytes >= c.max_body_bytes, {
    message:
      'must be at least collector.max_body_bytes (a request that size could never be accepted)',
    path: ['max_inflight_bytes'],
  });
