// Batches call and outcome rows into ClickHouse. One batch in flight at a time (the embedded
// engine serializes inserts anyway). Each table's rows go through the Committer: inserts bounded
// by partitions, a refused row split off and dead-lettered, an outage retried with backoff.
// A batch is reported (`onCommitted`) only once every row is committed or durably
// dead-lettered, so the spool never forgets a row that is in neither place.
//
// The writer also knows when it is stuck (rows wait and nothing committed for `stallTimeoutMs`:
// readiness, a metric and one log line say so) and stops within a deadline on shutdown,
// leaving what it could not commit to the spool's replay.
import { setTimeout as sleep } from 'node:timers/promises';
import type { QueryRunner } from '../storage/runner.js';
import { describeStoreError } from '../storage/errors.js';
import type { Logger } from '../shared/logger.js';
import type { LlmCall, OutcomeRecord } from './call.js';
import { Committer } from './committer.js';
import type { BackoffPolicy } from './insert-policy.js';
import { deadLetterDurably } from './writer-dead-letter.js';
import { RowQueues, TABLES, type Batch, type CallFormat } from './writer-rows.js';
import { StallWatch } from './writer-stall.js';
import { flushRule, isDue, isFull, type FlushRule } from './writer-flush.js';

export interface WriterOptions {
  /** Most rows one insert takes. */
  batchRows: number;
  /** Most time a queued row waits for its insert when fewer than `minInsertRows` rows wait. */
  flushIntervalMs: number;
  /**
   * An insert goes as soon as this many calls (or outcomes) wait, else when the oldest has
   * waited `flushIntervalMs` (default `batchRows`). Each insert fans out to every materialized
   * view and leaves a part to merge, so its fixed cost is paid per insert: ClickHouse asks for
   * at least ~10k rows an insert and about one insert a second.
   */
  minInsertRows?: number;
  /**
   * While rows flow (at least `busyRows` a flush interval), the oldest waits up to this long for
   * a full insert (writer-flush.ts; default `flushIntervalMs`: never longer than the interval).
   */
  busyFlushIntervalMs?: number;
  /** Rows a flush interval from which rows count as flowing (default minInsertRows / 25). */
  busyRows?: number;
  /** Consecutive failed attempts of one insert after which each failure is logged as an error. */
  maxRetries: number;
  /** Where rows the store refuses on their own are kept, with the reason, for replay. */
  deadLetterDir: string;
  /** Most body bytes one insert carries (storage.max_memory's insert share; default unbounded). */
  maxInsertBytes?: number;
  /** Partitions one insert may touch (at most the engine's max_partitions_per_insert_block). */
  maxPartitionsPerInsert?: number;
  backoff?: BackoffPolicy;
  /** Rows waiting and nothing committed for this long: the writer reports itself stalled. */
  stallTimeoutMs?: number;
  /** How llm_calls rows are queued and inserted (writer-rows.ts callInsertFormat; default TSV). */
  callFormat?: CallFormat;
  /** Told the spool records (seq) of a settled batch, one entry per row (committed or dead-lettered). */
  onCommitted?: (seqs: number[]) => void;
  now?: () => number;
}

export interface WriterStats {
  rowsWritten: number;
  batchesWritten: number;
  /** Inserts committed (every table; a batch is one or more). */
  inserts: number;
  insertFailures: number;
  /** Rows set aside in the dead-letter directory. */
  deadLettered: number;
}

export class Writer {
  private readonly queues: RowQueues;
  private inFlight: Promise<void> | undefined;
  private inFlightRows = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private readonly committer: Committer;
  private readonly backoff: BackoffPolicy;
  private readonly now: () => number;
  private readonly stall: StallWatch;
  private drainDeadline = Infinity;
  /** When the oldest row still queued (not taken) was queued; undefined while none is. */
  private oldestAt: number | undefined;
  private readonly rule: FlushRule;
  readonly stats: WriterStats = {
    rowsWritten: 0,
    batchesWritten: 0,
    inserts: 0,
    insertFailures: 0,
    deadLettered: 0,
  };

  constructor(
    storage: Pick<QueryRunner, 'insert'>,
    private readonly options: WriterOptions,
    private readonly logger: Logger,
  ) {
    this.now = options.now ?? Date.now;
    this.queues = new RowQueues(options.callFormat);
    this.rule = flushRule({
      flushIntervalMs: options.flushIntervalMs,
      busyFlushIntervalMs: options.busyFlushIntervalMs,
      busyRows: options.busyRows,
      fullRows: Math.max(1, Math.min(options.minInsertRows ?? Infinity, options.batchRows)),
      fullBytes: options.maxInsertBytes,
    });
    // Rows are meant to wait up to the flush interval: only waiting past it counts towards a stall
    // (else a stall timeout near the interval reports one before the first insert was tried).
    this.stall = new StallWatch(
      this.now,
      (options.stallTimeoutMs ?? 60_000) + this.rule.busyIntervalMs,
      logger,
    );
    this.backoff = options.backoff ?? { baseMs: 100, maxMs: 30_000 };
    this.committer = new Committer(storage, {
      maxPartitions: options.maxPartitionsPerInsert ?? 100,
      maxRows: options.batchRows,
      ...(options.maxInsertBytes !== undefined ? { maxBytes: options.maxInsertBytes } : {}),
      backoff: this.backoff,
      signal: this.abort.signal,
      onSuccess: () => {
        this.stats.inserts += 1;
        this.progress();
      },
      onFailure: ({ table, error, attempt, rows }) => {
        this.stats.insertFailures += 1;
        if (error.kind === 'retryable') this.stall.lastError = error;
        const fields = { table, rows, attempt, kind: error.kind, err: describeStoreError(error) };
        // A refusal is split until the refused rows stand alone; the dead-letter line says the rest.
        if (error.kind === 'permanent')
          this.logger.debug('the store refused rows; splitting', fields);
        else if (attempt >= this.options.maxRetries)
          this.logger.error('insert keeps failing; still retrying', fields);
        else this.logger.warn('insert failed; retrying', fields);
      },
    });
  }

  /** Rows accepted and not yet committed (queued or in the batch in flight). */
  get queued(): number {
    return this.queues.length + this.inFlightRows;
  }

  /**
   * Estimated heap bytes held by rows queued or in flight: each line and id (UTF-16, two bytes
   * a character at most) plus the row object, so the collector's queues can be bounded in bytes.
   */
  get queuedBytes(): number {
    return this.queues.bytes;
  }

  /** True while the last insert attempt failed for a retryable reason (the store is out). */
  get failing(): boolean {
    return this.stall.lastError !== undefined;
  }

  /**
   * Why the writer counts as stalled (rows wait, nothing committed for the stall timeout), or
   * undefined. Whoever notices first (readiness, a scrape, the timer) triggers the log line.
   */
  stallReason(): string | undefined {
    return this.stall.reason(this.queued);
  }

  /** Milliseconds since the last commit while rows wait (0 when nothing waits). */
  get waitingMs(): number {
    return this.stall.waitingMs(this.queued);
  }

  /**
   * Checks a few times per flush interval (at most every 100 ms) whether an insert is due, so
   * a row waits about `flushIntervalMs` at most, not up to twice that.
   */
  start(): void {
    const tick = Math.max(1, Math.min(100, Math.floor(this.options.flushIntervalMs / 4)));
    this.timer ??= setInterval(() => {
      if (this.due()) void this.drainOnce();
      this.stallReason();
    }, tick);
    this.timer.unref();
  }

  /** A full insert waits, or the oldest row has waited long enough (writer-flush.ts). */
  private due(): boolean {
    if (this.oldestAt === undefined) return false;
    return isDue(this.rule, this.queues, this.now() - this.oldestAt);
  }

  /** Queue rows; `callSeqs[i]` / `outcomeSeqs[i]` name the spool record each row came from (0: none). */
  enqueue(
    calls: LlmCall[],
    outcomes: OutcomeRecord[],
    callSeqs: number[] = [],
    outcomeSeqs: number[] = [],
  ): void {
    if (calls.length === 0 && outcomes.length === 0) return;
    if (this.queued === 0) this.stall.waitingFromNow();
    this.oldestAt ??= this.now();
    this.queues.add(calls, outcomes, callSeqs, outcomeSeqs);
    if (isFull(this.rule, this.queues)) void this.drainOnce();
  }

  /** Write everything queued now; resolves once it is committed (or the writer is stopped). */
  async flush(): Promise<void> {
    while (this.queues.hasQueued() || this.inFlight !== undefined) {
      if (this.abort.signal.aborted) return;
      await (this.inFlight ?? this.drainOnce());
    }
  }

  /** Commit what is queued now (not what arrives meanwhile), so a reader is not starved by ingest. */
  async flushCurrent(): Promise<void> {
    if (this.inFlight !== undefined) await this.inFlight;
    // Inserts are cut by rows and by body bytes: enough of them for either bound (one more for
    // the bytes a cut leaves unused; an extra drain of an empty queue costs nothing).
    const byBytes = this.queues.callBytes / this.rule.fullBytes;
    let batches = Math.ceil(Math.max(this.queues.length / this.options.batchRows, byBytes));
    if (byBytes > 0) batches += 1;
    while (batches > 0 && this.queues.length > 0) {
      if (this.abort.signal.aborted) return;
      await this.drainOnce();
      batches -= 1;
    }
  }

  /** Bound the next `stop()`: past this time (ms since the epoch) it gives up waiting. */
  setDrainDeadline(at: number): void {
    this.drainDeadline = at;
  }

  /**
   * Commit what is queued, but give up at the drain deadline whatever the store does: the
   * rows left are still in the spool (not reported done) and replay at the next start.
   */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    const wait = this.drainDeadline - this.now();
    if (wait === Infinity) return this.flush();
    const timeUp = new AbortController();
    const drained = await Promise.race([
      this.flush().then(() => true),
      sleep(Math.max(0, wait), false, { signal: timeUp.signal }).catch(() => false),
    ]);
    timeUp.abort();
    if (!drained || this.queued > 0 || this.queues.hasQueued()) {
      this.abort.abort();
      this.logger.warn('drain time is up: uncommitted rows stay in the spool for the next start', {
        rows: this.queued,
        ...(this.stall.lastError !== undefined
          ? { lastError: describeStoreError(this.stall.lastError) }
          : {}),
      });
    }
  }

  private progress(): void {
    this.stall.progress(this.queued);
  }

  private drainOnce(): Promise<void> {
    if (this.inFlight !== undefined) return this.inFlight;
    if (!this.queues.hasQueued() || this.abort.signal.aborted) return Promise.resolve();
    const batch = this.queues.take(this.options.batchRows, this.rule.fullBytes);
    // Rows left behind (more than one insert's worth) are older still: they keep the time.
    if (!this.queues.hasQueued()) this.oldestAt = undefined;
    this.inFlightRows = batch.llm_calls.length + batch.outcomes.length;
    this.inFlight = this.writeBatch(batch)
      .catch((err: unknown) => {
        // Stopped mid-batch, or a fault outside the store: keep the rows queued (the spool
        // still holds them) rather than losing track of them.
        this.queues.putBack(batch);
        this.oldestAt ??= this.now();
        if (!this.abort.signal.aborted) this.logger.error('writing a batch failed', { err });
      })
      .finally(() => {
        this.inFlight = undefined;
        this.inFlightRows = 0;
        // What queued meanwhile and is already due goes now, not at the next tick.
        if (this.timer !== undefined && this.due()) void this.drainOnce();
      });
    return this.inFlight;
  }

  private async writeBatch(batch: Batch): Promise<void> {
    for (const table of TABLES) {
      if (batch[table].length === 0) continue;
      const result = await this.committer.commit(table, batch[table], this.queues.formats[table]);
      if (table !== 'llm_call_content') this.stats.rowsWritten += result.committed.length;
      if (result.refused.length > 0) {
        const context = {
          dir: this.options.deadLetterDir,
          backoff: this.backoff,
          signal: this.abort.signal,
          logger: this.logger,
          now: this.now,
        };
        this.stats.deadLettered += await deadLetterDurably(context, table, result.refused);
        this.progress();
      }
    }
    this.stats.batchesWritten += 1;
    this.queues.release(batch);
    this.options.onCommitted?.([...batch.llm_calls, ...batch.outcomes].map((row) => row.seq));
  }
}
