// npm run demo:floor -- REPORT.json... — for each `llm-finops demo --report-json` file, the least
// any gateway answering every request of that run could pay (src/demo/floor.ts: the same seeded
// traffic, each request's exact usage, the reservation's capacity per stretch of the run),
// beside what the adaptive and the static gateway paid. A cost goal "adaptive <= static" that
// the floor itself misses is out of reach for a gateway that answers what static refused.
// "ranked": the same bound with the reservation filled by the value a router can know before
// the answer (expected output length), so adaptive - ranked is what routing itself leaves.
// "ptu": on-demand money the adaptive reservation's answers would have cost, its converted
// tokens, and that money per thousand tokens (what packing achieved).
import { readFileSync } from 'node:fs';
import { costFloor } from '../src/demo/floor.js';
import { reservedCost } from '../src/demo/metrics.js';
import type { DemoReport } from '../src/demo/report-json.js';
import { DEMO_PRICES, FLEET, SCENARIOS } from '../src/demo/scenario.js';
import { generateTraffic } from '../src/demo/traffic.js';
import { Money, formatUsd } from '../src/shared/money.js';

const capacityTpm = FLEET.reduce((sum, t) => sum + (t.capacityTpm ?? 0), 0);
const pct = (a: InstanceType<typeof Money>, b: InstanceType<typeof Money>): string =>
  `${a.div(b).sub(1).mul(100).toFixed(1)}%`;

function ptuLine(r: DemoReport): string {
  const ptu = FLEET.find((t) => t.kind === 'provisioned');
  const u = ptu !== undefined ? r.adaptive.by_target?.[ptu.id] : undefined;
  if (u === undefined) return '';
  const uncached = u.input_tokens - u.cached_tokens;
  const usd = new Money(String(DEMO_PRICES.input))
    .mul(uncached)
    .add(new Money(String(DEMO_PRICES.cached)).mul(u.cached_tokens))
    .add(new Money(String(DEMO_PRICES.output)).mul(u.output_tokens));
  const tokens = uncached + u.output_tokens;
  return `; ptu ${formatUsd(usd)} on-demand value, ${tokens} tokens, $${usd.div(tokens).mul(1000).toFixed(4)}/k`;
}

for (const file of process.argv.slice(2)) {
  const r = JSON.parse(readFileSync(file, 'utf8')) as DemoReport;
  const scenario = SCENARIOS[r.scenario];
  if (scenario === undefined) throw new Error(`${file}: unknown scenario ${r.scenario}`);
  const runMs = r.minutes * 60_000;
  const traffic = generateTraffic({ scenario, runMs, seed: r.seed, baseRpm: r.rpm });
  const floor = costFloor(traffic, scenario, runMs, capacityTpm);
  const total = new Money(floor.onDemandFloorUsd).add(reservedCost(runMs));
  const ranked = new Money(floor.rankedFloorUsd).add(reservedCost(runMs));
  const statics = new Money(r.static.cost_usd);
  const adaptive = new Money(r.adaptive.cost_usd);
  console.log(
    `${r.scenario} seed ${r.seed} ${r.rpm} rpm: floor ${formatUsd(total)} (${pct(total, statics)} vs static)` +
      `, adaptive ${formatUsd(adaptive)} (${pct(adaptive, statics)}; ${pct(adaptive, total)} over the floor)` +
      `, static ${formatUsd(statics)}; ranked floor ${formatUsd(ranked)} (${pct(ranked, statics)}` +
      `; adaptive ${pct(adaptive, ranked)} over it)${ptuLine(r)}`,
  );
}
