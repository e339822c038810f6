// The collector pipeline: decoded spans -> normalize -> dedupe -> trace buffer (attribution) ->
// attribute -> price -> redact -> writer (and, optionally, the forwarder). Every step but the
// trace buffer, the seen-set and the writer is a pure (batch) => batch function.
import type { Config } from '../shared/config.js';
import { BackpressureError } from '../shared/errors.js';
import { FINOPS } from '../shared/semconv.js';
import type { LlmCall, OutcomeRecord } from './call.js';
import type { DecodedBatch } from './receiver/decoded.js';
import type { TenantBinding } from './receiver/ingest-auth.js';
import { capCall, capOutcome, withSpanWarnings, type FieldCaps } from './processors/cap-fields.js';
import { applyBinding } from './processors/tenant-binding.js';
import {
  applyAttribution,
  extractHint,
  SPAN_KIND_SERVER,
  redactContent,
  type AttributionKeys,
} from './processors/attribute.js';
import { normalizeSpan } from './processors/normalize.js';
import type { MemoryStats } from './metrics.js';
import { SEEN_ENTRY_BYTES, SeenSet } from './seen.js';
import type { SpanRecord } from './span.js';
import { TraceBuffer, type IncomingSpan, type ResolvedItem } from './trace-buffer.js';
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

export type { TenantBinding };

interface IngestStep {
  seq: number;
  binding: TenantBinding | undefined;
  /** Trace state and the duplicate filter are per tenant binding ('' when unbound). */
  partition: string;
  incoming: IncomingSpan[];
  /** Non-GenAI spans to forward. */
  others: SpanRecord[];
  result: IngestResult;
}

export interface IngestResult {
  accepted: number;
  rejected: number;
  /** One line per rejected span (position, id and reason). */
  messages: string[];
  duplicates: number;
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
  private readonly keys: AttributionKeys;
  private readonly now: () => number;
  private readonly caps: FieldCaps;
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
    this.caps = {
      labelBytes: deps.config.admission.max_label_bytes,
      contentBytes: deps.config.admission.max_string_bytes,
    };
    // finops.* always comes first; the configured keys extend it.
    this.keys = {
      route: unique([FINOPS.ROUTE, ...a.keys.route]),
      feature: unique([FINOPS.FEATURE, ...a.keys.feature]),
      tenant: unique([FINOPS.TENANT, ...a.keys.tenant]),
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
    const result: IngestResult = {
      accepted: 0,
      rejected: batch.rejected.length,
      messages: batch.rejected.map((r) => r.reason),
      duplicates: 0,
    };
    const step: IngestStep = {
      seq,
      binding,
      partition: binding?.tenant ?? '',
      incoming: [],
      others: [],
      result,
    };
    for (const span of batch.spans) this.accept(span, step);
    this.stats.spansReceived += batch.spans.length + batch.rejected.length;
    this.stats.spansRejected += result.rejected;
    this.stats.duplicatesDropped += result.duplicates;
    this.track(
      seq,
      step.incoming.reduce((n, span) => n + (span.item !== undefined ? 1 : 0), 0),
    );
    this.buffer.add(step.incoming, this.now());
    this.pump();
    if (step.others.length > 0) this.deps.sink?.released([], [], step.others);
    return result;
  }

  /** One span: normalize, apply the key's tenant binding, de-duplicate, queue for its trace. */
  private accept(span: SpanRecord, step: IngestStep): void {
    const { result, binding } = step;
    const forward = this.deps.sink !== undefined;
    const normalized = normalizeSpan(span, { captureContent: this.deps.config.capture_content });
    const hint = extractHint(span.attributes, this.keys, span.kind === SPAN_KIND_SERVER);
    const ownResource = extractHint(span.resource, this.keys);
    // One entry per span; a call or outcome is set on it below rather than spread into a copy.
    const base: IncomingSpan = {
      partition: step.partition,
      traceId: span.traceId,
      spanId: span.spanId,
      parentSpanId: span.parentSpanId,
      hint,
    };
    const billable = normalized.type === 'call' || normalized.type === 'outcome';
    const refused =
      binding !== undefined ? applyBinding(binding, hint, ownResource, span, billable) : undefined;
    if (normalized.type === 'invalid' || refused !== undefined) {
      result.rejected += 1;
      result.messages.push(refused ?? (normalized.type === 'invalid' ? normalized.reason : ''));
      step.incoming.push(base); // still a link in its trace's ancestor chain
      return;
    }
    result.accepted += 1;
    if (normalized.type === 'other') {
      step.incoming.push(base);
      if (forward) step.others.push(span);
      return;
    }
    if (normalized.type === 'outcome') {
      const source = forward ? { span } : {};
      const outcome = capOutcome(normalized.outcome, this.caps);
      const item = { type: 'outcome' as const, outcome, ownResource, seq: step.seq };
      step.incoming.push({
        ...base,
        item: { ...item, spanId: span.spanId, parentSpanId: span.parentSpanId, ...source },
      });
      this.stats.outcomesAccepted += 1;
      return;
    }
    const call = capCall(withSpanWarnings(normalized.call, span), this.caps);
    const key = seenKey(step.partition, call.call_id);
    if (this.seen.has(key)) {
      result.duplicates += 1;
      return;
    }
    this.seen.add(key);
    base.item = forward
      ? { type: 'call', call, ownResource, seq: step.seq, span }
      : { type: 'call', call, ownResource, seq: step.seq };
    step.incoming.push(base);
    this.stats.callsAccepted += 1;
  }

  /** Move every trace that is ready through the remaining processors into the writer. */
  pump(force = false): void {
    const ready = this.buffer.takeReady(this.now(), force);
    if (ready.length === 0) return;
    const { calls, outcomes } = this.process(ready);
    const callSeqs = ready.flatMap((r) => (r.item.type === 'call' ? [r.item.seq] : []));
    const outcomeSeqs = ready.flatMap((r) => (r.item.type === 'outcome' ? [r.item.seq] : []));
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

  /** Rows still to be committed per spool record. */
  private readonly outstanding = new Map<number, number>();

  private track(seq: number, rows: number): void {
    if (seq === 0) return;
    if (rows === 0) this.deps.onRecordDone?.(seq);
    else this.outstanding.set(seq, rows);
  }

  /** The writer committed these rows (one seq per row). */
  committed(seqs: number[]): void {
    for (const seq of seqs) {
      if (seq === 0) continue;
      const left = (this.outstanding.get(seq) ?? 1) - 1;
      if (left > 0) this.outstanding.set(seq, left);
      else {
        this.outstanding.delete(seq);
        this.deps.onRecordDone?.(seq);
      }
    }
  }

  private process(ready: ResolvedItem[]): { calls: LlmCall[]; outcomes: OutcomeRecord[] } {
    const attributed = applyAttribution(ready, this.deps.config.attribution.defaults);
    // Pricing may derive longer names (a provider prefix): cap again what is written.
    const priced = this.deps.price(attributed.calls).map((call) => capCall(call, this.caps));
    return {
      calls: redactContent(priced, this.deps.config.capture_content),
      outcomes: attributed.outcomes.map((outcome) => capOutcome(outcome, this.caps)),
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

/** The duplicate filter's key: a call id within its sender's tenant partition. */
function seenKey(partition: string, callId: string): string {
  return partition === '' ? callId : `${partition}\u0000${callId}`;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
