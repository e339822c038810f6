// A billable call of trace 't' for the trace buffer's tests (trace-buffer, trace-release).
import { emptyCall, type LlmCall } from '../../src/collector/call.js';

/** A call of span `spanId` under `parent` ('' for a root), from instrumentation `source`. */
export const traceCall = (spanId: string, parent: string, source = 'semconv'): LlmCall => ({
  ...emptyCall(),
  call_id: `t-${spanId}`,
  trace_id: 't',
  span_id: spanId,
  parent_span_id: parent,
  source,
  input_tokens: 100,
  output_tokens: 10,
});
