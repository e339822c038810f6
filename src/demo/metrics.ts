// Per-run measurements from the user's side of the gateway: every request's outcome, the
// weights the gateway routed by over time, and the summary the report compares.
import { Money, ZERO, moneyNumber, moneyText, type MoneyValue } from '../shared/money.js';
import type { DemoGateway, UserOutcome } from './gateways.js';
import { DEMO_PRICES, PTU_USD_PER_HOUR, type FleetTarget } from './scenario.js';
import type { TargetModel } from './target-model.js';

/** A first token later than this (demo ms) is a miss for goodput. */
export const TTFT_SLO_MS = 10_000;

export interface WeightSample {
  atMs: number;
  weights: Record<string, number>;
}

/** What one target answered in a run: where the bill comes from. */
export interface TargetSpend {
  answers: number;
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  /** On-demand spend, exact decimal text ("0" on the reservation). */
  costUsd: string;
}

export interface RunSummary {
  name: string;
  requests: number;
  ok: number;
  good: number;
  goodputPct: number;
  p50TtftMs: number | null;
  p95TtftMs: number | null;
  slow: number;
  user429: number;
  userErrors: number;
  onDemandUsd: number;
  reservedUsd: number;
  costUsd: number;
  /** The same three amounts as exact decimal text (the JSON report's). */
  money: { onDemand: string; reserved: string; total: string };
  costPerGoodUsd: number | null;
  ptuUtilPct: number;
  providerAttempts: number;
  /** Per target id, the answers it served (optional: summaries built by hand may omit it). */
  byTarget?: Record<string, TargetSpend>;
}

export function quantile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  ] as number;
}

const PRICE = {
  input: new Money(String(DEMO_PRICES.input)),
  cached: new Money(String(DEMO_PRICES.cached)),
  output: new Money(String(DEMO_PRICES.output)),
};

/** What one answer cost on demand, exactly (0 on the reservation, whose cost is flat). */
export function onDemandCost(o: UserOutcome, kindOf: Map<string, FleetTarget['kind']>): MoneyValue {
  if (o.usage === undefined || o.target === undefined || kindOf.get(o.target) !== 'on_demand')
    return ZERO;
  const u = o.usage;
  return PRICE.input
    .mul(u.input - u.cached)
    .add(PRICE.cached.mul(u.cached))
    .add(PRICE.output.mul(u.output));
}

/** The reservation's flat price for the run's length. */
export function reservedCost(runMs: number): MoneyValue {
  return new Money(String(PTU_USD_PER_HOUR)).mul(runMs).div(3_600_000);
}

/** Answers, tokens and on-demand spend per target (answers only: a failed attempt bills nothing here). */
export function spendByTarget(
  outcomes: UserOutcome[],
  fleet: FleetTarget[],
): Record<string, TargetSpend> {
  const kindOf = new Map(fleet.map((t) => [t.id, t.kind]));
  const acc = new Map<string, Omit<TargetSpend, 'costUsd'> & { cost: MoneyValue }>(
    fleet.map((t) => [
      t.id,
      { answers: 0, inputTokens: 0, cachedTokens: 0, outputTokens: 0, cost: ZERO },
    ]),
  );
  for (const o of outcomes) {
    const a = o.status === 200 && o.target !== undefined ? acc.get(o.target) : undefined;
    if (a === undefined || o.usage === undefined) continue;
    a.answers++;
    a.inputTokens += o.usage.input;
    a.cachedTokens += o.usage.cached;
    a.outputTokens += o.usage.output;
    a.cost = a.cost.add(onDemandCost(o, kindOf));
  }
  return Object.fromEntries(
    [...acc].map(([id, { cost, ...rest }]) => [id, { ...rest, costUsd: moneyText(cost) }]),
  );
}

export const isGood = (o: UserOutcome): boolean =>
  o.status === 200 && o.ttftMs !== undefined && o.ttftMs <= TTFT_SLO_MS;

export class RunRecorder {
  readonly outcomes: UserOutcome[] = [];
  readonly samples: WeightSample[] = [];
  /** Wall ms (performance.now) of each completion, for the live rps. */
  private readonly doneAt: number[] = [];

  constructor(
    readonly gateway: DemoGateway,
    readonly fleet: FleetTarget[],
    readonly models: Map<string, TargetModel>,
  ) {}

  record(o: UserOutcome): void {
    this.outcomes.push(o);
    this.doneAt.push(performance.now());
  }

  sample(atMs: number): void {
    this.samples.push({ atMs, weights: this.gateway.weights() });
  }

  /** Completions per wall second over the last `wallMs`. */
  rps(wallMs: number): number {
    const since = performance.now() - wallMs;
    let n = 0;
    for (let i = this.doneAt.length - 1; i >= 0 && (this.doneAt[i] as number) >= since; i--) n++;
    return (n * 1000) / wallMs;
  }

  /** p95 TTFT (demo ms) of the answers completed in the last `wallMs` (slow ones show when they land). */
  recentP95(wallMs: number): number | null {
    const since = performance.now() - wallMs;
    const ttfts: number[] = [];
    for (let i = this.doneAt.length - 1; i >= 0 && (this.doneAt[i] as number) >= since; i--) {
      const t = this.outcomes[i]?.ttftMs;
      if (t !== undefined) ttfts.push(t);
    }
    return quantile(ttfts, 0.95);
  }

  user429(): number {
    return this.outcomes.filter((o) => o.status === 429).length;
  }

  summary(runMs: number): RunSummary {
    const kindOf = new Map(this.fleet.map((t) => [t.id, t.kind]));
    const os = this.outcomes;
    const ttfts = os
      .filter((o) => o.status === 200 && o.ttftMs !== undefined)
      .map((o) => o.ttftMs as number);
    const good = os.filter(isGood).length;
    // The gateway's own probes are billed too (they reach no user).
    const probes = this.gateway.probes ?? [];
    const onDemand = [...os, ...probes].reduce((sum, o) => sum.add(onDemandCost(o, kindOf)), ZERO);
    const reserved = reservedCost(runMs);
    const total = onDemand.add(reserved);
    const onDemandUsd = moneyNumber(onDemand);
    const reservedUsd = moneyNumber(reserved);
    let capacity = 0;
    let served = 0;
    for (const m of this.models.values()) {
      if (m.bucket === undefined) continue;
      // The bucket starts empty: one minute of burst allowance on top of the run's minutes.
      capacity += (m.bucket.capacityTpm * (runMs + 60_000)) / 60_000;
      served += m.bucket.served;
    }
    return {
      name: this.gateway.name,
      requests: os.length,
      ok: os.filter((o) => o.status === 200).length,
      good,
      goodputPct: os.length > 0 ? (100 * good) / os.length : 0,
      p50TtftMs: quantile(ttfts, 0.5),
      p95TtftMs: quantile(ttfts, 0.95),
      slow: ttfts.filter((t) => t > TTFT_SLO_MS).length,
      user429: this.user429(),
      userErrors: os.filter((o) => o.status >= 500).length,
      onDemandUsd,
      reservedUsd,
      costUsd: moneyNumber(total),
      money: {
        onDemand: moneyText(onDemand),
        reserved: moneyText(reserved),
        total: moneyText(total),
      },
      costPerGoodUsd: good > 0 ? moneyNumber(total.div(good)) : null,
      ptuUtilPct: capacity > 0 ? (100 * served) / capacity : 0,
      providerAttempts: [...this.models.values()].reduce((s, m) => s + m.counters.requests, 0),
      byTarget: spendByTarget(os, this.fleet),
    };
  }
}
