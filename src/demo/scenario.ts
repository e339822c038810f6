// The demo world: a fleet of gpt-4o targets (one provisioned deployment for base load, three
// on-demand pools to overflow into) and scripted incidents. Incident times are fractions of
// the run, so `--minutes` stretches or shrinks the story without changing its shape.
// Prices are example list prices for the demo only (the real catalog comes from config).

export interface FleetTarget {
  id: string;
  /** Short name for the status line. */
  label: string;
  provider: 'azure.ai.openai' | 'openai';
  kind: 'provisioned' | 'on_demand';
  region: string;
  /** Demo-time TTFT at no load. */
  ttftMs: number;
  /** Provisioned: tokens per demo minute. On-demand: the load where TTFT has doubled. */
  capacityTpm?: number;
  kneeTpm?: number;
  /** The static balancer's weight (what a team writes in its first config). */
  staticWeight: number;
}

export const DEMO_MODEL = 'gpt-4o';
/** Example on-demand prices per token (input, cached input, output). */
export const DEMO_PRICES = { input: 2.5e-6, cached: 1.25e-6, output: 1e-5 };
/** Example reservation price of the provisioned deployment per demo hour (~PAYG parity at 95%). */
export const PTU_USD_PER_HOUR = 2.85;

export const FLEET: FleetTarget[] = [
  {
    id: 'ptu-eastus',
    label: 'ptu',
    provider: 'azure.ai.openai',
    kind: 'provisioned',
    region: 'eastus',
    ttftMs: 600,
    capacityTpm: 20_000,
    staticWeight: 40,
  },
  {
    id: 'payg-eastus2',
    label: 'eus2',
    provider: 'azure.ai.openai',
    kind: 'on_demand',
    region: 'eastus2',
    ttftMs: 1_800,
    kneeTpm: 90_000,
    staticWeight: 20,
  },
  {
    id: 'payg-westus',
    label: 'wus',
    provider: 'azure.ai.openai',
    kind: 'on_demand',
    region: 'westus',
    ttftMs: 2_000,
    kneeTpm: 90_000,
    staticWeight: 20,
  },
  {
    id: 'openai-direct',
    label: 'oai',
    provider: 'openai',
    kind: 'on_demand',
    region: 'us',
    ttftMs: 1_600,
    kneeTpm: 120_000,
    staticWeight: 20,
  },
];

export type Incident =
  | { kind: 'ttft'; region: string; from: number; to: number; ttftMs: number }
  | { kind: 'errors'; target: string; from: number; to: number; rate: number; status: number }
  | { kind: 'prompt'; at: number; version: string }
  | { kind: 'burst'; from: number; to: number; factor: number };

export interface Scenario {
  name: string;
  description: string;
  minutes: number;
  incidents: Incident[];
  /** The target routing should move away from (time to shift); none for a cache break. */
  focusTarget?: string;
}

export const SCENARIOS: Record<string, Scenario> = {
  'ttft-incident': {
    name: 'ttft-incident',
    minutes: 30,
    focusTarget: 'payg-westus',
    description: 'westus TTFT jumps from ~2 s to ~60 s for a third of the run',
    incidents: [{ kind: 'ttft', region: 'westus', from: 1 / 3, to: 2 / 3, ttftMs: 60_000 }],
  },
  'error-storm': {
    name: 'error-storm',
    minutes: 30,
    focusTarget: 'openai-direct',
    description: 'openai-direct answers 70% of calls with 500/503 for a fifth of the run',
    incidents: [
      { kind: 'errors', target: 'openai-direct', from: 0.4, to: 0.6, rate: 0.7, status: 503 },
    ],
  },
  'cache-break': {
    name: 'cache-break',
    minutes: 30,
    description:
      'prompt version v2 puts a timestamp before the system prompt: provider cache hits drop to zero',
    incidents: [{ kind: 'prompt', at: 0.5, version: 'v2' }],
  },
  burst: {
    name: 'burst',
    minutes: 30,
    focusTarget: 'ptu-eastus',
    description:
      'traffic at 2.5x base load for a fifth of the run: the provisioned deployment saturates',
    incidents: [{ kind: 'burst', from: 0.4, to: 0.6, factor: 2.5 }],
  },
  all: {
    name: 'all',
    minutes: 50,
    focusTarget: 'payg-westus',
    description: 'TTFT incident, error storm, burst and cache break in one run',
    incidents: [
      { kind: 'ttft', region: 'westus', from: 0.2, to: 0.4, ttftMs: 60_000 },
      { kind: 'errors', target: 'openai-direct', from: 0.5, to: 0.6, rate: 0.7, status: 503 },
      { kind: 'burst', from: 0.68, to: 0.8, factor: 2.5 },
      { kind: 'prompt', at: 0.86, version: 'v2' },
    ],
  },
};

export const SCENARIO_NAMES = Object.keys(SCENARIOS);

/** Incident window in demo ms of the first incident (drives time to detect / shift). */
export function incidentStartMs(s: Scenario, runMs: number): number | undefined {
  const first = s.incidents[0];
  if (first === undefined) return undefined;
  return (first.kind === 'prompt' ? first.at : first.from) * runMs;
}

/** Active incidents at a demo instant (fractions resolved against the run length). */
export function activeIncidents(s: Scenario, runMs: number, nowMs: number): Incident[] {
  const f = nowMs / runMs;
  return s.incidents.filter((i) => (i.kind === 'prompt' ? f >= i.at : f >= i.from && f < i.to));
}

/** Load multiplier at a demo instant (bursts over base load). */
export function loadFactor(s: Scenario, runMs: number, nowMs: number): number {
  return activeIncidents(s, runMs, nowMs).reduce(
    (m, i) => (i.kind === 'burst' ? m * i.factor : m),
    1,
  );
}

/** Prompt version in force at a demo instant. */
export function promptVersion(s: Scenario, runMs: number, nowMs: number): string {
  let v = 'v1';
  for (const i of activeIncidents(s, runMs, nowMs)) if (i.kind === 'prompt') v = i.version;
  return v;
}
