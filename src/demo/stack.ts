// Starts what the demo runs on: one llm-finops runtime (collector + API + scheduler on the
// embedded store), one tracer pipeline per run (so spans carry deployment.environment.name
// demo-adaptive / demo-static and alerts can tell the runs apart), a mock fleet per run, and
// the reference routing client polling the real feed with its published key.
import type { TracerProvider } from '@opentelemetry/api';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTelemetry, type Telemetry } from '../instrumentation/index.js';
import { RoutingClient } from '../routing-client/index.js';
import { startRuntime, type Runtime, type RuntimeOptions } from '../runtime.js';
import type { Logger } from '../shared/logger.js';
import { seededRandom, type DemoClock } from './clock.js';
import { demoConfig } from './demo-config.js';
import { AdaptiveGateway, StaticGateway, createClients, type DemoGateway } from './gateways.js';
import { startMockFleet, type MockFleet } from './provider.js';
import type { FleetTarget, Scenario } from './scenario.js';

export const ENVIRONMENTS = { adaptive: 'demo-adaptive', static: 'demo-static' } as const;

export interface DemoStack {
  runtime: Runtime;
  apiUrl: string;
  dataDir: string;
  routing: RoutingClient;
  gateways: { adaptive: DemoGateway; static: DemoGateway };
  fleets: { adaptive: MockFleet; static: MockFleet };
  tracerProviders: { adaptive: TracerProvider; static: TracerProvider };
  /** Flush spans and stop everything; removes the data dir when the demo created it. */
  stop(): Promise<void>;
  flush(): Promise<void>;
}

export interface StackOptions {
  clock: DemoClock;
  scenario: Scenario;
  runMs: number;
  seed: number;
  fleet: FleetTarget[];
  dataDir?: string | undefined;
  clickhouse?: RuntimeOptions['clickhouse'];
  logger: Logger;
}

function telemetry(otlpUrl: string, environment: string, registerGlobals: boolean): Telemetry {
  return startTelemetry({
    serviceName: 'demo-gateway',
    environment,
    endpoint: otlpUrl,
    registerGlobals,
    // Short export delay: the feed should see calls within a fraction of a wall second.
    batch: { scheduledDelayMillis: 200, maxExportBatchSize: 1_000, maxQueueSize: 100_000 },
  });
}

async function waitForFeed(apiUrl: string): Promise<Record<string, string>> {
  for (let i = 0; i < 100; i++) {
    const feed = await fetch(`${apiUrl}/v1/routing/feed`);
    await feed.arrayBuffer();
    if (feed.status === 200) {
      const body = (await (await fetch(`${apiUrl}/v1/routing/keys`)).json()) as {
        keys: { kid: string; public_key_pem: string }[];
      };
      return Object.fromEntries(body.keys.map((k) => [k.kid, k.public_key_pem]));
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the routing feed published no version within 10 s');
}

export async function startStack(o: StackOptions): Promise<DemoStack> {
  const created = o.dataDir === undefined;
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'llm-finops-demo-'));
  const runtime = await startRuntime({
    config: demoConfig({ dataDir, scale: o.clock.scale, fleet: o.fleet }),
    logger: o.logger,
    clickhouse: o.clickhouse,
  });
  const apiUrl = `http://127.0.0.1:${runtime.apiPort}`;
  const otlpUrl = `http://127.0.0.1:${runtime.otlpPort}`;
  const tel = {
    adaptive: telemetry(otlpUrl, ENVIRONMENTS.adaptive, true),
    static: telemetry(otlpUrl, ENVIRONMENTS.static, false),
  };
  const fleetOpts = {
    clock: o.clock,
    scenario: o.scenario,
    runMs: o.runMs,
    fleet: o.fleet,
    seed: o.seed,
  };
  const fleets = {
    adaptive: await startMockFleet(fleetOpts),
    static: await startMockFleet(fleetOpts),
  };
  const keys = await waitForFeed(apiUrl);
  const routing = new RoutingClient({
    url: `${apiUrl}/v1/routing/feed`,
    keys,
    random: seededRandom(o.seed ^ 0x5bd1e995),
    // The gateway tells the feed what its own breaker hides (POST /v1/routing/reports), once
    // per wall second (10 demo seconds at 10x).
    report: { gateway: 'demo-adaptive', intervalMs: 1_000 },
    // Pack the reservation while it refused a request within the last demo minute.
    packing: { refusedWithinMs: o.clock.toWall(60_000) },
    // A one-token probe to an on-demand target no request has gone to for 8 demo seconds, so
    // the feed has calls to judge a drift by within a demo minute even at 40 rpm (prober.ts).
    probe: { idleMs: o.clock.toWall(8_000), run: (id) => probeVia(id) },
  });
  let probeVia = (_id: string): Promise<{ status: number }> => Promise.resolve({ status: 0 });
  await routing.poller.poll();
  routing.start();
  // The feed's smallest ttl_s is 1 wall second, 10 demo seconds at 10x: the demo gateway also
  // polls every 250 ms (mostly 304s) so a new version reaches it within a few demo seconds.
  const fastPoll = setInterval(() => void routing.poller.poll(), 250);
  const adaptive = new AdaptiveGateway(
    createClients(o.fleet, fleets.adaptive, tel.adaptive.tracerProvider, 0),
    o.fleet,
    routing,
    o.clock,
  );
  probeVia = (id) => adaptive.probe(id);
  const gateways = {
    adaptive,
    // The SDK default of 2 retries: what a team's first balancer gets without asking.
    static: new StaticGateway(
      createClients(o.fleet, fleets.static, tel.static.tracerProvider, 2),
      o.fleet,
      o.clock,
    ),
  };
  const flush = async (): Promise<void> => {
    await Promise.all([tel.adaptive.forceFlush(), tel.static.forceFlush()]);
    // The traffic is over and every span exported, so release the traces still held for late
    // children too (sync() commits only the ready ones: the run's last requests were missing
    // from the count, 151 of 155 once).
    await runtime.pipeline?.flush();
  };
  return {
    runtime,
    apiUrl,
    dataDir,
    routing,
    gateways,
    fleets,
    flush,
    tracerProviders: { adaptive: tel.adaptive.tracerProvider, static: tel.static.tracerProvider },
    async stop() {
      clearInterval(fastPoll);
      await routing.stop();
      await Promise.allSettled([tel.adaptive.shutdown(), tel.static.shutdown()]);
      await Promise.allSettled([fleets.adaptive.close(), fleets.static.close()]);
      await runtime.stop();
      if (created) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
