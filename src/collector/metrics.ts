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
  spoolBytes: number;
  forwarded: number;
  forwardDropped: number;
}
