// One admission step for a request body, used by the receiver and by the spool's replay alike
// (so a replayed record is admitted exactly as it was when acknowledged): the decoded-size
// budget before decoding, then decoding with every span checked against the admission rules.
import type { AdmissionConfig } from '../../shared/config-admission.js';
import { Admission } from './admission.js';
import { checkBudget } from './budget.js';
import type { DecodedBatch } from './decoded.js';
import { decodeJsonRequest } from './otlp-json.js';
import { decodeProtoRequest } from './otlp-proto.js';

export interface DecodeLimits {
  admission: AdmissionConfig;
  maxDecodedBytes: number;
}

export interface AdmittedRequest {
  batch: DecodedBatch;
  /** Estimated decoded bytes (charged to the in-flight byte budget). */
  estimate: number;
}

/** Attribute nesting the scan lets through to the decoders; deeper spans are rejected one by one. */
const DEPTH_SLACK = 8;

/**
 * Decode a request body within the budget and admit its spans. `charge` is called with the
 * decoded-size estimate before decoding starts (it may throw to refuse the request).
 */
export function decodeRequest(
  encoding: 'json' | 'protobuf',
  body: Buffer,
  limits: DecodeLimits,
  receivedAtMs: number,
  charge: (estimate: number) => void = () => undefined,
): AdmittedRequest {
  const { estimate } = checkBudget(body, encoding, {
    maxDecodedBytes: limits.maxDecodedBytes,
    maxValueDepth: limits.admission.max_attribute_depth + DEPTH_SLACK,
  });
  charge(estimate);
  const admission = new Admission(limits.admission, receivedAtMs);
  const batch =
    encoding === 'protobuf'
      ? decodeProtoRequest(body, admission)
      : decodeJsonRequest(body, admission);
  return { batch, estimate };
}

/**
 * Decode a spooled (acknowledged) record for replay: admitted against the time it was first
 * received, and never refused for size (it was within the budget when it was acknowledged).
 */
export function decodeSpooled(
  encoding: 'json' | 'protobuf',
  body: Buffer,
  admission: AdmissionConfig,
  receivedAtMs: number | undefined,
): DecodedBatch {
  const limits = { admission, maxDecodedBytes: Number.MAX_SAFE_INTEGER };
  return decodeRequest(encoding, body, limits, receivedAtMs ?? Date.now()).batch;
}
