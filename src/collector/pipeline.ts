// The collector pipeline: decoded spans -> normalize -> dedupe -> trace buffer (attribution) ->
// attribute -> price -> redact -> writer (and, optionally, the forwarder). Every step but the
// trace buffer, the seen-set and the writer is a pure (batch) => batch function.
import type { Config } from '../shared/config.js';
import { BackpressureError } from '../shared/errors.js';
import { FINOPS } from '../shared/semconv.js';
import type { LlmCall, OutcomeRecord } from './call.js';
import type { DecodedBatch } from './receiver/decoded.js';
import type { TenantBinding } from './receiver/ingest-auth.js';
import { capCall, capOutcome } from './processors/cap-fields.js';
import { applyAttribution, redactContent } from './processors/attribute.js';
import {
  acceptSpan,
  seenKey,
  settleStep,
  type AcceptContext,
  type IngestResult,
  type IngestStep,
} from './pipeline-accept.js';
import { RecordTracker } from './pipeline-records.js';
import type { MemoryStats } from './metrics.js';
import { SEEN_ENTRY_BYTES, SeenSet } from './seen.js';
import type { SpanRecord } from './span.js';
import { TraceBuffer, type ResolvedItem } from './trace-buffer.js';
import type { Writer } from './writer.js';

export type CollectorConfig = Config['collector'];
export type PriceProcessor = (calls: LlmCall[]) => LlmCall[];

/** Receives released rows with their source spans, e.g. to forward enriched spans downstream. */
export interface PipelineSink {
  released(calls: LlmCall[], spans: SpanRecord[], others: SpanRecord[]): void;
}

export interface PipelineDeps {
  config: CollectorConfig;
  writer: Writer;
  price: PriceProcessor;
  sink?: PipelineSink;
  now?: () => number;
  /** Capacity of the duplicate-call filter, in ids (or give seenBytes). */
  seenCapacity?: number;
  /** Memory bounds of the duplicate filter and remembered traces (storage.max_memory's shares). */
  memory?: { seenBytes: number; traceBytes: number };
  /** Told once when a bounded structure first forgets something early. */
  onEviction?: (what: string, details: Record<string, number>) => void;
  /** Every row of a spool record is committed. */
  onRecordDone?: (seq: number) => void;
  /** Bound on the estimated bytes of rows held (storage.max_memory's queue share); none if unset. */
  maxQueueBytes?: number;
}

/**
 * Estimated heap bytes of one row waiting for attribution: the normalized call (about sixty
 * fields), its attribution hint and the trace buffer's entry (measured with the bench spans).
 */
export const PENDING_ROW_BYTES = 2048;

export type { TenantBinding, IngestResult };

/** A request normalized by `Pipeline.prepare`, waiting for its spool record. */
export interface PreparedIngest {
  step: IngestStep;
  /** Spans in the request, rejected ones included. */
  spans: number;
}

export interface PipelineStats {
  spansReceived: number;
  callsAccepted: number;
  outcomesAccepted: number;
  spansRejected: number;
  duplicatesDropped: number;
}

export class Pipeline {
  private readonly buffer: TraceBuffer;
  private readonly seen: SeenSet;
  private readonly accepting: AcceptContext;
  private readonly records: RecordTracker;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  readonly stats: PipelineStats = {
    spansReceived: 0,
    callsAccepted: 0,
    outcomesAccepted: 0,
    spansRejected: 0,
    duplicatesDropped: 0,
  };

  constructor(private readonly deps: PipelineDeps) {
    const a = deps.config.attribution;
    this.buffer = new TraceBuffer({
      waitMs: a.wait_ms,
      rootGraceMs: a.root_grace_ms,
      maxPendingSpans: a.max_pending_spans,
      rememberMs: a.remember_ms,
      ...(deps.memory !== undefined ? { maxBytes: deps.memory.traceBytes } : {}),
      onFirstEviction: (e) => deps.onEviction?.('trace-buffer', { ...e }),
    });
    this.seen = new SeenSet({
      maxBytes: deps.memory?.seenBytes ?? (deps.seenCapacity ?? 1_000_000) * SEEN_ENTRY_BYTES,
      onFirstEviction: (e) => deps.onEviction?.('duplicate-filter', { ...e }),
    });
    this.now = deps.now ?? Date.now;
    this.records = new RecordTracker(deps.onRecordDone);
    this.accepting = {
      captureContent: deps.config.capture_content,
      caps: {
        labelBytes: deps.config.admission.max_label_bytes,
        contentBytes: deps.config.admission.max_string_bytes,
      },
      // finops.* always comes first; the configured keys extend it.
      keys: {
        route: unique([FINOPS.ROUTE, ...a.keys.route]),
        feature: unique([FINOPS.FEATURE, ...a.keys.feature]),
        tenant: unique([FINOPS.TENANT, ...a.keys.tenant]),
      },
      forward: deps.sink !== undefined,
    };
  }

  /**
   * Calls known to be stored already (e.g. before a replay): never written again. A stored row
   * counts as seen for requests without a tenant-bound key and for keys bound to its tenant.
   */
  markSeen(rows: Iterable<{ call_id: string; tenant?: string }>): void {
    for (const row of rows) {
      this.seen.add(seenKey('', row.call_id));
      if (row.tenant !== undefined && row.tenant !== '')
        this.seen.add(seenKey(row.tenant, row.call_id));
    }
  }

  /** The bounded structures' state, for /metrics. */
  get memoryStats(): MemoryStats {
    return {
      duplicateFilterEvicted: this.seen.evicted,
      duplicateWindowSeconds: this.seen.windowSeconds(),
      traceBytes: this.buffer.bytes,
      tracesEvictedEarly: this.buffer.evictedEarly,
    };
  }

  /** Rows held in memory: waiting for attribution plus queued for the store. */
  get queuedRows(): number {
    return this.buffer.pending + this.deps.writer.queued;
  }

  /** Estimated heap bytes of rows held: waiting for attribution plus queued for the store. */
  get queuedBytes(): number {
    return this.buffer.pending * PENDING_ROW_BYTES + this.deps.writer.queuedBytes;
  }

  /** Throws BackpressureError when a request of `spans` spans would overflow the memory bounds. */
  admit(spans: number): void {
    if (this.queuedRows + spans > this.deps.config.max_queue_rows) {
      throw new BackpressureError('write queue is full', this.deps.config.retry_after_s);
    }
    const maxBytes = this.deps.maxQueueBytes ?? Infinity;
    // An empty queue takes any request: a large one must not be refused forever.
    if (this.queuedRows > 0 && this.queuedBytes + spans * PENDING_ROW_BYTES > maxBytes) {
      throw new BackpressureError(
        'write queue is full (storage.max_memory share)',
        this.deps.config.retry_after_s,
      );
    }
  }

  /**
   * Accept a decoded request. `seq` names its spool record (0 when not spooled); once every
   * row it produced is committed, `onRecordDone(seq)` is called. Callers check `admit` first:
   * a spooled record must never be refused afterwards.
   */
  ingest(batch: DecodedBatch, seq = 0, binding?: TenantBinding): IngestResult {
    return this.commit(this.prepare(batch, binding), seq);
  }

  /**
   * The first half of `ingest`, before the request's spool record is durable: normalize every
   * span. Nothing is counted, remembered or queued yet. Why split: the decoded spans (a 20-key
   * attribute object each) are garbage once this returns, so they do not live through the
   * spool's fsync, where a scavenge would copy them and promote them to the old generation.
   */
  prepare(batch: DecodedBatch, binding?: TenantBinding): PreparedIngest {
    const result: IngestResult = {
      accepted: 0,
      rejected: batch.rejected.length,
      messages: batch.rejected.map((r) => r.reason),
      duplicates: 0,
    };
    const step: IngestStep = {
      seq: 0,
      binding,
      partition: binding?.tenant ?? '',
      incoming: [],
      others: [],
      result,
      calls: 0,
      outcomes: 0,
    };
    for (const span of batch.spans) acceptSpan(span, step, this.accepting);
    return { step, spans: batch.spans.length + batch.rejected.length };
  }

  /** The second half of `ingest`, once the request is spool record `seq` (0: not spooled). */
  commit(prepared: PreparedIngest, seq = 0): IngestResult {
    const { step } = prepared;
    const { result } = step;
    const incoming = settleStep(step, seq, this.seen);
    this.stats.callsAccepted += step.calls;
    this.stats.outcomesAccepted += step.outcomes;
    this.stats.spansReceived += prepared.spans;
    this.stats.spansRejected += result.rejected;
    this.stats.duplicatesDropped += result.duplicates;
    let items = 0;
    for (const span of incoming) if (span.item !== undefined) items += 1;
    this.records.track(seq, items);
    this.buffer.add(incoming, this.now());
    this.pump();
    if (step.others.length > 0) this.deps.sink?.released([], [], step.others);
    return result;
  }

  /** Move every trace that is ready through the remaining processors into the writer. */
  pump(force = false): void {
    const ready = this.buffer.takeReady(this.now(), force);
    if (ready.length === 0) return;
    const { calls, outcomes } = this.process(ready);
    const callSeqs: number[] = [];
    const outcomeSeqs: number[] = [];
    for (const { item } of ready) (item.type === 'call' ? callSeqs : outcomeSeqs).push(item.seq);
    this.deps.writer.enqueue(calls, outcomes, callSeqs, outcomeSeqs);
    if (this.deps.sink !== undefined) {
      const spans = ready.flatMap((r) =>
        r.item.type === 'call' && r.item.span !== undefined ? [r.item.span] : [],
      );
      const outcomeSpans = ready.flatMap((r) =>
        r.item.type === 'outcome' && r.item.span !== undefined ? [r.item.span] : [],
      );
      this.deps.sink.released(calls, spans, outcomeSpans);
    }
  }

  /** The writer committed these rows (one seq per row). */
  committed(seqs: number[]): void {
    this.records.committed(seqs);
  }

  private process(ready: ResolvedItem[]): { calls: LlmCall[]; outcomes: OutcomeRecord[] } {
    const attributed = applyAttribution(ready, this.deps.config.attribution.defaults);
    // Pricing may derive longer names (a provider prefix): cap again what is written.
    const caps = this.accepting.caps;
    const priced = this.deps.price(attributed.calls).map((call) => capCall(call, caps));
    return {
      calls: redactContent(priced, this.deps.config.capture_content),
      outcomes: attributed.outcomes.map((outcome) => capOutcome(outcome, caps)),
    };
  }

  start(): void {
    const interval = Math.max(
      10,
      Math.min(100, Math.floor(this.deps.config.attribution.root_grace_ms / 2) || 50),
    );
    this.timer ??= setInterval(() => this.pump(), interval);
    this.timer.unref();
    this.deps.writer.start();
  }

  /** Release every held span and wait until the store has committed them (SIGTERM path). */
  async flush(): Promise<void> {
    this.pump(true);
    await this.deps.writer.flush();
  }

  /** Make what is ready visible to readers: release ready traces and commit the current queue. */
  async sync(): Promise<void> {
    this.pump();
    await this.deps.writer.flushCurrent();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.pump(true);
    await this.deps.writer.stop();
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
