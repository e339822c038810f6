// GET /metrics in the Prometheus text format (prom-client): collector counters read at scrape
// time from the pipeline, writer, spool and forwarder, plus API request durations.
import type { NextFunction, Request, Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CollectorMetrics } from '../../collector/metrics.js';
import { readResidentMemory } from '../../collector/process-memory.js';

const COUNTERS: [keyof CollectorMetrics, string][] = [
  ['spansReceived', 'OTLP spans received'],
  ['spansRejected', 'spans rejected (partial success)'],
  ['duplicatesDropped', 'calls dropped as duplicates of ones already accepted'],
  ['callsAccepted', 'LLM calls accepted'],
  ['outcomesAccepted', 'outcome spans accepted'],
  ['rowsWritten', 'rows committed to ClickHouse'],
  ['insertsWritten', 'inserts committed to ClickHouse (rows per insert: rows_written / this)'],
  ['insertFailures', 'failed insert attempts (retried)'],
  ['deadLettered', 'rows the store refused, kept in the dead-letter directory'],
  ['spoolCorruptRecords', 'spool records skipped at replay because their checksum failed'],
  ['spoolWriteErrors', 'spool appends that failed (disk full, I/O error, short write): 503'],
  ['forwarded', 'spans forwarded downstream'],
  ['forwardDropped', 'forwarded spans dropped (downstream too slow or failing)'],
  [
    'duplicateFilterEvicted',
    'call ids the duplicate filter forgot to stay within its memory share',
  ],
  [
    'tracesEvictedEarly',
    'released traces forgotten before remember_ms to stay within their memory share',
  ],
];

export interface Metrics {
  registry: Registry;
  middleware: (req: Request, res: Response, next: NextFunction) => void;
}

export function createMetrics(collector?: () => CollectorMetrics): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'llm_finops_' });
  const requests = new Histogram({
    name: 'llm_finops_api_request_duration_seconds',
    help: 'analytics API request duration',
    labelNames: ['route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.3, 1, 3],
    registers: [registry],
  });
  registerResident(registry);
  if (collector !== undefined) registerCollector(registry, collector);
  return {
    registry,
    middleware: (req, res, next) => {
      const end = requests.startTimer();
      res.on('finish', () =>
        end({
          route: (req.route as { path?: string } | undefined)?.path ?? 'unmatched',
          status: String(res.statusCode),
        }),
      );
      next();
    },
  };
}

/**
 * RSS split into anonymous and file pages (Linux only; absent elsewhere): sizing a container
 * needs the first, since the file pages (libchdb.so's code) are clean and the kernel reclaims
 * them under pressure.
 */
function registerResident(registry: Registry): void {
  if (readResidentMemory() === undefined) return;
  const kinds = [
    ['anon', 'anonBytes', 'anonymous (heap, malloc arenas, stacks: not reclaimable)'],
    ['file', 'fileBytes', 'file pages (code and libraries: clean, reclaimable by the kernel)'],
    ['shmem', 'shmemBytes', 'shared memory'],
  ] as const;
  for (const [kind, key, help] of kinds)
    gauge(
      registry,
      `llm_finops_process_resident_memory_${kind}_bytes`,
      `resident memory: ${help}`,
      () => readResidentMemory()?.[key] ?? 0,
    );
}

function registerCollector(registry: Registry, read: () => CollectorMetrics): void {
  for (const [key, help] of COUNTERS) {
    const name = `llm_finops_collector_${key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_total`;
    let last = 0;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        // prom-client counters only go up: add what the collector counted since the last scrape.
        const now = read()[key];
        if (now > last) this.inc(now - last);
        last = now;
      },
    });
  }
  new Gauge({
    name: 'llm_finops_collector_queued_rows',
    help: 'rows held in memory (waiting traces + write queue)',
    registers: [registry],
    collect() {
      this.set(read().queuedRows);
    },
  });
  new Gauge({
    name: 'llm_finops_collector_writer_stalled',
    help: '1 while rows wait and nothing has committed for collector.writer.stall_timeout_s',
    registers: [registry],
    collect() {
      this.set(read().writerStalled);
    },
  });
  new Gauge({
    name: 'llm_finops_collector_uncommitted_seconds',
    help: 'seconds since the last commit while rows wait (0 when none wait)',
    registers: [registry],
    collect() {
      this.set(read().uncommittedSeconds);
    },
  });
  gauge(
    registry,
    'llm_finops_collector_duplicate_window_seconds',
    'how far back the duplicate filter remembers call ids',
    () => read().duplicateWindowSeconds,
  );
  gauge(
    registry,
    'llm_finops_collector_trace_bytes',
    'estimated bytes of trace state held for attribution',
    () => read().traceBytes,
  );
  new Gauge({
    name: 'llm_finops_engine_memory_bytes',
    help: 'memory the embedded engine accounts for (its MemoryTracking metric; 0 on a server)',
    registers: [registry],
    collect() {
      this.set(read().engineMemoryBytes);
    },
  });
  new Gauge({
    name: 'llm_finops_collector_spool_bytes',
    help: 'bytes in the write-ahead spool',
    registers: [registry],
    collect() {
      this.set(read().spoolBytes);
    },
  });
}

function gauge(registry: Registry, name: string, help: string, value: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(value());
    },
  });
}
