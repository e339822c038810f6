// The scripted traffic: tenants, routes and features with their prompts, a Poisson base load
// with the scenario's bursts on top (thinning), and the prompt version in force. Generated
// once from a seed, so the adaptive and the static run replay exactly the same requests.
import { expGap, seededRandom } from './clock.js';
import { filler } from './payload.js';
import { loadFactor, promptVersion, type Scenario } from './scenario.js';

export interface DemoRequest {
  seq: number;
  /** Demo ms since the start of the run. */
  atMs: number;
  tenant: string;
  route: string;
  feature: string;
  conversationId: string;
  promptVersion: string;
  system: string;
  user: string;
  maxTokens: number;
}

interface RouteSpec {
  route: string;
  feature: string;
  systemTokens: number;
  userTokens: [number, number];
  maxTokens: number;
  share: number;
}

export const ROUTES: RouteSpec[] = [
  {
    route: '/chat',
    feature: 'support-chat',
    systemTokens: 1_200,
    userTokens: [60, 400],
    maxTokens: 512,
    share: 0.5,
  },
  {
    route: '/tickets/summary',
    feature: 'ticket-summary',
    systemTokens: 1_100,
    userTokens: [400, 1_200],
    maxTokens: 384,
    share: 0.3,
  },
  {
    route: '/kb/answer',
    feature: 'kb-answer',
    systemTokens: 1_300,
    userTokens: [150, 600],
    maxTokens: 512,
    share: 0.2,
  },
];

export const TENANTS: { tenant: string; share: number }[] = [
  { tenant: 'acme', share: 0.4 },
  { tenant: 'globex', share: 0.3 },
  { tenant: 'initech', share: 0.2 },
  { tenant: 'umbrella', share: 0.1 },
];

function pick<T extends { share: number }>(items: T[], r: number): T {
  let acc = 0;
  for (const item of items) {
    acc += item.share;
    if (r < acc) return item;
  }
  return items[items.length - 1] as T;
}

const systemPrompts = new Map<string, string>();

/** v1 keeps the system prompt stable (cacheable); v2 puts the request time first and breaks the prefix cache. */
function systemPrompt(spec: RouteSpec, version: string, atMs: number, seq: number): string {
  const key = `${spec.route}|${version}`;
  let stable = systemPrompts.get(key);
  if (stable === undefined)
    systemPrompts.set(
      key,
      (stable = `You are the ${spec.feature} assistant (prompt ${version}). ${filler(spec.systemTokens - 20)}`),
    );
  return version === 'v1'
    ? stable
    : `Current time: ${new Date(atMs).toISOString()} #${seq}. ${stable}`;
}

export interface TrafficOptions {
  scenario: Scenario;
  runMs: number;
  seed: number;
  /** Base load, requests per demo minute. */
  baseRpm: number;
}

export function generateTraffic(o: TrafficOptions): DemoRequest[] {
  const random = seededRandom(o.seed);
  const maxFactor = o.scenario.incidents.reduce(
    (m, i) => (i.kind === 'burst' ? Math.max(m, i.factor) : m),
    1,
  );
  const meanGap = 60_000 / (o.baseRpm * maxFactor);
  const out: DemoRequest[] = [];
  for (let t = expGap(random, meanGap); t < o.runMs; t += expGap(random, meanGap)) {
    // Thinning: keep an arrival with probability rate(t) / max rate.
    if (random() * maxFactor > loadFactor(o.scenario, o.runMs, t)) continue;
    const spec = pick(ROUTES, random());
    const tenant = pick(TENANTS, random()).tenant;
    const seq = out.length;
    const version = promptVersion(o.scenario, o.runMs, t);
    const userTokens = Math.round(
      spec.userTokens[0] + random() * (spec.userTokens[1] - spec.userTokens[0]),
    );
    out.push({
      seq,
      atMs: t,
      tenant,
      route: spec.route,
      feature: spec.feature,
      conversationId: `conv-${seed(o.seed)}-${seq}`,
      promptVersion: version,
      system: systemPrompt(spec, version, t, seq),
      user: `Request ${seq} from ${tenant}: ${filler(userTokens)}`,
      maxTokens: spec.maxTokens,
    });
  }
  return out;
}

const seed = (s: number): string => s.toString(36);
