// Batches call and outcome rows into ClickHouse. One insert in flight at a time (the embedded
// engine serializes them anyway); a failed insert is retried with backoff under the same
// deduplication token, so a retry that follows a timed-out-but-committed insert writes nothing.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { QueryRunner } from '../storage/runner.js';
import type { Logger } from '../shared/logger.js';
import type { LlmCall, OutcomeRecord } from './call.js';

export interface WriterOptions {
  batchRows: number;
  flushIntervalMs: number;
  maxRetries: number;
  /** Where a batch the store keeps refusing (a rejected row, not an outage) is kept for replay. */
  deadLetterDir: string;
  /** Told the spool records (seq) whose rows a batch just committed, one entry per row. */
  onCommitted?: (seqs: number[]) => void;
}

export interface WriterStats {
  rowsWritten: number;
  batchesWritten: number;
  insertFailures: number;
  deadLettered: number;
}

export class Writer {
  // Rows are serialized when queued, so the cost is spread over requests instead of landing
  // on the event loop all at once when a large batch is written.
  private calls: QueuedRow[] = [];
  private content: QueuedRow[] = [];
  private outcomes: QueuedRow[] = [];
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  readonly stats: WriterStats = {
    rowsWritten: 0,
    batchesWritten: 0,
    insertFailures: 0,
    deadLettered: 0,
  };

  constructor(
    private readonly storage: QueryRunner,
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

  /** Queue rows; `callSeqs[i]` / `outcomeSeqs[i]` name the spool record each row came from (0: none). */
  enqueue(
    calls: LlmCall[],
    outcomes: OutcomeRecord[],
    callSeqs: number[] = [],
    outcomeSeqs: number[] = [],
  ): void {
    calls.forEach((call, i) => {
      this.calls.push({ id: call.call_id, line: callRow(call), seq: callSeqs[i] ?? 0 });
      if (call.input_content !== '' || call.output_content !== '') {
        this.content.push({ id: `content:${call.call_id}`, line: contentRow(call), seq: 0 });
      }
    });
    outcomes.forEach((outcome, i) => {
      this.outcomes.push({
        id: `outcome:${outcome.outcome_id}`,
        line: outcomeRow(outcome),
        seq: outcomeSeqs[i] ?? 0,
      });
    });
    if (this.calls.length >= this.options.batchRows) void this.drainOnce();
  }

  /** Write everything queued now; resolves once it is committed. */
  async flush(): Promise<void> {
    while (
      this.calls.length > 0 ||
      this.content.length > 0 ||
      this.outcomes.length > 0 ||
      this.inFlight !== undefined
    ) {
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
    if (this.calls.length === 0 && this.content.length === 0 && this.outcomes.length === 0)
      return Promise.resolve();
    const calls = this.calls.splice(0, this.options.batchRows);
    const content = this.content.splice(0, this.options.batchRows);
    const outcomes = this.outcomes.splice(0, this.options.batchRows);
    this.inFlightRows = calls.length + outcomes.length;
    this.inFlight = this.writeBatch(calls, content, outcomes).finally(() => {
      this.inFlight = undefined;
      this.inFlightRows = 0;
    });
    return this.inFlight;
  }

  private async writeBatch(
    calls: QueuedRow[],
    content: QueuedRow[],
    outcomes: QueuedRow[],
  ): Promise<void> {
    if (calls.length > 0) await this.withRetry('llm_calls', joinLines(calls), tokenFor(calls));
    if (content.length > 0)
      await this.withRetry('llm_call_content', joinLines(content), tokenFor(content));
    if (outcomes.length > 0)
      await this.withRetry('outcomes', joinLines(outcomes), tokenFor(outcomes));
    this.stats.rowsWritten += calls.length + outcomes.length;
    this.stats.batchesWritten += 1;
    this.options.onCommitted?.([...calls, ...outcomes].map((row) => row.seq));
  }

  /** Retry until committed: rows acknowledged to a client must not be dropped on a store outage. */
  private async withRetry(table: string, body: string, dedupToken: string): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.storage.insert(table, body, { dedupToken });
        return;
      } catch (err) {
        this.stats.insertFailures += 1;
        if (attempt >= this.options.maxRetries && isRefusal(err)) {
          this.deadLetter(table, body, err);
          return;
        }
        const delay = Math.min(30_000, 100 * 2 ** Math.min(attempt, 9));
        if (attempt === this.options.maxRetries)
          this.logger.error('insert keeps failing; still retrying', { table, err });
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
    this.logger.error('the store refused a batch; rows kept in a dead-letter file', {
      table,
      file,
      err,
    });
  }
}

/** A ClickHouse error answered by the engine (has a code), as opposed to a connection failure. */
function isRefusal(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^\d+$/.test(code);
}

interface QueuedRow {
  /** Idempotency key of the row, hashed into the batch's deduplication token. */
  id: string;
  line: string;
  /** Spool record the row came from (0: not spooled). */
  seq: number;
}

function joinLines(rows: QueuedRow[]): string {
  return rows.map((row) => row.line).join('\n');
}

function tokenFor(rows: QueuedRow[]): string {
  const hash = createHash('sha256');
  for (const row of rows) hash.update(row.id).update('\n');
  return hash.digest('hex');
}

/** Nanoseconds since the epoch as the `seconds.micros` text ClickHouse parses for DateTime64(6). */
export function nsToDateTime64(ns: bigint): string {
  const micros = ns / 1000n;
  const seconds = micros / 1_000_000n;
  const frac = (micros % 1_000_000n).toString().padStart(6, '0');
  return `${seconds}.${frac}`;
}

/** One llm_calls row. Fields are listed, not spread: V8 serializes a fresh literal fastest. */
export function callRow(c: LlmCall): string {
  return JSON.stringify({
    call_id: c.call_id,
    trace_id: c.trace_id,
    span_id: c.span_id,
    parent_span_id: c.parent_span_id,
    start_time: nsToDateTime64(c.start_time_ns),
    end_time: nsToDateTime64(c.end_time_ns),
    duration_ms: c.duration_ms,
    span_name: c.span_name,
    scope_name: c.scope_name,
    source: c.source,
    kind: c.kind,
    service: c.service,
    environment: c.environment,
    route: c.route,
    feature: c.feature,
    tenant: c.tenant,
    provider: c.provider,
    operation: c.operation,
    request_model: c.request_model,
    response_model: c.response_model,
    model: c.model,
    deployment: c.deployment,
    capacity_tier: c.capacity_tier,
    region: c.region,
    server_address: c.server_address,
    service_tier: c.service_tier,
    streaming: c.streaming,
    status: c.status,
    error_type: c.error_type,
    http_status: c.http_status,
    finish_reason: c.finish_reason,
    input_tokens: c.input_tokens,
    cache_read_tokens: c.cache_read_tokens,
    cache_creation_tokens: c.cache_creation_tokens,
    output_tokens: c.output_tokens,
    reasoning_tokens: c.reasoning_tokens,
    ttft_ms: c.ttft_ms,
    itl_ms: c.itl_ms,
    itl_p95_ms: c.itl_p95_ms,
    attempt: c.attempt,
    fallback_from: c.fallback_from,
    hedged: c.hedged,
    degraded: c.degraded,
    cache_layer: c.cache_layer,
    cache_hit: c.cache_hit,
    prompt_version: c.prompt_version,
    conversation_id: c.conversation_id,
    price_entry: c.price_entry,
    price_version: c.price_version,
    priced: c.priced,
    cost_input: c.cost_input,
    cost_cache_read: c.cost_cache_read,
    cost_cache_creation: c.cost_cache_creation,
    cost_output: c.cost_output,
    cost_total: c.cost_total,
    list_cost: c.list_cost,
    warnings: c.warnings,
  });
}

function contentRow(call: LlmCall): string {
  return JSON.stringify({
    call_id: call.call_id,
    tenant: call.tenant,
    start_time: nsToDateTime64(call.start_time_ns),
    input_content: call.input_content,
    output_content: call.output_content,
  });
}

function outcomeRow(outcome: OutcomeRecord): string {
  const { time_ns, value, ...rest } = outcome;
  return JSON.stringify({
    ...rest,
    time: nsToDateTime64(time_ns),
    value: value === '' ? null : value,
  });
}
