// The collector's modules read the canonical call record under this name; it lives in
// src/shared/call.ts so pricing can price it without importing the collector.
export { emptyCall } from '../shared/call.js';
export type { CallKind, CallStatus, LlmCall, OutcomeRecord } from '../shared/call.js';
