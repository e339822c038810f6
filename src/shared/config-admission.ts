// Config for what the collector's edge admits: the span time window, string, attribute and
// depth caps (collector.admission), and the fair-share and timeout keys of the receiver.
// Composed into the collector section by config.ts.
import { z } from 'zod';

const KiB = 1024;
const MiB = 1024 * KiB;

export const admissionSchema = z
  .object({
    /** Spans that started (or ended) longer ago than this are rejected one by one. */
    max_age_days: z.number().int().min(1).max(36_500).default(400),
    /** Spans dated further ahead than this (clock skew allowance) are rejected one by one. */
    max_future_days: z.number().int().min(0).max(3_650).default(1),
    /** Longer attribute string values are truncated at decode; the row gets a warning. */
    max_string_bytes: z
      .number()
      .int()
      .min(KiB)
      .max(64 * MiB)
      .default(MiB),
    /** Longer stored labels (model, route, span name, error type, ...) are truncated; the row gets `truncated:<column>`. */
    max_label_bytes: z.number().int().min(64).max(MiB).default(KiB),
    /** A span with a longer attribute key is rejected. */
    max_key_bytes: z.number().int().min(64).max(MiB).default(KiB),
    /** Values per span (attributes, array elements and map entries at any depth, event attributes included); past it the span is rejected. */
    max_span_attributes: z.number().int().min(16).default(65_536),
    /** Nesting of attribute values (a scalar is 1, an array of scalars 2); past it the span is rejected. */
    max_attribute_depth: z.number().int().min(1).max(32).default(8),
  })
  .strict();

export const DEFAULT_ADMISSION = admissionSchema.parse({});

/** The receiver's keys for decoded size and fair admission (flat in the collector section). */
export const edgeShape = {
  /**
   * Estimated decoded size of one request (body bytes plus a fixed cost per JSON node or
   * protobuf message), counted before decoding; past it 413.
   */
  max_decoded_bytes: z
    .number()
    .int()
    .min(64 * KiB)
    .default(128 * MiB),
  /** A request body not received in full within this time gets 408 and its connection closed. */
  body_timeout_ms: z.number().int().min(100).max(3_600_000).default(30_000),
  /** Share of max_inflight_requests one ingest key may hold; past it that key gets 429. */
  max_inflight_share_per_key: z.number().gt(0).max(1).default(0.25),
  /** Share of max_inflight_requests one peer address may hold; past it that address gets 429. */
  max_inflight_share_per_peer: z.number().gt(0).max(1).default(0.25),
};

export type AdmissionConfig = z.infer<typeof admissionSchema>;
