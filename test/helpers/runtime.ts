// Starts a real llm-finops runtime (embedded chDB in a temp dir, OTLP receiver and API on
// ephemeral ports) for integration tests. One per test file: libchdb binds one data dir per process.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRuntime, type Runtime } from '../../src/runtime.js';
import { parseConfig } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';

export const E2E_PRICES = fileURLToPath(new URL('../fixtures/e2e/prices.json', import.meta.url));

export interface TestRuntime {
  runtime: Runtime;
  otlpUrl: string;
  /** host:port of the OTLP/gRPC listener ('' when collector.grpc_port is false). */
  otlpGrpcAddress: string;
  apiUrl: string;
  dataDir: string;
}

export async function startTestRuntime(
  overrides: Record<string, unknown> = {},
): Promise<TestRuntime> {
  const dataDir = mkdtempSync(join(tmpdir(), 'llm-finops-test-'));
  const base = {
    storage: { data_dir: dataDir },
    collector: {
      port: 0,
      grpc_port: 0,
      attribution: { wait_ms: 400, root_grace_ms: 50 },
      writer: { flush_interval_ms: 50 },
    },
    api: { port: 0 },
    pricing: { prices_file: E2E_PRICES },
  };
  const config = parseConfig(deepMerge(base, overrides));
  // Every API answer in the integration suites is checked against its documented schema.
  const runtime = await startRuntime({
    config,
    logger: createLogger('warn'),
    checkResponses: true,
  });
  return {
    runtime,
    otlpUrl: `http://127.0.0.1:${runtime.otlpPort}/v1/traces`,
    otlpGrpcAddress: runtime.otlpGrpcPort !== undefined ? `127.0.0.1:${runtime.otlpGrpcPort}` : '',
    apiUrl: `http://127.0.0.1:${runtime.apiPort}`,
    dataDir,
  };
}

function deepMerge(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const existing = out[key];
    out[key] = isPlain(existing) && isPlain(value) ? deepMerge(existing, value) : value;
  }
  return out;
}

function isPlain(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function getJson<T = unknown>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}

/**
 * Wait until what the collector holds is committed, every view included: the embedded store
 * inserts on a connection of its own, so a read can see an insert's llm_calls rows while its
 * views are still being written (as on a ClickHouse server). Call it after `eventually` saw the
 * rows in llm_calls and before reading a rollup or asking an API without the read barrier.
 */
export async function committed(t: TestRuntime): Promise<void> {
  await t.runtime.pipeline?.sync();
}

/** Poll until `check` passes (rows are written asynchronously after the 200). */
export async function eventually<T>(
  fn: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await fn();
  while (!check(last) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await fn();
  }
  return last;
}
