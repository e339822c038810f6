// Batches call and outcome rows into ClickHouse. One insert in flight at a time (the embedded
// engine serializes them anyway); a failed insert is retried with backoff under the same
// deduplication token, so a retry that follows a timed-out-but-committed insert writes nothing.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Storage } from '../storage/client.js';
import type { Logger } from '../shared/logger.js';
import type { LlmCall, OutcomeRecord } from './call.js';

export interface WriterOptions {
  batchRows: number;
  flushIntervalMs: number;
  maxRetries: number;
  /** Where a batch the store keeps refusing (a rejected row, not an outage) is kept for replay. */
  deadLetterDir: string;
}

export interface WriterStats {
  rowsWritten: number;
  batchesWritten: number;
  insertFailures: number;
  deadLettered: number;
}

export class Writer {
  private calls: LlmCall[] = [];
  private outcomes: OutcomeRecord[] = [];
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  readonly stats: WriterStats = { rowsWritten: 0, batchesWritten: 0, insertFailures: 0, deadLettered: 0 };

  constructor(
    private readonly storage: Storage,
    private readonly options: WriterOptions,
    private readonly logger: Logger,
  ) {}

  /** Rows accepted and not yet committed (queued or in the insert in flight). */
  get queued(): number {
    return this.calls.length + this.outcomes.length + this.inFlightRows;
  }
  private inFlightRows = 0;

  start(): void {
    this.timer ??= setInterval(() => void this.drainOnce(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  enqueue(calls: LlmCall[], outcomes: OutcomeRecord[]): void {
    if (calls.length > 0) this.calls.push(...calls);
    if (outcomes.length > 0) this.outcomes.push(...outcomes);
    if (this.calls.length >= this.options.batchRows) void this.drainOnce();
  }

  /** Write everything queued now; resolves once it is committed. */
  async flush(): Promise<void> {
    while (this.calls.length > 0 || this.outcomes.length > 0 || this.inFlight !== undefined) {
      await (this.inFlight ?? this.drainOnce());
    }
  }

  /** Commit what is queued now (not what arrives meanwhile), so a reader is not starved by ingest. */
  async flushCurrent(): Promise<void> {
    if (this.inFlight !== undefined) await this.inFlight;
    let batches = Math.ceil((this.calls.length + this.outcomes.length) / this.options.batchRows);
    while (batches > 0 && (this.calls.length > 0 || this.outcomes.length > 0)) {
      await this.drainOnce();
      batches -= 1;
    }
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private drainOnce(): Promise<void> {
    if (this.inFlight !== undefined) return this.inFlight;
    if (this.calls.length === 0 && this.outcomes.length === 0) return Promise.resolve();
    const calls = this.calls.splice(0, this.options.batchRows);
    const outcomes = this.outcomes.splice(0, this.options.batchRows);
    this.inFlightRows = calls.length + outcomes.length;
    this.inFlight = this.writeBatch(calls, outcomes).finally(() => {
      this.inFlight = undefined;
      this.inFlightRows = 0;
    });
    return this.inFlight;
  }

  private async writeBatch(calls: LlmCall[], outcomes: OutcomeRecord[]): Promise<void> {
    if (calls.length > 0) {
      await this.withRetry('llm_calls', calls.map(callRow).join('\n'), tokenFor(calls.map((c) => c.call_id)));
      const content = calls.filter((c) => c.input_content !== '' || c.output_content !== '');
      if (content.length > 0) {
        await this.withRetry('llm_call_content', content.map(contentRow).join('\n'), tokenFor(content.map((c) => `content:${c.call_id}`)));
      }
    }
    if (outcomes.length > 0) {
      await this.withRetry('outcomes', outcomes.map(outcomeRow).join('\n'), tokenFor(outcomes.map((o) => `outcome:${o.outcome_id}`)));
    }
    this.stats.rowsWritten += calls.length + outcomes.length;
    this.stats.batchesWritten += 1;
  }

  /** Retry until committed: rows acknowledged to a client must not be dropped on a store outage. */
  private async withRetry(table: string, body: string, dedupToken: string): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.storage.insertJsonEachRow(table, body, { dedupToken });
        return;
      } catch (err) {
        this.stats.insertFailures += 1;
        if (attempt >= this.options.maxRetries && isRefusal(err)) {
          this.deadLetter(table, body, err);
          return;
        }
        const delay = Math.min(30_000, 100 * 2 ** Math.min(attempt, 9));
        if (attempt === this.options.maxRetries) this.logger.error('insert keeps failing; still retrying', { table, err });
        else this.logger.warn('insert failed; retrying', { table, attempt, delayMs: delay, err });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private deadLetter(table: string, body: string, err: unknown): void {
    mkdirSync(this.options.deadLetterDir, { recursive: true });
    const file = join(this.options.deadLetterDir, `${table}-${Date.now()}.jsonl`);
    writeFileSync(file, `${body}\n`);
    this.stats.deadLettered += 1;
    this.logger.error('the store refused a batch; rows kept in a dead-letter file', { table, file, err });
  }
}

/** A ClickHouse error answered by the engine (has a code), as opposed to a connection failure. */
function isRefusal(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^\d+$/.test(code);
}

function tokenFor(ids: string[]): string {
  const hash = createHash('sha256');
  for (const id of ids) hash.update(id).update('\n');
  return hash.digest('hex');
}

/** Nanoseconds since the epoch as the `seconds.micros` text ClickHouse parses for DateTime64(6). */
export function nsToDateTime64(ns: bigint): string {
  const micros = ns / 1000n;
  const seconds = micros / 1_000_000n;
  const frac = (micros % 1_000_000n).toString().padStart(6, '0');
  return `${seconds}.${frac}`;
}

function callRow(call: LlmCall): string {
  const { start_time_ns, end_time_ns, input_content: _i, output_content: _o, ...rest } = call;
  return JSON.stringify({ ...rest, start_time: nsToDateTime64(start_time_ns), end_time: nsToDateTime64(end_time_ns) });
}

function contentRow(call: LlmCall): string {
  return JSON.stringify({
    call_id: call.call_id, tenant: call.tenant, start_time: nsToDateTime64(call.start_time_ns),
    input_content: call.input_content, output_content: call.output_content,
  });
}

function outcomeRow(outcome: OutcomeRecord): string {
  const { time_ns, value, ...rest } = outcome;
  return JSON.stringify({ ...rest, time: nsToDateTime64(time_ns), value: value === '' ? null : value });
}
