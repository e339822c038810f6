// When the writer counts as stuck: rows wait and nothing was committed for the stall timeout.
// Readiness, a metric and one log line (once when it stalls, once when it recovers) say so.
import { describeStoreError, type StoreError } from '../storage/errors.js';
import type { Logger } from '../shared/logger.js';

export class StallWatch {
  /** Last commit, or when rows started waiting after the queue was empty. */
  private lastProgressAt: number;
  /** The last retryable insert error since the last commit. */
  lastError: StoreError | undefined;
  private stalled = false;

  constructor(
    private readonly now: () => number,
    private readonly limitMs: number,
    private readonly logger: Logger,
  ) {
    this.lastProgressAt = now();
  }

  /** Rows start waiting in an empty queue: the wait is counted from now. */
  waitingFromNow(): void {
    this.lastProgressAt = this.now();
  }

  /** Something was committed (or durably set aside). */
  progress(queued: number): void {
    this.lastProgressAt = this.now();
    this.lastError = undefined;
    this.reason(queued);
  }

  /** Milliseconds since the last commit while rows wait (0 when nothing waits). */
  waitingMs(queued: number): number {
    return queued === 0 ? 0 : this.now() - this.lastProgressAt;
  }

  /** Why the writer is stalled, or undefined; logs the change of state. */
  reason(queued: number): string | undefined {
    const waited = this.now() - this.lastProgressAt;
    let reason: string | undefined;
    if (queued > 0 && waited > this.limitMs) {
      const last =
        this.lastError !== undefined ? `; last error: ${describeStoreError(this.lastError)}` : '';
      reason = `nothing committed for ${Math.round(waited / 1000)} s while ${queued} rows wait${last}`;
    }
    this.note(reason, queued);
    return reason;
  }

  private note(reason: string | undefined, queued: number): void {
    if (reason !== undefined && !this.stalled) {
      this.stalled = true;
      this.logger.error('ingest is stalled: the store commits nothing', { reason });
    } else if (reason === undefined && this.stalled) {
      this.stalled = false;
      this.logger.info('ingest committing again', { queued });
    }
  }
}
