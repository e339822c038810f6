// The collector's counters, read on every /metrics scrape. Defined by the collector (it counts
// them); the analytics API's Prometheus endpoint only renders them.

/** Numbers the collector exposes; read on every scrape. */
export interface CollectorMetrics {
  spansReceived: number;
  spansRejected: number;
  duplicatesDropped: number;
  callsAccepted: number;
  outcomesAccepted: number;
  queuedRows: number;
  rowsWritten: number;
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
}
