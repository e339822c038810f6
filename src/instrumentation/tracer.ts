// Instrumentation scope of every span the wrapper writes (the collector may key on it).
import { trace } from '@opentelemetry/api';
import type { Tracer, TracerProvider } from '@opentelemetry/api';

export const TRACER_NAME = 'llm-finops';
export const TRACER_VERSION = '0.1.0';

/** A tracer from `provider`, or from the global provider (a proxy, so late registration works). */
export function getTracer(provider?: TracerProvider): Tracer {
  return (provider ?? trace).getTracer(TRACER_NAME, TRACER_VERSION);
}
