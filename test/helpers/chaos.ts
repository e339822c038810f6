// Shared pieces of the chaos suite: a real runtime on a given data directory (so a test can
// restart it on the same disk), GenAI spans per tenant, and reading what the store holds.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { OpenSegment } from '../../src/collector/spool.js';
import { startRuntime, type Runtime } from '../../src/runtime.js';
import { parseConfig } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';
import { FINOPS, GEN_AI } from '../../src/shared/semconv.js';
import { newSpanId, newTraceId, spanJson } from './otlp.js';
import { E2E_PRICES } from './runtime.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ChaosRuntime {
  runtime: Runtime;
  otlpUrl: string;
  apiUrl: string;
}

/** Start the real service (embedded chDB, OTLP and API on ephemeral ports) on `dataDir`. */
export async function startOn(
  dataDir: string,
  collector: Record<string, unknown> = {},
  options: { openSpoolSegment?: OpenSegment; ttlDays?: number } = {},
): Promise<ChaosRuntime> {
  const config = parseConfig({
    storage: { data_dir: dataDir, ttl_days: options.ttlDays ?? 400 },
    collector: {
      port: 0,
      grpc_port: 0,
      attribution: { wait_ms: 200, root_grace_ms: 20 },
      ...collector,
      writer: { flush_interval_ms: 50, ...(collector.writer as object | undefined) },
    },
    api: { port: 0 },
    pricing: { prices_file: E2E_PRICES },
  });
  const runtime = await startRuntime({
    config,
    logger: createLogger('silent'),
    ...(options.openSpoolSegment !== undefined
      ? { openSpoolSegment: options.openSpoolSegment }
      : {}),
  });
  return {
    runtime,
    otlpUrl: `http://127.0.0.1:${runtime.otlpPort}/v1/traces`,
    apiUrl: `http://127.0.0.1:${runtime.apiPort}`,
  };
}

/** One GenAI call span of `tenant`; its call id is `<traceId>-<spanId>`. */
export function callSpan(tenant: string, startMs = Date.now() - 1000): Record<string, unknown> {
  return spanJson({
    traceId: newTraceId(),
    spanId: newSpanId(),
    startMs,
    attributes: {
      [GEN_AI.OPERATION_NAME]: 'chat',
      [GEN_AI.PROVIDER_NAME]: 'openai',
      [GEN_AI.REQUEST_MODEL]: 'gpt-4o',
      [GEN_AI.USAGE_INPUT_TOKENS]: 100,
      [GEN_AI.USAGE_OUTPUT_TOKENS]: 10,
      [FINOPS.TENANT]: tenant,
    },
  });
}

export const callId = (span: Record<string, unknown>): string =>
  `${String(span.traceId)}-${String(span.spanId)}`;

/** Call ids stored for these tenants. */
export async function storedIds(runtime: Runtime, tenants: string[]): Promise<string[]> {
  const rows = await runtime.storage.query<{ call_id: string }>(
    'SELECT call_id FROM llm_calls WHERE tenant IN {t:Array(String)} ORDER BY call_id',
    { t: tenants },
  );
  return rows.map((r) => r.call_id);
}

/** Poll until `check` passes or the time is up; returns the last value. */
export async function until<T>(
  fn: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await fn();
  while (!check(last) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await fn();
  }
  return last;
}

/** Run the real CLI (bin/llm-finops.js) to completion. */
export function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [`${ROOT}bin/llm-finops.js`, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'error' },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A Prometheus sample's value from /metrics text (undefined when absent). */
export function metric(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line !== undefined ? Number(line.split(' ')[1]) : undefined;
}
