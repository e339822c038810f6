// The collector pipeline: decoded spans -> normalize -> dedupe -> trace buffer (attribution) ->
// attribute -> price -> redact -> writer (and, optionally, the forwarder). Every step but the
// trace buffer, the seen-set and the writer is a pure (batch) => batch function.
import type { Config } from '../shared/config.js';
import { BackpressureError } from '../shared/errors.js';
import { FINOPS } from '../shared/semconv.js';
import type { LlmCall, OutcomeRecord } from './call.js';
import type { DecodedBatch } from './receiver/decoded.js';
import {
  applyAttribution,
  extractHint,
  redactContent,
  type AttributionKeys,
} from './processors/attribute.js';
import { normalizeSpan } from './processors/normalize.js';
import { SeenSet } from './seen.js';
import type { SpanRecord } from './span.js';
import { TraceBuffer, type Hint, type IncomingSpan, type ResolvedItem } from './trace-buffer.js';
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
  /** Capacity of the duplicate-call filter. */
  seenCapacity?: number;
  /** Every row of a spool record is committed. */
  onRecordDone?: (seq: number) => void;
}

/** What an ingest key imposes on the spans it sends. */
export interface TenantBinding {
  tenant: string;
  /** `set`: every call and outcome gets the tenant; `require`: they must carry it, else rejected. */
  mode: 'set' | 'require';
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
    });
    this.seen = new SeenSet(deps.seenCapacity ?? 1_000_000);
    this.now = deps.now ?? Date.now;
    // finops.* always comes first; the configured keys extend it.
    this.keys = {
      route: unique([FINOPS.ROUTE, ...a.keys.route]),
      feature: unique([FINOPS.FEATURE, ...a.keys.feature]),
      tenant: unique([FINOPS.TENANT, ...a.keys.tenant]),
    };
  }

  /** Rows held in memory: waiting for attribution plus queued for the store. */
  /** Call ids known to be stored already (e.g. before a replay): never written again. */
  markSeen(callIds: Iterable<string>): void {
    for (const id of callIds) this.seen.add(id);
  }

  get queuedRows(): number {
    return this.buffer.pending + this.deps.writer.queued;
  }

  /** Throws BackpressureError when a request of `spans` spans would overflow the memory bound. */
  admit(spans: number): void {
    if (this.queuedRows + spans > this.deps.config.max_queue_rows) {
      throw new BackpressureError('write queue is full', this.deps.config.retry_after_s);
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
    const incoming: IncomingSpan[] = [];
    const forward = this.deps.sink !== undefined;
    const others: SpanRecord[] = [];
    for (const span of batch.spans) {
      const normalized = normalizeSpan(span, { captureContent: this.deps.config.capture_content });
      const hint = extractHint(span.attributes, this.keys);
      const base = {
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId,
        hint,
      };
      if (normalized.type === 'invalid') {
        result.rejected += 1;
        result.messages.push(normalized.reason);
        incoming.push(base); // still a link in its trace's ancestor chain
        continue;
      }
      result.accepted += 1;
      if (normalized.type === 'other') {
        incoming.push(base);
        if (forward) others.push(span);
        continue;
      }
      const ownResource = extractHint(span.resource, this.keys);
      if (binding !== undefined) {
        const refused = applyBinding(binding, hint, ownResource, span.spanId);
        if (refused !== undefined) {
          result.accepted -= 1;
          result.rejected += 1;
          result.messages.push(refused);
          incoming.push(base);
          continue;
        }
      }
      if (normalized.type === 'call') {
        if (this.seen.has(normalized.call.call_id)) {
          result.duplicates += 1;
          continue;
        }
        this.seen.add(normalized.call.call_id);
        incoming.push({
          ...base,
          item: {
            type: 'call',
            call: normalized.call,
            ownResource,
            seq,
            ...(forward ? { span } : {}),
          },
        });
        this.stats.callsAccepted += 1;
      } else {
        incoming.push({
          ...base,
          item: {
            type: 'outcome',
            outcome: normalized.outcome,
            ownResource,
            seq,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId,
            ...(forward ? { span } : {}),
          },
        });
        this.stats.outcomesAccepted += 1;
      }
    }
    this.stats.spansReceived += batch.spans.length + batch.rejected.length;
    this.stats.spansRejected += result.rejected;
    this.stats.duplicatesDropped += result.duplicates;
    this.track(
      seq,
      incoming.reduce((n, span) => n + (span.item !== undefined ? 1 : 0), 0),
    );
    this.buffer.add(incoming, this.now());
    this.pump();
    if (forward && others.length > 0) this.deps.sink?.released([], [], others);
    return result;
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
    const priced = this.deps.price(attributed.calls);
    return {
      calls: redactContent(priced, this.deps.config.capture_content),
      outcomes: attributed.outcomes,
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

/** Enforce an ingest key's tenant on one call or outcome span; returns a rejection reason or undefined. */
function applyBinding(
  binding: TenantBinding,
  hint: Hint,
  ownResource: Hint,
  spanId: string,
): string | undefined {
  const carried = hint.tenant ?? ownResource.tenant;
  if (binding.mode === 'require' && carried !== binding.tenant) {
    return `span ${spanId}: tenant ${JSON.stringify(carried ?? '')} is not allowed for this ingest key (bound to ${JSON.stringify(binding.tenant)})`;
  }
  // `set`: the key's tenant wins over anything the span or its ancestors say.
  hint.tenant = binding.tenant;
  ownResource.tenant = binding.tenant;
  return undefined;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
