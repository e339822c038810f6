// Regression: a budget alert rule without a ceiling of its own falls back to `finops.budgets`,
// and it never fired (the adapter read the routing-budget shape `limit_usd`, and its test
// injected that shape). Here through the real path a user takes: a YAML config file read by
// loadConfig, the real runtime (collector, chDB, scheduler on its cron), spans over OTLP/HTTP,
// and a webhook receiver; spend above the finops ceiling makes the alert fire. A rule written
// with the old key (`limit_usd`) still loads and fires too.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startRuntime, type Runtime } from '../../src/runtime.js';
import { loadConfig } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';
import { eventually, E2E_PRICES, getJson } from '../helpers/runtime.js';
import { postJson, requestJson, spanJson } from '../helpers/otlp.js';

interface Hook {
  status: string;
  alert: { rule: string; labels: Record<string, string>; summary: string; value: number };
}

let runtime: Runtime;
let hook: Server;
const received: Hook[] = [];
const warnings: string[] = [];

beforeAll(async () => {
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as Hook);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const dir = mkdtempSync(join(tmpdir(), 'llm-finops-budget-alert-'));
  const file = join(dir, 'llm-finops.yaml');
  writeFileSync(
    file,
    `# what a user writes
storage:
  data_dir: ${JSON.stringify(join(dir, 'data'))}
collector:
  port: 0
  grpc_port: 0
  attribution: { wait_ms: 300, root_grace_ms: 50 }
  writer: { flush_interval_ms: 50 }
api:
  port: 0
pricing:
  prices_file: ${JSON.stringify(E2E_PRICES)}
routing:
  enabled: false
finops:
  budgets:
    - name: acme-daily
      scope: { tenant: acme }
      period: day
      ceiling_usd: "0.05"
    - name: beta-daily
      scope: { tenant: beta }
      period: day
      ceiling_usd: "100"
alerts:
  schedule: "* * * * * *"
  notifiers:
    hook:
      type: webhook
      url: http://127.0.0.1:${(hook.address() as AddressInfo).port}/
      retries: 0
  rules:
    - name: finops-budgets
      kind: budget
      severity: critical
      notifiers: [hook]
    - name: legacy-tenant-limit
      kind: budget
      limit_usd: 0.05
      period: day
      notifiers: [hook]
`,
  );
  vi.spyOn(process, 'emitWarning').mockImplementation((w: string | Error) => {
    warnings.push(String(w));
  });
  const config = loadConfig(file);
  vi.restoreAllMocks();
  runtime = await startRuntime({ config, logger: createLogger('silent') });
});

afterAll(async () => {
  await runtime?.stop();
  hook?.close();
});

/** A gpt-4o call: 2,000 input tokens at $0.0000025 = $0.005. */
function call(tenant: string, startMs: number): Record<string, unknown> {
  return spanJson({
    name: 'chat gpt-4o',
    startMs,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 2_000,
      'gen_ai.usage.output_tokens': 0,
      'finops.tenant': tenant,
    },
  });
}

it('a finops budget breach fires its alert, from a YAML config, over real OTLP and cron', async () => {
  expect(warnings.join('\n')).toMatch(/legacy-tenant-limit: `limit_usd` is deprecated/);
  const now = Date.now();
  const dayStart = now - (now % 86_400_000);
  // Inside today (UTC) even when the test runs just after midnight.
  const at = (i: number): number => Math.max(dayStart + i + 1, now - 5_000 + i);
  // acme: 12 calls x $0.005 = $0.06 > $0.05; beta: 2 calls, far below its $100.
  const spans = [
    ...Array.from({ length: 12 }, (_v, i) => call('acme', at(i))),
    call('beta', at(20)),
    call('beta', at(21)),
  ];
  const otlp = `http://127.0.0.1:${runtime.otlpPort}/v1/traces`;
  expect((await postJson(otlp, requestJson(spans))).status).toBe(200);

  const api = `http://127.0.0.1:${runtime.apiPort}`;
  const budgets = await eventually(
    () =>
      getJson<{ budgets: { name: string; spent_usd: string; status: string }[] }>(
        `${api}/v1/budgets`,
      ),
    (r) => r.body.budgets.find((b) => b.name === 'acme-daily')?.spent_usd === '0.06',
    15_000,
  );
  expect(budgets.body.budgets.map((b) => [b.name, b.spent_usd, b.status])).toEqual([
    ['acme-daily', '0.06', 'hard'],
    ['beta-daily', '0.01', expect.not.stringMatching(/hard|soft/)],
  ]);

  const firing = (rule: string): Hook | undefined =>
    received.find((r) => r.status === 'firing' && r.alert.rule === rule);
  await eventually(
    async () => received.length,
    () => firing('finops-budgets') !== undefined && firing('legacy-tenant-limit') !== undefined,
    15_000,
  );
  expect(firing('finops-budgets')?.alert).toMatchObject({
    labels: { budget: 'acme-daily', tenant: 'acme' },
    value: 0.06,
  });
  expect(firing('finops-budgets')?.alert.summary).toMatch(
    /budget acme-daily: day spend \$0\.06 reached the hard threshold \$0\.05/,
  );
  expect(firing('legacy-tenant-limit')?.alert.labels).toEqual({ tenant: 'acme' });
  // beta never breaches either rule.
  expect(received.filter((r) => r.alert.labels.tenant === 'beta')).toEqual([]);

  const alerts = await getJson<{ active: { rule: string; state: string }[] }>(`${api}/v1/alerts`);
  expect(alerts.body.active).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ rule: 'finops-budgets', state: 'firing' }),
      expect.objectContaining({ rule: 'legacy-tenant-limit', state: 'firing' }),
    ]),
  );
});
