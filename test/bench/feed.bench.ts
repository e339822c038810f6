// npm run bench:feed — the routing feed endpoint under load, against a bare express route in
// the same run. The analytics app (all routers mounted, embedded chDB behind it) serves
// GET /v1/routing/feed on one port; a bare express app serves the same bytes on another.
// autocannon runs in a worker thread so the load generator does not share the server's loop.
// Prints req/s, p50/p99 latency and the ratio to the bare route for the 200 and 304 paths.
// Goal (issue 5): >= 10,000 req/s, p99 < 5 ms, >= 80% of the bare route.
// Knobs: BENCH_DURATION (s, default 8), BENCH_CONNECTIONS (default 10).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import express from 'express';
import { createApp } from '../../src/analytics/http/app.js';
import { createAnalyticsServices } from '../../src/analytics/services.js';
import { parseConfig } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';
import { startStore } from '../integration/alerts-routing-seed.js';

interface Result {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  statusCodeStats?: Record<string, { count: number }>;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<Result>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    );
  });
}

async function run(
  name: string,
  url: string,
  headers: Record<string, string> = {},
): Promise<Result & { name: string }> {
  await autocannon({ url, connections: CONNECTIONS, duration: 1, headers, workers: 1 }); // warm-up
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    headers,
    workers: 1,
  });
  return { ...result, name };
}

async function main(): Promise<void> {
  const { storage, dataDir } = await startStore();
  const target = (id: string, kind: string, extra: object = {}) => ({
    id,
    provider: 'azure.ai.openai',
    model: 'gpt-4o',
    deployment: id,
    kind,
    ...extra,
  });
  const config = parseConfig({
    storage: { data_dir: dataDir },
    routing: {
      pools: ['gpt-4o', 'gpt-4o-mini', 'claude'].map((pool) => ({
        pool,
        targets: [
          target(`${pool}-ptu`, 'provisioned', { capacity: { tpm: 450_000 } }),
          target(`${pool}-payg`, 'on_demand', {
            pricing: { input_cost_per_token: 2.5e-6, output_cost_per_token: 1e-5 },
          }),
          target(`${pool}-direct`, 'on_demand'),
        ],
      })),
    },
  });
  const services = createAnalyticsServices({ storage, logger: createLogger('warn'), config });
  const app = createApp(services);
  const feed = services.feed;
  await feed.recompute();
  const served = feed.current()?.get('native', undefined);
  if (served === undefined) throw new Error('no feed document');
  const bare = express();
  bare.get('/bare', (_req, res) => {
    res.writeHead(200, served.headers).end(served.body);
  });
  const api = await listen(app);
  const baseline = await listen(bare);
  console.log(
    `feed document: ${served.body.length} bytes, version ${feed.current()?.doc.version}; ${DURATION} s per run, ${CONNECTIONS} connections`,
  );

  const results = [
    await run('bare express route (200)', `${baseline.url}/bare`),
    await run('feed 200', `${api.url}/v1/routing/feed`),
    await run('feed 304 (If-None-Match)', `${api.url}/v1/routing/feed`, {
      'if-none-match': served.etag,
    }),
    await run('feed 200 ?format=litellm', `${api.url}/v1/routing/feed?format=litellm`),
  ];
  const bareRps = results[0]?.requests.average ?? 1;
  for (const r of results) {
    const codes = Object.entries(r.statusCodeStats ?? {})
      .map(([code, s]) => `${code}x${s.count}`)
      .join(' ');
    console.log(
      `${r.name.padEnd(28)} ${Math.round(r.requests.average).toString().padStart(7)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  ratio ${(r.requests.average / bareRps).toFixed(2)}  errors ${r.errors}  [${codes}]`,
    );
  }
  const feed200 = results[1] as Result;
  const ok =
    feed200.requests.average >= 10_000 &&
    feed200.latency.p99 < 5 &&
    feed200.requests.average / bareRps >= 0.8;
  console.log(
    `goal (>= 10000 req/s, p99 < 5 ms, >= 80% of bare) on the 200 path: ${ok ? 'met' : 'NOT met'}`,
  );
  api.server.close();
  baseline.server.close();
  await storage.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
