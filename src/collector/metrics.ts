// The collector's counters, read on every /metrics scrape. Defined by the collector (it counts
// them); the analytics API's Prometheus endpoint only renders them.

/** The collector's bounded structures (storage.max_memory's shares). */
export interface MemoryStats {
  /** Call ids the duplicate filter forgot to stay within its bytes. */
  duplicateFilterEvicted: number;
  /** How far back the duplicate filter remembers (age of its oldest id). */
  duplicateWindowSeconds: number;
  /** Estimated bytes of trace state held for attribution. */
  traceBytes: number;
  /** Released traces forgotten before attribution.remember_ms to stay within their bytes. */
  tracesEvictedEarly: number;
}

/** Numbers the collector exposes; read on every scrape. */
export interface CollectorMetrics extends MemoryStats {
  spansReceived: number;
  spansRejected: number;
  duplicatesDropped: number;
  callsAccepted: number;
  outcomesAccepted: number;
  queuedRows: number;
  rowsWritten: number;
  /** Inserts committed (every table): rowsWritten / insertsWritten is the rows per insert. */
  insertsWritten: number;
  insertFailures: number;
  deadLettered: number;
  /** 1 while rows wait and nothing committed for collector.writer.stall_timeout_s. */
  writerStalled: number;
  /** How long the oldest waiting rows have waited for a commit (0 when none wait). */
  uncommittedSeconds: number;
  spoolBytes: number;
  spoolCorruptRecords: number;
  spoolWriteErrors: number;
  forwarded: number;
  forwardDropped: number;
  /** The embedded engine's own memory account (MemoryTracking), sampled; 0 on a server. */
  engineMemoryBytes: number;
}
