// Seeding helpers for the alert and routing tests: llm_calls rows written straight into
// ClickHouse (columns left out take their defaults), at exact instants of an injected clock.
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage } from '../../src/storage/client.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { MIGRATIONS_DIR, migrate } from '../../src/storage/migrate.js';

export interface CallSpec {
  atMs: number;
  provider?: string;
  model?: string;
  deployment?: string;
  tenant?: string;
  route?: string;
  error?: boolean;
  httpStatus?: number;
  ttftMs?: number | null;
  durationMs?: number;
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  costUsd?: string;
  priced?: boolean;
  attempt?: number;
  fallbackFrom?: string;
  cacheHit?: boolean;
  usageIncomplete?: boolean;
}

export function callRow(c: CallSpec): Record<string, unknown> {
  const duration = c.durationMs ?? 800;
  const id = randomUUID();
  const error = c.error ?? false;
  return {
    call_id: id,
    trace_id: id.replace(/-/g, ''),
    span_id: id.slice(0, 16),
    start_time: new Date(c.atMs).toISOString(),
    end_time: new Date(c.atMs + duration).toISOString(),
    duration_ms: duration,
    kind: 'inference',
    operation: 'chat',
    source: 'test',
    service: 'svc',
    environment: 'test',
    provider: c.provider ?? 'openai',
    model: c.model ?? 'gpt-4o',
    request_model: c.model ?? 'gpt-4o',
    deployment: c.deployment ?? '',
    tenant: c.tenant ?? 'acme',
    route: c.route ?? '/chat',
    feature: 'chat',
    status: error ? 'error' : 'ok',
    error_type: error ? 'server_error' : '',
    http_status: c.httpStatus ?? (error ? 500 : 200),
    input_tokens: c.inputTokens ?? 1000,
    output_tokens: c.outputTokens ?? 200,
    cache_read_tokens: c.cacheReadTokens ?? 0,
    ttft_ms: c.ttftMs === undefined ? 300 : c.ttftMs,
    attempt: c.attempt ?? 1,
    fallback_from: c.fallbackFrom ?? '',
    cache_hit: c.cacheHit ?? false,
    usage_incomplete: c.usageIncomplete ?? false,
    priced: c.priced ?? true,
    cost_total: c.costUsd ?? '0.001',
    list_cost: c.costUsd ?? '0.001',
  };
}

/** `count` calls spread evenly over [fromMs, toMs). */
export function spread(
  count: number,
  fromMs: number,
  toMs: number,
  spec: Omit<CallSpec, 'atMs'> | ((i: number) => Omit<CallSpec, 'atMs'>),
): CallSpec[] {
  const step = (toMs - fromMs) / count;
  return Array.from({ length: count }, (_, i) => ({
    ...(typeof spec === 'function' ? spec(i) : spec),
    atMs: Math.floor(fromMs + i * step),
  }));
}

export async function seed(storage: QueryRunner, calls: CallSpec[]): Promise<void> {
  if (calls.length === 0) return;
  await storage.insert('llm_calls', `${calls.map((c) => JSON.stringify(callRow(c))).join('\n')}\n`);
}

/**
 * An embedded store with only the migrations these tests rely on (the base tables, the cost
 * rollups budgets read through, and 0030-0039: alert events, feed versions, price dimensions, tenant rollups, gateway reports), so alert and routing tests do not depend on other
 * areas' migrations being in a good state.
 */
export async function startStore(): Promise<{ storage: QueryRunner; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'llm-finops-ar-'));
  const dir = join(dataDir, 'migrations');
  mkdirSync(dir);
  for (const file of readdirSync(MIGRATIONS_DIR)) {
    if (/^(000[1-3]|0023|0026|003\d)_.*\.sql$/.test(file))
      copyFileSync(join(MIGRATIONS_DIR, file), join(dir, file));
  }
  const storage = await createStorage({ database: 'default', dataDir: join(dataDir, 'db') });
  await migrate(storage, { ttl_days: 400 }, dir);
  return { storage, dataDir };
}
