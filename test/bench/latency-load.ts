// Open-loop load for the latency benchmark: requests of BATCH spans are sent on a fixed
// schedule whatever the answers (a closed loop would slow down with the server and hide its
// queueing). Latency is measured from each request's scheduled time, so a client held back
// by a slow server still counts the wait (no coordinated omission). Bodies are pre-encoded
// and only their trace ids are rewritten per request: building spans costs the client more
// than ingesting them costs the server, and every call id must be new (or it is a duplicate).
import { randomFillSync } from 'node:crypto';
import * as hdr from 'hdr-histogram-js';
import { encodeProtoRequest } from '../../src/collector/receiver/otlp-proto.js';
import { makeSpans } from './spans.js';

export const BATCH = 200;
/** Requests in flight at most; past it the client is behind (the step cannot be sustained). */
const MAX_IN_FLIGHT = 256;

interface Template {
  body: Buffer;
  /** Offsets of each span's 16-byte trace id in the body. */
  traceIds: number[];
}

export function makeTemplates(count: number): Template[] {
  return Array.from({ length: count }, () => {
    const request = makeSpans(BATCH) as {
      resourceSpans: { scopeSpans: { spans: { traceId: Buffer }[] }[] }[];
    };
    const body = Buffer.from(encodeProtoRequest(request));
    const spans = request.resourceSpans[0]?.scopeSpans[0]?.spans ?? [];
    return { body, traceIds: spans.map((s) => body.indexOf(s.traceId)) };
  });
}

function freshBody(template: Template): Buffer {
  const body = Buffer.from(template.body);
  for (const at of template.traceIds) randomFillSync(body, at, 16);
  return body;
}

export interface PhaseResult {
  offered: number;
  /** Spans answered 200 per second of the phase. */
  acknowledged: number;
  statuses: Map<number, number>;
  /** The schedule slipped: MAX_IN_FLIGHT requests were waiting. */
  behind: boolean;
  /** Request latency in microseconds, from each request's scheduled time. */
  histogram: hdr.Histogram;
}

/** Offer `spansPerSecond` to `url` for `seconds`; resolves when every request has answered. */
export async function runPhase(
  url: string,
  templates: Template[],
  spansPerSecond: number,
  seconds: number,
): Promise<PhaseResult> {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000 });
  const result: PhaseResult = {
    offered: spansPerSecond,
    acknowledged: 0,
    statuses: new Map(),
    behind: false,
    histogram,
  };
  const intervalMs = (1000 * BATCH) / spansPerSecond;
  const total = Math.max(1, Math.round((seconds * 1000) / intervalMs));
  const t0 = performance.now();
  const inFlight = new Set<Promise<void>>();
  let acked = 0;
  for (let i = 0; i < total; i += 1) {
    const due = t0 + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    if (inFlight.size >= MAX_IN_FLIGHT) {
      result.behind = true;
      await Promise.race(inFlight);
    }
    const body = freshBody(templates[i % templates.length]!);
    const request = send(url, body).then((status) => {
      histogram.recordValue(Math.max(1, Math.round((performance.now() - due) * 1000)));
      result.statuses.set(status, (result.statuses.get(status) ?? 0) + 1);
      if (status === 200) acked += BATCH;
    });
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  }
  await Promise.all(inFlight);
  result.acknowledged = acked / ((performance.now() - t0) / 1000);
  return result;
}

async function send(url: string, body: Buffer): Promise<number> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body,
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0; // connection refused or reset
  }
}

/** p50 / p95 / p99 / max in milliseconds. */
export function percentiles(h: hdr.Histogram): {
  p50: number;
  p95: number;
  p99: number;
  max: number;
} {
  const ms = (us: number): number => Math.round(us / 100) / 10;
  return {
    p50: ms(h.getValueAtPercentile(50)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    max: ms(h.maxValue),
  };
}
