// The least any gateway that answers every request of a run could pay: a bound to read the
// adaptive gateway's bill against, separate from the report's accounting. A gateway pays on
// demand for every answer the reservation does not serve; the reservation can serve at most
// its capacity per minute plus one minute of burst allowance in any stretch of the run (the
// leaky bucket: tokens served in [a, b) <= capacity x (b - a) + capacity). Within each stretch
// the cheapest choice is the fractional knapsack: the requests worth most on-demand money per
// reserved token first. Every such stretch bound is valid, so the smallest over a few
// partitions (the whole run; the run cut at the scenario's incident boundaries) is too. The
// floor knows each request's exact usage (output length included), which no router does, so
// a real gateway stays above it. Amounts are exact decimals (money.ts); only the ranking by
// value per token uses floats.
import { Money, ZERO, moneyText, type MoneyValue } from '../shared/money.js';
import { reservedCost } from './metrics.js';
import { countTokens, hash32 } from './payload.js';
import { DEMO_PRICES, type FleetTarget, type Scenario } from './scenario.js';
import type { DemoRequest } from './traffic.js';

export interface FloorItem {
  atMs: number;
  /** On-demand price of the answer, USD. */
  usd: MoneyValue;
  /** usd / tokens as a float, for ranking only. */
  density: number;
  /** Reserved tokens it would use (input - cached + output). */
  tokens: number;
  /**
   * The same ratio with the output length a router can expect (the mean for its max_tokens),
   * not the one it will get: what a router can rank by. Defaults to `density`.
   */
  expectedDensity?: number;
}

/** The mock's output length is 80 + (hash % 320), at most max_tokens: its mean for a cap. */
export function expectedOutput(maxTokens: number): number {
  let sum = 0;
  for (let k = 0; k < 320; k++) sum += Math.min(maxTokens, 80 + k);
  return sum / 320;
}

const PRICE = {
  input: new Money(String(DEMO_PRICES.input)),
  cached: new Money(String(DEMO_PRICES.cached)),
  output: new Money(String(DEMO_PRICES.output)),
};

/** A request's answer as the demo's mock providers give it (a warm prefix cache for v1 prompts). */
export function floorItem(r: DemoRequest): FloorItem {
  // As provider.ts counts a chat request: each message's tokens + 4, plus 3.
  const input = countTokens(r.system) + countTokens(r.user) + 11;
  const prefix = countTokens(r.system);
  const cached = r.promptVersion === 'v1' && prefix >= 1024 ? Math.floor(prefix / 128) * 128 : 0;
  const output = Math.min(r.maxTokens, 80 + (hash32(r.user) % 320));
  const usd = PRICE.input
    .mul(input - cached)
    .add(PRICE.cached.mul(cached))
    .add(PRICE.output.mul(output));
  const tokens = input - cached + output;
  const guess = expectedOutput(r.maxTokens);
  const expectedDensity =
    (DEMO_PRICES.input * (input - cached) +
      DEMO_PRICES.cached * cached +
      DEMO_PRICES.output * guess) /
    (input - cached + guess);
  return { atMs: r.atMs, usd, tokens, density: usd.toNumber() / tokens, expectedDensity };
}

/** How requests are ranked for the reservation: by their true value, or by what a router can know. */
export type Ranking = 'exact' | 'expected';

const rankOf = (x: FloorItem, ranking: Ranking): number =>
  ranking === 'exact' ? x.density : (x.expectedDensity ?? x.density);

/** Most on-demand money `capacity` reserved tokens can save among `items` (fractional knapsack). */
export function bestSaving(
  items: readonly FloorItem[],
  capacity: number,
  ranking: Ranking = 'exact',
): MoneyValue {
  const byValue = [...items].sort((a, b) => rankOf(b, ranking) - rankOf(a, ranking));
  let left = capacity;
  let saved = ZERO;
  for (const it of byValue) {
    if (left <= 0) break;
    const take = Math.min(left, it.tokens);
    saved = saved.add(take === it.tokens ? it.usd : it.usd.mul(take).div(it.tokens));
    left -= take;
  }
  return saved;
}

/** The most the reservation can save when the run is cut at `cutsMs` (each stretch bounded). */
export function savingBound(
  items: readonly FloorItem[],
  capacityTpm: number,
  runMs: number,
  cutsMs: readonly number[],
  ranking: Ranking = 'exact',
): MoneyValue {
  const edges = [0, ...cutsMs.filter((c) => c > 0 && c < runMs).sort((a, b) => a - b), runMs];
  let saved = ZERO;
  for (let i = 1; i < edges.length; i++) {
    const [from, to] = [edges[i - 1] as number, edges[i] as number];
    const stretch = items.filter((x) => x.atMs >= from && x.atMs < to);
    saved = saved.add(
      bestSaving(stretch, (capacityTpm * (to - from)) / 60_000 + capacityTpm, ranking),
    );
  }
  return saved;
}

/** The scenario's incident boundaries (demo ms), where the value of a reserved token changes. */
export function incidentCuts(s: Scenario, runMs: number): number[] {
  return s.incidents
    .flatMap((i) => (i.kind === 'prompt' ? [i.at] : [i.from, i.to]))
    .map((f) => f * runMs);
}

/** Exact decimal text, USD. */
export interface Floor {
  /** On-demand price of answering every request on demand. */
  allOnDemandUsd: string;
  /** The most the reservation can save of it (the smaller of the two bounds). */
  reservedSavingUsd: string;
  /** allOnDemand - saving: the least on-demand bill of a gateway answering every request. */
  onDemandFloorUsd: string;
  /**
   * The same, with the reservation filled by the value a router can know before the answer
   * (the expected output length, not the real one): the floor for a router, above onDemandFloor.
   */
  rankedFloorUsd: string;
}

export function costFloor(
  requests: readonly DemoRequest[],
  scenario: Scenario,
  runMs: number,
  capacityTpm: number,
): Floor {
  const items = requests.map(floorItem);
  const all = items.reduce((sum, x) => sum.add(x.usd), ZERO);
  const bound = (ranking: Ranking): MoneyValue =>
    Money.min(
      savingBound(items, capacityTpm, runMs, [], ranking),
      savingBound(items, capacityTpm, runMs, incidentCuts(scenario, runMs), ranking),
    );
  const saving = bound('exact');
  return {
    allOnDemandUsd: moneyText(all),
    reservedSavingUsd: moneyText(saving),
    onDemandFloorUsd: moneyText(all.sub(saving)),
    rankedFloorUsd: moneyText(all.sub(bound('expected'))),
  };
}

/** A run's floor as the report compares it with cost_usd: the reservation's flat price added. */
export interface RunFloor {
  costUsd: string;
  rankedCostUsd: string;
}

export function runFloor(
  requests: readonly DemoRequest[],
  scenario: Scenario,
  runMs: number,
  fleet: readonly FleetTarget[],
): RunFloor {
  const capacityTpm = fleet.reduce((sum, t) => sum + (t.capacityTpm ?? 0), 0);
  const f = costFloor(requests, scenario, runMs, capacityTpm);
  const reserved = reservedCost(runMs);
  // The knapsack's last, partial item makes an endless fraction: 9 decimals, rounded down so
  // the figure stays a lower bound.
  const text = (x: MoneyValue): string => moneyText(x.toDecimalPlaces(9, Money.ROUND_DOWN));
  return {
    costUsd: text(new Money(f.onDemandFloorUsd).add(reserved)),
    rankedCostUsd: text(new Money(f.rankedFloorUsd).add(reserved)),
  };
}
