// `llm-finops demo`: plays one scenario through the adaptive and the static gateway side by
// side (same seeded traffic, each against its own identical mock fleet) on one embedded
// llm-finops, prints a status line per wall second, then compares the two runs.
import { recordOutcome, withAttribution } from '../instrumentation/index.js';
import { ConfigError } from '../shared/errors.js';
import type { RuntimeOptions } from '../runtime.js';
import type { Logger } from '../shared/logger.js';
import { createDemoClock, type DemoClock } from './clock.js';
import { runFloor, type RunFloor } from './floor.js';
import { writeChart } from './chart.js';
import type { DemoGateway, UserOutcome } from './gateways.js';
import { isGood, RunRecorder, type RunSummary, type WeightSample } from './metrics.js';
import { statusLine } from './progress.js';
import { formatTable, tableRows, timings, type AlertFiring, type Timing } from './report.js';
import { FLEET, SCENARIOS, SCENARIO_NAMES, type FleetTarget, type Scenario } from './scenario.js';
import { ENVIRONMENTS, startStack, type DemoStack } from './stack.js';
import { generateTraffic, type DemoRequest } from './traffic.js';

export interface DemoOptions {
  scenario: string;
  /** Demo-clock minutes (default: the scenario's). */
  minutes?: number;
  /** Demo ms per wall ms (default DEFAULT_SCALE). */
  scale?: number;
  seed?: number;
  /** Base load, requests per demo minute (default 40). */
  baseRpm?: number;
  dataDir?: string | undefined;
  /** A ClickHouse server instead of the embedded store (CLICKHOUSE_URL). */
  clickhouse?: RuntimeOptions['clickhouse'];
  chartFile: string;
  logger: Logger;
  /** Receives the status line every wall second (default: none). */
  progress?: (line: string) => void;
}

export interface DemoResult {
  scenario: Scenario;
  runMs: number;
  scale: number;
  seed: number;
  /** Base load, requests per demo minute. */
  rpm: number;
  adaptive: RunSummary & { timing: Timing; outcomes: UserOutcome[]; samples: WeightSample[] };
  static: RunSummary & { timing: Timing; outcomes: UserOutcome[] };
  table: string;
  chartFile: string;
  chartBytes: number;
  /** The least a gateway answering every request could pay, reservation included (floor.ts). */
  floor: RunFloor;
  /** Rows per deployment.environment.name in llm_calls. */
  llmCalls: Record<string, number>;
  alerts: AlertFiring[];
  /** Wall time of the whole demo, start-up and report included. */
  wallMs: number;
}

export const DEFAULT_SEED = 42;
export const DEFAULT_RPM = 40;
/**
 * Demo seconds per wall second. 10x: a 30-minute story plays in 3 minutes, and a loaded
 * machine's event-loop lag (tens of ms) stays a small share of a demo second; the README's
 * figures are measured at this scale.
 */
export const DEFAULT_SCALE = 10;

export function scenarioOf(name: string): Scenario {
  const s = SCENARIOS[name];
  if (s === undefined)
    throw new ConfigError(
      `--scenario: unknown scenario "${name}"; one of: ${SCENARIO_NAMES.join(', ')}`,
    );
  return s;
}

async function serveOne(
  gw: DemoGateway,
  rec: RunRecorder,
  req: DemoRequest,
  stack: DemoStack,
): Promise<void> {
  const tracerProvider = stack.tracerProviders[gw.name];
  const attribution = {
    tenant: req.tenant,
    route: req.route,
    feature: req.feature,
    promptVersion: req.promptVersion,
    conversationId: req.conversationId,
  };
  await withAttribution(attribution, async () => {
    const out = await gw.handle(req);
    rec.record(out);
    recordOutcome({ name: 'answer_delivered', success: isGood(out), tracerProvider });
  });
}

/** Fires every request at its demo instant through both gateways; resolves when all answered. */
function dispatch(
  traffic: DemoRequest[],
  clock: DemoClock,
  stack: DemoStack,
  recs: RunRecorder[],
): Promise<void> {
  return new Promise((resolve) => {
    let left = traffic.length * recs.length;
    if (left === 0) resolve();
    for (const req of traffic) {
      setTimeout(
        () => {
          for (const rec of recs) {
            void serveOne(rec.gateway, rec, req, stack).finally(() => {
              if (--left === 0) resolve();
            });
          }
        },
        Math.max(0, clock.wallAt(req.atMs) - Date.now()),
      );
    }
  });
}

// Both reads are limited to this run (time >= its start): on a ClickHouse server the store may
// hold earlier demo runs or real traffic.
async function firings(
  stack: DemoStack,
  clock: DemoClock,
  sinceMs: number,
): Promise<AlertFiring[]> {
  const rows = await stack.runtime.storage.query<{
    rule: string;
    kind: string;
    labels: Record<string, string>;
    t: string | number;
  }>(
    `SELECT rule, kind, labels, toUnixTimestamp64Milli(time) AS t FROM alert_events
      WHERE state = 'firing' AND time >= fromUnixTimestamp64Milli({since:Int64}, 'UTC') ORDER BY time`,
    { since: sinceMs },
  );
  return rows.map((r) => ({
    rule: r.rule,
    kind: r.kind,
    labels: r.labels,
    atMs: clock.toDemo(Number(r.t) - clock.wallAt(0)),
  }));
}

async function llmCalls(stack: DemoStack, sinceMs: number): Promise<Record<string, number>> {
  const rows = await stack.runtime.storage.query<{ environment: string; n: string | number }>(
    `SELECT environment, count() AS n FROM llm_calls
      WHERE start_time >= fromUnixTimestamp64Milli({since:Int64}, 'UTC') AND environment IN ('demo-adaptive', 'demo-static') GROUP BY environment`,
    { since: sinceMs },
  );
  return Object.fromEntries(rows.map((r) => [r.environment, Number(r.n)]));
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const wallStart = Date.now();
  const scenario = scenarioOf(o.scenario);
  const runMs = (o.minutes ?? scenario.minutes) * 60_000;
  const seed = o.seed ?? DEFAULT_SEED;
  const fleet: FleetTarget[] = FLEET;
  const clock = createDemoClock(o.scale ?? DEFAULT_SCALE);
  const traffic = generateTraffic({ scenario, runMs, seed, baseRpm: o.baseRpm ?? DEFAULT_RPM });
  const stack = await startStack({
    clock,
    scenario,
    runMs,
    seed,
    fleet,
    dataDir: o.dataDir,
    clickhouse: o.clickhouse,
    logger: o.logger,
  });
  try {
    const recs = [
      new RunRecorder(stack.gateways.adaptive, fleet, stack.fleets.adaptive.models),
      new RunRecorder(stack.gateways.static, fleet, stack.fleets.static.models),
    ] as const;
    clock.restart();
    const sampler = setInterval(() => recs[0].sample(clock.now()), 250);
    const ticker = setInterval(
      () => o.progress?.(statusLine(clock, runMs, recs[0], recs[1], fleet)),
      1_000,
    );
    recs[0].sample(0);
    await dispatch(traffic, clock, stack, [...recs]);
    clearInterval(sampler);
    clearInterval(ticker);
    // The traffic is over: no more probes, and those in flight end before the spans are counted.
    await stack.routing.prober?.drain();
    await stack.flush();
    const alerts = await firings(stack, clock, wallStart);
    const calls = await llmCalls(stack, wallStart);
    const floor = runFloor(traffic, scenario, runMs, fleet);
    return finish({ o, scenario, runMs, clock, fleet, recs, alerts, calls, floor, wallStart });
  } finally {
    await stack.stop();
  }
}

interface FinishInput {
  o: DemoOptions;
  scenario: Scenario;
  runMs: number;
  clock: DemoClock;
  fleet: FleetTarget[];
  recs: readonly [RunRecorder, RunRecorder];
  alerts: AlertFiring[];
  calls: Record<string, number>;
  floor: RunFloor;
  wallStart: number;
}

function finish(f: FinishInput): DemoResult {
  const [a, s] = f.recs;
  const base = { scenario: f.scenario, runMs: f.runMs, fleet: f.fleet, alerts: f.alerts };
  const ta = timings({ ...base, samples: a.samples, environment: ENVIRONMENTS.adaptive });
  // The static balancer never moves: its weights stay what the team configured.
  const ts = timings({
    ...base,
    samples: s.samples.length > 0 ? s.samples : [{ atMs: 0, weights: s.gateway.weights() }],
    environment: ENVIRONMENTS.static,
  });
  const sa = a.summary(f.runMs);
  const ss = s.summary(f.runMs);
  const minutes = f.runMs / 60_000;
  const title = `llm-finops demo: ${f.scenario.name} (${minutes} demo min at ${f.clock.scale}x, ${sa.requests} requests per run)`;
  const table = formatTable(
    tableRows(sa, ss, ta, ts),
    `${title}\n${f.scenario.description}; times in demo time`,
  );
  const chartBytes = writeChart(
    {
      title: `Adaptive routing vs static weights: ${f.scenario.name}`,
      subtitle: `${f.scenario.description}. ${minutes} demo minutes at ${f.clock.scale}x; goodput ${sa.goodputPct.toFixed(1)}% vs ${ss.goodputPct.toFixed(1)}%, 429s to users ${sa.user429} vs ${ss.user429}`,
      scenario: f.scenario,
      runMs: f.runMs,
      fleet: f.fleet,
      adaptive: a.outcomes,
      static: s.outcomes,
      samples: a.samples,
    },
    f.o.chartFile,
  );
  return {
    scenario: f.scenario,
    runMs: f.runMs,
    scale: f.clock.scale,
    seed: f.o.seed ?? DEFAULT_SEED,
    rpm: f.o.baseRpm ?? DEFAULT_RPM,
    adaptive: { ...sa, timing: ta, outcomes: a.outcomes, samples: a.samples },
    static: { ...ss, timing: ts, outcomes: s.outcomes },
    table,
    chartFile: f.o.chartFile,
    chartBytes,
    floor: f.floor,
    llmCalls: f.calls,
    alerts: f.alerts,
    wallMs: Date.now() - f.wallStart,
  };
}
