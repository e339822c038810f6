// One LLM call = one CLIENT span. This class holds the span and the stream timing, and makes
// sure the span ends exactly once whatever happens (result, error, break, abort). Every public
// method swallows its own failures: telemetry must never break the host call.
import { context, diag, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import { FINOPS, FINOPS_STREAM, GEN_AI, GENERAL, STREAM_ERROR_TYPE } from '../shared/semconv.js';
import { addAttributionAttributes } from './attribution.js';
import { addGatewayAttributes } from './gateway.js';
import { errorAttributes } from './errors.js';
import { gapStats } from './stats.js';
import { setUsageAttributes } from './usage.js';
import type { TokenUsage } from './usage.js';

export interface CallMeta {
  operation: string;
  provider: string;
  model?: string;
  serverAddress?: string;
  serverPort?: number;
  stream?: boolean;
  /** Extra attributes at span start (request parameters, deployment...). */
  attributes?: Attributes;
}

export interface CallResponse {
  model?: string;
  id?: string;
  finishReasons?: string[];
  usage?: TokenUsage;
  attributes?: Attributes;
}

const now = (): number => performance.now();

export class LlmCall {
  readonly span: Span;
  /** Context with this span active: the vendor call runs inside it. */
  readonly ctx: Context;
  private readonly startMs = now();
  private lastChunkMs: number | undefined;
  private firstChunkMs: number | undefined;
  private readonly gaps: number[] = [];
  private chunks = 0;
  private usageSeen = false;
  private ended = false;

  constructor(tracer: Tracer, meta: CallMeta, parent: Context = context.active()) {
    const attrs: Attributes = {
      [GEN_AI.OPERATION_NAME]: meta.operation,
      [GEN_AI.PROVIDER_NAME]: meta.provider,
    };
    if (meta.model !== undefined) attrs[GEN_AI.REQUEST_MODEL] = meta.model;
    if (meta.serverAddress !== undefined) attrs[GENERAL.SERVER_ADDRESS] = meta.serverAddress;
    if (meta.serverPort !== undefined) attrs[GENERAL.SERVER_PORT] = meta.serverPort;
    if (meta.stream) attrs[GEN_AI.REQUEST_STREAM] = true;
    if (meta.attributes) Object.assign(attrs, meta.attributes);
    // Context facts go last so a gateway's deployment/tier overrides the wrapper's guess.
    addAttributionAttributes(parent, attrs);
    addGatewayAttributes(parent, attrs);
    const name = meta.model !== undefined ? `${meta.operation} ${meta.model}` : meta.operation;
    this.span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes: attrs }, parent);
    this.ctx = trace.setSpan(parent, this.span);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Records the arrival of one output-bearing stream chunk (TTFT on the first, gaps after). */
  chunk(): void {
    const t = now();
    if (this.firstChunkMs === undefined) this.firstChunkMs = t;
    else if (this.lastChunkMs !== undefined) this.gaps.push(t - this.lastChunkMs);
    this.lastChunkMs = t;
    this.chunks++;
  }

  /** Sets response facts; may be called several times (stream events), later values win. */
  response(r: CallResponse): void {
    if (this.ended) return;
    try {
      const s = this.span;
      if (r.model !== undefined) s.setAttribute(GEN_AI.RESPONSE_MODEL, r.model);
      if (r.id !== undefined) s.setAttribute(GEN_AI.RESPONSE_ID, r.id);
      if (r.finishReasons !== undefined && r.finishReasons.length > 0) {
        s.setAttribute(GEN_AI.RESPONSE_FINISH_REASONS, r.finishReasons);
      }
      if (r.usage !== undefined) {
        setUsageAttributes(s, r.usage);
        this.usageSeen = true;
      }
      if (r.attributes !== undefined) s.setAttributes(r.attributes);
    } catch (err) {
      diag.debug('llm-finops: could not record response', err);
    }
  }

  /** Ends the span successfully. `abandoned`: the caller stopped reading a stream early. */
  end(abandoned = false): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.writeStreamStats(abandoned);
      this.span.end();
    } catch (err) {
      diag.debug('llm-finops: could not end span', err);
    }
  }

  /**
   * The caller stopped a stream before it ended. Before its first chunk (a gateway giving up at
   * its TTFT deadline, any abort) or by aborting mid-stream, the call failed from the caller's
   * side: status ERROR and an `error.type` naming how, so the collector counts it as a failure
   * of that target. A `break` after output began is the caller having read enough: ok, flagged
   * abandoned as before. Usage stays what the stream reported (none without the final chunk).
   */
  abandon(aborted: boolean, reason?: unknown): void {
    if (this.ended) return;
    if (this.firstChunkMs !== undefined && !aborted) return this.end(true);
    this.ended = true;
    try {
      const type = isTimeout(reason)
        ? STREAM_ERROR_TYPE.TIMEOUT
        : this.firstChunkMs === undefined
          ? STREAM_ERROR_TYPE.NO_FIRST_CHUNK
          : STREAM_ERROR_TYPE.ABORTED;
      const secs = ((now() - this.startMs) / 1000).toFixed(3);
      const when = this.firstChunkMs === undefined ? 'before its first chunk' : 'mid-stream';
      this.span.setAttribute(GENERAL.ERROR_TYPE, type);
      this.span.setStatus({
        code: SpanStatusCode.ERROR,
        message: `stream ${aborted ? 'aborted' : 'abandoned'} ${when} after ${secs} s`,
      });
      this.writeStreamStats(true);
      this.span.end();
    } catch (err) {
      diag.debug('llm-finops: could not end abandoned span', err);
    }
  }

  /** Ends the span as failed, with `error.type`, HTTP status and retry-after when known. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    try {
      const { attributes, message } = errorAttributes(error);
      this.span.setAttributes(attributes);
      this.span.setStatus({ code: SpanStatusCode.ERROR, message });
      if (error instanceof Error) this.span.recordException(error);
      this.writeStreamStats(false);
      this.span.end();
    } catch (err) {
      diag.debug('llm-finops: could not end failed span', err);
    }
  }

  private writeStreamStats(abandoned: boolean): void {
    const s = this.span;
    if (this.firstChunkMs !== undefined) {
      s.setAttribute(
        GEN_AI.RESPONSE_TIME_TO_FIRST_CHUNK,
        (this.firstChunkMs - this.startMs) / 1000,
      );
      s.setAttribute(FINOPS_STREAM.CHUNKS, this.chunks);
      const stats = gapStats(this.gaps);
      if (stats) {
        s.setAttribute(FINOPS.STREAM_ITL_MS, stats.meanMs);
        s.setAttribute(FINOPS.STREAM_ITL_P95_MS, stats.p95Ms);
      }
    }
    if (abandoned) s.setAttribute(FINOPS_STREAM.ABANDONED, true);
    if (!this.usageSeen) s.setAttribute(FINOPS_STREAM.USAGE_REPORTED, false);
  }
}

/** An abort whose reason is a timeout: `AbortSignal.timeout()` or any `TimeoutError`. */
function isTimeout(reason: unknown): boolean {
  return (
    reason !== null &&
    typeof reason === 'object' &&
    (reason as { name?: unknown }).name === 'TimeoutError'
  );
}
