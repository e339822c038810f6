// npm run demo:replay-loop -- SCENARIO SEED RPM [SALT] — the closed loop in simulated demo time:
// the demo's seeded traffic through the reference routing client (packing, breaker, Retry-After
// cooldowns, probes, reports) against the demo's own mock target models (target-model.ts: the
// reservation's leaky bucket, on-demand TTFT by load, the scenario's TTFT incident and error
// storm, prompt-prefix caches), the feed's TTFT timeout, and the feed recomputed from those
// calls every FEED_EVERY_S demo seconds by replay-feed.ts (the feed's own circuit and weight
// code), reaching the client FEED_LAG_S later (a pass and a poll: ~1.2 wall s at 10x in the
// README's timing, 12 demo s). No wall clock, so a change to weights, circuits or packing can
// be measured on cost, PTU utilization, goodput and time to detect / shift without the
// machine's load. Not modelled: a request's own waiting (attempts are sequential in demo time
// but the client sees each request at its arrival), stalls, the alert rules (detect = the
// feed's weight moved), the static gateway (compare with its demo reports).
import { generateKeyPairSync } from 'node:crypto';
import { seededRandom } from '../src/demo/clock.js';
import { demoConfig } from '../src/demo/demo-config.js';
import { chatParams } from '../src/demo/gateway-call.js';
import { PROBE } from '../src/demo/gateways.js';
import { onDemandCost, TTFT_SLO_MS, type WeightSample } from '../src/demo/metrics.js';
import { modelRequest } from '../src/demo/provider.js';
import { ReplayFeed, type ReplayCall } from '../src/demo/replay-feed.js';
import { timings } from '../src/demo/report.js';
import { FLEET, SCENARIOS } from '../src/demo/scenario.js';
import { TargetModel, type Decision } from '../src/demo/target-model.js';
import { generateTraffic, type DemoRequest } from '../src/demo/traffic.js';
import { RoutingClient, type FeedDocument } from '../src/routing-client/index.js';
import { ZERO } from '../src/shared/money.js';

const [name = 'ttft-incident', seedArg = '7', rpmArg = '40', saltArg = '0'] = process.argv.slice(2);
const scenario = SCENARIOS[name];
if (scenario === undefined) throw new Error(`unknown scenario ${name}`);
const FEED_EVERY_MS = Number(process.env['FEED_EVERY_S'] ?? 10) * 1000;
const FEED_LAG_MS = Number(process.env['FEED_LAG_S'] ?? 12) * 1000;
const REPORT_EVERY_MS = 10_000;
const seed = Number(seedArg);
const runMs = scenario.minutes * 60_000;
const traffic = generateTraffic({ scenario, runMs, seed, baseRpm: Number(rpmArg) });
// Scale 1: every window of the demo's routing config in demo seconds.
const cfg = demoConfig({ dataDir: '/nonexistent', scale: 1, fleet: FLEET }).routing;
const pool = cfg.pools[0]!;
const ttftDeadline = pool.timeouts.ttft_ms;
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const feed = new ReplayFeed(cfg, { privateKey, kid: 'k' });
const models = new Map(
  FLEET.map((t, i) => [t.id, new TargetModel(t, scenario, runMs, seededRandom(seed * 131 + i))]),
);
const kindOf = new Map(FLEET.map((t) => [t.id, t.kind]));

let now = 0;
let published: { at: number; doc: FeedDocument }[] = [];
let served: FeedDocument | undefined;
const client = new RoutingClient({
  url: 'http://replay/v1/routing/feed',
  keys: { k: publicKey },
  now: () => now,
  random: seededRandom(seed ^ 0x5bd1e995 ^ Number(saltArg)),
  fetch: (async () =>
    new Response(JSON.stringify(served), {
      headers: { etag: `"${served?.version ?? 0}"` },
    })) as typeof fetch,
  report: { gateway: 'replay', url: false },
  packing: { refusedWithinMs: 60_000 },
  probe: { idleMs: Number(process.env['PROBE_IDLE_S'] ?? 8) * 1000, run: (id) => probe(id) },
});

const PTU = FLEET.find((x) => x.kind === 'provisioned')!;
const PTU_TPM = PTU.capacityTpm ?? 1;
const perMinute = new Map<number, { tokens: number; refused: number; spilled: number }>();
function count(c: ReplayCall): void {
  const m = Math.floor(c.atMs / 60_000);
  const row = perMinute.get(m) ?? { tokens: 0, refused: 0, spilled: 0 };
  perMinute.set(m, row);
  if (c.target === PTU.id) row.tokens += c.tokens;
  if (c.target === PTU.id && c.status === 429) row.refused++;
  if (c.fallbackFrom === PTU.id) row.spilled++;
}

const pending: { at: number; model: TargetModel; d: Extract<Decision, { kind: 'serve' }> }[] = [];
function settle(upTo: number): void {
  pending.sort((a, b) => a.at - b.at);
  while ((pending[0]?.at ?? Infinity) <= upTo) {
    const p = pending.shift()!;
    p.model.finish(p.at, p.d, true);
  }
}

function record(c: ReplayCall): void {
  feed.calls.push(c);
  count(c);
}

/** One attempt at `at`: the model decides, the call is recorded as llm_calls would hold it. */
function attempt(r: DemoRequest, targetId: string, at: number, fallbackFrom?: string) {
  const model = models.get(targetId)!;
  const d = model.decide(at, modelRequest(chatParams(r) as unknown as Record<string, unknown>));
  const from = fallbackFrom !== undefined ? { fallbackFrom } : {};
  if (d.kind === 'reject') {
    record({
      target: targetId,
      atMs: at,
      status: d.status,
      ttftMs: null,
      durationMs: 50,
      tokens: 0,
      ...from,
    });
    return { status: d.status, retryAfterMs: d.retryAfterMs, spentMs: 50 };
  }
  // The reservation's first token is never raced (gateways.ts).
  if (kindOf.get(targetId) === 'on_demand' && d.ttftMs > ttftDeadline) {
    record({
      target: targetId,
      atMs: at,
      status: 0,
      ttftMs: null,
      durationMs: ttftDeadline,
      tokens: 0,
      ...from,
    });
    return { status: 0, spentMs: ttftDeadline };
  }
  pending.push({ at: at + d.ttftMs + d.streamMs, model, d });
  const u = d.usage;
  const tokens = u.prompt - u.cached + u.completion;
  record({
    target: targetId,
    atMs: at,
    status: 200,
    ttftMs: d.ttftMs,
    durationMs: d.ttftMs + d.streamMs,
    tokens,
    ...from,
  });
  return {
    status: 200,
    ttftMs: d.ttftMs,
    usage: { input: u.prompt, cached: u.cached, output: u.completion },
    spentMs: d.ttftMs,
  };
}

let probeUsd = ZERO;
async function probe(id: string): Promise<{ status: number }> {
  const r = attempt(PROBE, id, now);
  if (r.usage !== undefined)
    probeUsd = probeUsd.add(
      onDemandCost(
        { seq: -1, atMs: now, status: 200, target: id, attempts: 1, usage: r.usage },
        kindOf,
      ),
    );
  return { status: r.status };
}

let onDemand = ZERO;
let good = 0;
let user429 = 0;
let userErr = 0;
async function serve(r: DemoRequest): Promise<void> {
  let offset = 0;
  let previous: string | undefined;
  try {
    const out = await client.execute(
      pool.pool,
      {
        tenant: r.tenant,
        valueKey: `${r.route}|${r.promptVersion}`,
        inputTokens: r.system.length / 4 + r.user.length / 4,
      },
      async (ctx) => {
        const from = previous ?? ctx.spilledFrom;
        previous = ctx.targetId;
        const a = attempt(r, ctx.targetId, r.atMs + offset, from);
        const at = offset;
        offset += a.spentMs;
        return {
          status: a.status,
          ...(a.retryAfterMs !== undefined ? { retryAfterMs: a.retryAfterMs } : {}),
          ...(a.usage ? { usage: a.usage } : {}),
          value: { ...a, at, target: ctx.targetId },
        };
      },
    );
    if (out.at + (out.ttftMs ?? 0) <= TTFT_SLO_MS) good++;
    onDemand = onDemand.add(
      onDemandCost(
        {
          seq: r.seq,
          atMs: r.atMs,
          status: 200,
          target: out.target,
          attempts: 1,
          ...(out.usage ? { usage: out.usage } : {}),
        },
        kindOf,
      ),
    );
  } catch (err) {
    if ((err as { status?: number }).status === 429) user429++;
    else userErr++;
  }
}

const samples: WeightSample[] = [];
const weightsOf = (doc: FeedDocument | undefined): Record<string, number> =>
  Object.fromEntries(
    (doc?.pools[0]?.tiers ?? []).flatMap((t) =>
      t.targets.map((x) => [x.id, x.state === 'active' ? x.weight : 0]),
    ),
  );
let nextFeed = 0;
let nextReport = REPORT_EVERY_MS;
let nextProbe = 0;
async function advance(to: number): Promise<void> {
  for (;;) {
    const t = Math.min(nextFeed, nextReport, nextProbe, published[0]?.at ?? Infinity);
    if (t > to) break;
    now = t;
    settle(t);
    if (t === published[0]?.at) {
      served = published.shift()!.doc;
      await client.poller.poll();
      samples.push({ atMs: t, weights: weightsOf(client.poller.document()) });
    } else if (t === nextFeed) {
      published.push({ at: t + FEED_LAG_MS, doc: feed.pass(t) });
      nextFeed = t + FEED_EVERY_MS;
      if (served === undefined) {
        served = published.shift()!.doc;
        await client.poller.poll();
      }
    } else if (t === nextReport) {
      const rep = client.reporter!.take();
      if (rep !== undefined) feed.reports.push({ atMs: t - rep.interval_ms, report: rep });
      nextReport = t + REPORT_EVERY_MS;
    } else {
      await client.prober!.probeIdle();
      nextProbe = t + 2_000;
    }
  }
  now = to;
  settle(to);
}

for (const r of traffic) {
  await advance(r.atMs);
  await serve(r);
}
await advance(runMs);
let served_ = 0;
let capacity = 0;
for (const m of models.values())
  if (m.bucket !== undefined) {
    served_ += m.bucket.served;
    capacity += (m.bucket.capacityTpm * (runMs + 60_000)) / 60_000;
  }
// PER_MINUTE=1: the reservation's converted tokens, 429s and spill per demo minute.
if (process.env['PER_MINUTE'] === '1')
  for (const [m, r] of [...perMinute].sort((a, b) => a[0] - b[0]))
    console.log(
      `minute ${m}: ptu ${r.tokens} tokens (${((100 * r.tokens) / PTU_TPM).toFixed(0)}%), 429 ${r.refused}, spilled ${r.spilled}`,
    );
const t = timings({
  scenario,
  runMs,
  fleet: FLEET,
  samples,
  alerts: [],
  environment: 'demo-adaptive',
});
const min = (ms: number | null): string => (ms === null ? 'never' : (ms / 60_000).toFixed(2));
console.log(
  `${name} seed ${seedArg} ${rpmArg} rpm: on-demand $${onDemand.add(probeUsd).toFixed(3)} (probes $${probeUsd.toFixed(3)}), PTU utilization ${((100 * served_) / capacity).toFixed(1)}%,` +
    ` goodput ${((100 * good) / traffic.length).toFixed(2)}%, user 429 ${user429}, user 5xx ${userErr},` +
    ` detect ${min(t.detectMs)} min, shift ${t.shiftApplies ? min(t.shiftMs) : 'n/a'} min`,
);
