// Shared seeding for the analytics-finops integration tests: llm_calls rows inserted directly
// (the materialized view fills the per-minute rollup), and an app with an injected clock.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp } from '../../src/analytics/http/app.js';
import { createAnalyticsServices } from '../../src/analytics/services.js';
import { parseConfig } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';
import type { QueryRunner } from '../../src/storage/runner.js';

export interface SeedCall {
  id: string;
  at: number;
  tenant?: string;
  route?: string;
  feature?: string;
  provider?: string;
  model?: string;
  deployment?: string;
  capacity_tier?: string;
  region?: string;
  environment?: string;
  operation?: string;
  trace_id?: string;
  conversation_id?: string;
  input?: number;
  cached?: number;
  write?: number;
  output?: number;
  /** Cost parts, decimal strings; total is their sum (computed by the test, not here). */
  cost?: {
    input: string;
    cached: string;
    write: string;
    output: string;
    total: string;
    list: string;
  };
  priced?: boolean;
}

const ZERO = { input: '0', cached: '0', write: '0', output: '0', total: '0', list: '0' };

export function callLine(c: SeedCall): string {
  const cost = c.cost ?? ZERO;
  return JSON.stringify({
    call_id: c.id,
    trace_id: c.trace_id ?? '',
    span_id: c.id,
    start_time: (c.at / 1000).toFixed(3),
    end_time: (c.at / 1000 + 1).toFixed(3),
    kind: 'inference',
    tenant: c.tenant ?? 't1',
    route: c.route ?? '/chat',
    feature: c.feature ?? 'chat',
    provider: c.provider ?? 'openai',
    model: c.model ?? 'gpt-4o',
    deployment: c.deployment ?? '',
    capacity_tier: c.capacity_tier ?? 'on_demand',
    region: c.region ?? 'eastus',
    environment: c.environment ?? 'production',
    operation: c.operation ?? 'chat',
    conversation_id: c.conversation_id ?? '',
    input_tokens: c.input ?? 0,
    cache_read_tokens: c.cached ?? 0,
    cache_creation_tokens: c.write ?? 0,
    output_tokens: c.output ?? 0,
    priced: c.priced ?? true,
    cost_input: cost.input,
    cost_cache_read: cost.cached,
    cost_cache_creation: cost.write,
    cost_output: cost.output,
    cost_total: cost.total,
    list_cost: cost.list,
  });
}

export async function seed(storage: QueryRunner, calls: SeedCall[]): Promise<void> {
  await storage.insert('llm_calls', calls.map(callLine).join('\n'));
}

export interface TestApp {
  url: string;
  close(): Promise<void>;
}

/** The analytics app on the runtime's storage with this config and clock. */
export async function startApp(
  storage: QueryRunner,
  finops: Record<string, unknown>,
  now: () => Date = () => new Date(),
): Promise<TestApp> {
  const config = parseConfig({ finops });
  const app = createApp({
    ...createAnalyticsServices({ storage, logger: createLogger('warn'), config, now }),
    checkResponses: true,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A quote-aware CSV parser (RFC 4180: "" inside quotes is a quote). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
