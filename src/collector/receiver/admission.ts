// Per-span admission: every span checked against what the store can hold and what is sane,
// before the request is spooled. A span outside the time window, with too many attribute
// values, values nested too deep or an absurd key is rejected on its own (partial_success);
// an overlong string is truncated and the span carries a warning to its row.
//
// Why a window and not just the store's limits: a span dated in 2500 fails the insert
// (DateTime64 and the TTL's DateTime stop at 2106/2299), and spans over 101 months trip the
// engine's partitions-per-insert limit; both used to stall every later row.
import type { AdmissionConfig } from '../../shared/config-admission.js';
import type { AttrValue, Attributes, SpanRecord } from '../span.js';

const NS_PER_MS = 1_000_000n;
const DAY_MS = 86_400_000;
/** What every table can hold: DateTime64(6) and the TTL's toDateTime (UInt32 seconds). */
const STORE_MIN_MS = 0;
const STORE_MAX_MS = Date.UTC(2106, 1, 7, 6, 28, 15);

/** Warning on a row whose span had an attribute string truncated at decode. */
export const ATTRIBUTE_TRUNCATED = 'attribute_truncated';

/** The admission rules for one request, fixed at the time it was received. */
export class Admission {
  readonly minNs: bigint;
  readonly maxNs: bigint;
  /** Resource attribute sets (shared by their spans) checked once: the verdict, and whether cut. */
  private readonly resources = new WeakMap<Attributes, string | undefined>();
  private readonly resourceTruncated = new WeakSet<Attributes>();

  constructor(
    private readonly config: AdmissionConfig,
    /** When the request was received (a replay passes the original time). */
    readonly receivedAtMs: number,
  ) {
    const min = Math.max(STORE_MIN_MS, receivedAtMs - config.max_age_days * DAY_MS);
    const max = Math.min(STORE_MAX_MS, receivedAtMs + config.max_future_days * DAY_MS);
    this.minNs = BigInt(Math.floor(min)) * NS_PER_MS;
    this.maxNs = BigInt(Math.floor(max)) * NS_PER_MS;
  }

  /** Check one decoded span (truncating strings in place); a reason when it is rejected. */
  check(span: SpanRecord): string | undefined {
    const time =
      this.timeReason('startTimeUnixNano', span.startTimeUnixNano) ??
      this.timeReason('endTimeUnixNano', span.endTimeUnixNano);
    if (time !== undefined) return time;
    const resource = this.checkResource(span.resource);
    if (resource !== undefined) return `resource ${resource}`;
    const walk = new Walk(this.config);
    span.name = walk.text(span.name);
    span.statusMessage = walk.text(span.statusMessage);
    const reason = walk.attributes(span.attributes, 'attributes');
    if (reason !== undefined) return reason;
    // One budget for the span and its events: events are where a flood would hide.
    for (const [i, event] of span.events.entries()) {
      event.name = walk.text(event.name);
      const inEvent = walk.attributes(event.attributes, `events[${i}].attributes`);
      if (inEvent !== undefined) return inEvent;
    }
    if (walk.truncated || this.resourceTruncated.has(span.resource))
      span.warnings = [...(span.warnings ?? []), ATTRIBUTE_TRUNCATED];
    return undefined;
  }

  private checkResource(resource: Attributes): string | undefined {
    if (this.resources.has(resource)) return this.resources.get(resource);
    const walk = new Walk(this.config);
    const reason = walk.attributes(resource, 'attributes');
    this.resources.set(resource, reason);
    if (walk.truncated) this.resourceTruncated.add(resource);
    return reason;
  }

  private timeReason(field: string, ns: bigint): string | undefined {
    if (ns >= this.minNs && ns <= this.maxNs) return undefined;
    return `${field} ${isoOf(ns)} is outside the accepted window ${isoOf(this.minNs)} .. ${isoOf(this.maxNs)} (collector.admission.max_age_days ${this.config.max_age_days}, max_future_days ${this.config.max_future_days})`;
  }
}

/** Counts values and depth across one span's attribute sets, truncating long strings. */
class Walk {
  values = 0;
  truncated = false;
  /** The attribute set walked ("attributes", "events[0].attributes"). */
  private root = '';
  /**
   * Keys and indexes down to the value being checked: rendered into text only for a rejection
   * (building "attributes.<key>" for every value of every span cost a string each).
   */
  private readonly path: (string | number)[] = [];

  constructor(private readonly config: AdmissionConfig) {}

  attributes(attrs: Attributes, where: string): string | undefined {
    this.root = where;
    return this.map(attrs, 1);
  }

  text(value: string): string {
    const cut = truncateUtf8(value, this.config.max_string_bytes);
    if (cut !== value) this.truncated = true;
    return cut;
  }

  /** Where the walk is, as a rejection names it: attributes.<key>[<index>]... */
  private where(): string {
    let out = this.root;
    for (const step of this.path)
      out += typeof step === 'number' ? `[${step}]` : `.${shortKey(step)}`;
    return out;
  }

  private map(attrs: Attributes, depth: number): string | undefined {
    for (const key of Object.keys(attrs)) {
      if (
        key.length * 3 > this.config.max_key_bytes &&
        utf8Bytes(key) > this.config.max_key_bytes
      ) {
        return `${this.where()} has a key of ${utf8Bytes(key)} bytes (collector.admission.max_key_bytes ${this.config.max_key_bytes})`;
      }
      this.path.push(key);
      const reason = this.value(attrs, key, attrs[key] ?? null, depth);
      this.path.pop();
      if (reason !== undefined) return reason;
    }
    return undefined;
  }

  private value(
    holder: Attributes | AttrValue[],
    key: string | number,
    value: AttrValue,
    depth: number,
  ): string | undefined {
    this.values += 1;
    if (this.values > this.config.max_span_attributes) {
      return `has more than ${this.config.max_span_attributes} attribute values (collector.admission.max_span_attributes)`;
    }
    if (depth > this.config.max_attribute_depth) {
      return `${this.where()} nests deeper than ${this.config.max_attribute_depth} levels (collector.admission.max_attribute_depth)`;
    }
    if (typeof value === 'string') {
      const cut = this.text(value);
      if (cut !== value) (holder as Record<string | number, AttrValue>)[key] = cut;
      return undefined;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i += 1) {
        this.path.push(i);
        const reason = this.value(value, i, value[i] ?? null, depth + 1);
        this.path.pop();
        if (reason !== undefined) return reason;
      }
      return undefined;
    }
    if (value !== null && typeof value === 'object') return this.map(value, depth + 1);
    return undefined;
  }
}

export function utf8Bytes(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/** Cut a string to at most `max` UTF-8 bytes, never inside a character. */
export function truncateUtf8(value: string, max: number): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short strings need no encoding to be measured.
  if (value.length * 3 <= max) return value;
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length <= max) return value;
  let end = max;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1; // a continuation byte
  return bytes.toString('utf8', 0, end);
}

function shortKey(key: string): string {
  return key.length <= 64 ? key : `${key.slice(0, 61)}...`;
}

function isoOf(ns: bigint): string {
  const ms = Number(ns / NS_PER_MS);
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ns}ns` : date.toISOString();
}
