// npm run demo:floor -- REPORT.json... — for each `llm-finops demo --report-json` file, the least
// any gateway answering every request of that run could pay (src/demo/floor.ts: the same seeded
// traffic, each request's exact usage, the reservation's capacity per stretch of the run),
// beside what the adaptive and the static gateway paid. A cost goal "adaptive <= static" that
// the floor itself misses is out of reach for a gateway that answers what static refused.
import { readFileSync } from 'node:fs';
import { costFloor } from '../src/demo/floor.js';
import { reservedCost } from '../src/demo/metrics.js';
import type { DemoReport } from '../src/demo/report-json.js';
import { FLEET, SCENARIOS } from '../src/demo/scenario.js';
import { generateTraffic } from '../src/demo/traffic.js';
import { Money, formatUsd } from '../src/shared/money.js';

const capacityTpm = FLEET.reduce((sum, t) => sum + (t.capacityTpm ?? 0), 0);
const pct = (a: InstanceType<typeof Money>, b: InstanceType<typeof Money>): string =>
  `${a.div(b).sub(1).mul(100).toFixed(1)}%`;

for (const file of process.argv.slice(2)) {
  const r = JSON.parse(readFileSync(file, 'utf8')) as DemoReport;
  const scenario = SCENARIOS[r.scenario];
  if (scenario === undefined) throw new Error(`${file}: unknown scenario ${r.scenario}`);
  const runMs = r.minutes * 60_000;
  const traffic = generateTraffic({ scenario, runMs, seed: r.seed, baseRpm: r.rpm });
  const floor = costFloor(traffic, scenario, runMs, capacityTpm);
  const total = new Money(floor.onDemandFloorUsd).add(reservedCost(runMs));
  const statics = new Money(r.static.cost_usd);
  const adaptive = new Money(r.adaptive.cost_usd);
  console.log(
    `${r.scenario} seed ${r.seed} ${r.rpm} rpm: floor ${formatUsd(total)} (${pct(total, statics)} vs static)` +
      `, adaptive ${formatUsd(adaptive)} (${pct(adaptive, statics)}; ${pct(adaptive, total)} over the floor)` +
      `, static ${formatUsd(statics)}`,
  );
}
