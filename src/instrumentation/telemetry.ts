// startTelemetry: a ready tracer pipeline for services that do not run an OTel SDK already
// (if they do, skip this: the wrappers write through the global OTel API into their SDK).
// The OTel packages read the standard OTEL_* variables themselves (exporter endpoint/headers,
// OTEL_BSP_*, sampler, OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES via the env detector), so
// this module never touches process.env.
import { context, diag, propagation, trace } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type {
  BufferConfig,
  Sampler,
  SpanExporter,
  SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { GENERAL } from '../shared/semconv.js';

export interface TelemetryOptions {
  /** `service.name`; wins over OTEL_SERVICE_NAME when given. */
  serviceName?: string;
  serviceVersion?: string;
  /** `deployment.environment.name` (e.g. prod, staging). */
  environment?: string;
  /**
   * OTLP/HTTP endpoint: a base URL (`/v1/traces` is appended) or a full `.../v1/traces` URL.
   * Default: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT / localhost:4318.
   */
  endpoint?: string;
  headers?: Record<string, string>;
  resourceAttributes?: Attributes;
  /** Replace the OTLP exporter (tests: InMemorySpanExporter). */
  exporter?: SpanExporter;
  /** Replace the batch processor entirely (tests: SimpleSpanProcessor). */
  spanProcessor?: SpanProcessor;
  batch?: BufferConfig;
  sampler?: Sampler;
  /** Register provider, context manager and propagators globally (default true). */
  registerGlobals?: boolean;
}

export interface ShutdownOptions {
  /**
   * Give up on unexported spans after this long (default 10000 ms, the OTLP exporter's own timeout,
   * which is how long a flush to a collector that is down takes): shutdown must not hang.
   */
  timeoutMs?: number;
}

export interface Telemetry {
  tracerProvider: BasicTracerProvider;
  forceFlush(): Promise<void>;
  /**
   * Flushes, shuts the provider down and unregisters the globals it registered. Never rejects
   * (a collector that is down or slow is logged through the OTel diag logger) and settles within
   * `timeoutMs`, so a SIGTERM handler can always `await` it and exit.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
}

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/** `work` or, after `ms`, 'timeout'; rejections become 'failed' (logged). Never rejects. */
async function settleWithin(
  work: Promise<void>,
  ms: number,
): Promise<'done' | 'timeout' | 'failed'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work.then(() => 'done' as const), timeout]);
  } catch (err) {
    diag.warn('llm-finops: telemetry shutdown could not export every span', err);
    return 'failed';
  } finally {
    clearTimeout(timer);
  }
}

export function tracesUrl(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, '');
  return trimmed.endsWith('/v1/traces') ? trimmed : `${trimmed}/v1/traces`;
}

function buildResource(o: TelemetryOptions) {
  const attrs: Attributes = { ...o.resourceAttributes };
  if (o.serviceName !== undefined) attrs[GENERAL.SERVICE_NAME] = o.serviceName;
  if (o.serviceVersion !== undefined) attrs[GENERAL.SERVICE_VERSION] = o.serviceVersion;
  if (o.environment !== undefined) attrs[GENERAL.DEPLOYMENT_ENVIRONMENT_NAME] = o.environment;
  // Later merges win: defaults < OTEL_* env < explicit options.
  return defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes(attrs));
}

function buildProcessor(o: TelemetryOptions): SpanProcessor {
  if (o.spanProcessor) return o.spanProcessor;
  const exporter =
    o.exporter ??
    new OTLPTraceExporter({
      ...(o.endpoint !== undefined ? { url: tracesUrl(o.endpoint) } : {}),
      ...(o.headers !== undefined ? { headers: o.headers } : {}),
    });
  return new BatchSpanProcessor(exporter, o.batch);
}

export function startTelemetry(options: TelemetryOptions = {}): Telemetry {
  const tracerProvider = new BasicTracerProvider({
    resource: buildResource(options),
    spanProcessors: [buildProcessor(options)],
    ...(options.sampler ? { sampler: options.sampler } : {}),
  });
  const registered = { trace: false, context: false, propagation: false };
  let contextManager: AsyncLocalStorageContextManager | undefined;
  if (options.registerGlobals !== false) {
    // Each set* returns false (and leaves the existing one) when the host already registered one.
    registered.trace = trace.setGlobalTracerProvider(tracerProvider);
    contextManager = new AsyncLocalStorageContextManager().enable();
    registered.context = context.setGlobalContextManager(contextManager);
    if (!registered.context) contextManager.disable();
    registered.propagation = propagation.setGlobalPropagator(
      new CompositePropagator({
        propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
      }),
    );
  }
  return {
    tracerProvider,
    forceFlush: () => tracerProvider.forceFlush(),
    async shutdown(opts: ShutdownOptions = {}) {
      const ms = opts.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
      let work: Promise<void>;
      try {
        work = tracerProvider.shutdown();
      } catch (err) {
        work = Promise.reject(err as Error);
      }
      if ((await settleWithin(work, ms)) === 'timeout')
        diag.warn(
          `llm-finops: telemetry shutdown gave up after ${ms} ms; unexported spans are lost`,
        );
      if (registered.trace) trace.disable();
      if (registered.context) context.disable();
      if (registered.propagation) propagation.disable();
    },
  };
}
