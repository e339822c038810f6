// npm run demo:replay -- SCENARIO SEED RPM [SALT] — the demo's seeded traffic through the reference
// routing client (reservation packing included) against the mock reservation's leaky bucket,
// in simulated demo time: no collector, no wall clock, so the machine's load cannot move the
// result. The feed's fill_share is recomputed every 10 demo seconds from the last two minutes
// of calls, as the demo configures it (load plus what spilled off the reservation: served by it,
// or on demand with fallback_from naming it, i.e. after its 429 or packed off it; a request sent
// on demand for another reason is not its demand, as in health-query.ts). Prints the
// on-demand bill beside the floor and the ranked floor (src/demo/floor.ts): what packing alone
// leaves on the table. Not modelled: TTFT, errors, probes, several on-demand targets.
import { generateKeyPairSync } from 'node:crypto';
import { LeakyBucket } from '../src/demo/capacity.js';
import { costFloor, floorItem } from '../src/demo/floor.js';
import { countTokens } from '../src/demo/payload.js';
import { DEMO_PRICES, FLEET, SCENARIOS } from '../src/demo/scenario.js';
import { generateTraffic, type DemoRequest } from '../src/demo/traffic.js';
import { RoutingClient, signDocument, type FeedDocument } from '../src/routing-client/index.js';
import { seededRandom } from '../src/demo/clock.js';

// SALT (optional) changes only the client's random draws, to tell a change from noise.
const [name = 'cache-break', seedArg = '7', rpmArg = '60', saltArg = '0'] = process.argv.slice(2);
const scenario = SCENARIOS[name];
if (scenario === undefined) throw new Error(`unknown scenario ${name}`);
const runMs = scenario.minutes * 60_000;
const capacityTpm = FLEET.reduce((sum, t) => sum + (t.capacityTpm ?? 0), 0);
const traffic = generateTraffic({
  scenario,
  runMs,
  seed: Number(seedArg),
  baseRpm: Number(rpmArg),
});
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const pricing = {
  input_cost_per_token: DEMO_PRICES.input,
  output_cost_per_token: DEMO_PRICES.output,
  cache_read_input_token_cost: DEMO_PRICES.cached,
};
let version = 0;
let fill: number | undefined;
const feed = (): FeedDocument =>
  signDocument(
    {
      schema: 'llm-routing-feed/v1',
      feed_id: 'replay',
      version: ++version,
      generated_at: new Date(0).toISOString(),
      ttl_s: 86_400,
      hard_expiry: new Date(8.64e15).toISOString(),
      targets: {
        ptu: { provider: 'azure.ai.openai', model: 'm', kind: 'provisioned' },
        od: { provider: 'openai', model: 'm', kind: 'on_demand', pricing },
      },
      pools: [
        {
          pool: 'p',
          tiers: [
            {
              tier: 0,
              name: 'provisioned',
              overflow_on: [429],
              targets: [
                { id: 'ptu', weight: 100, state: 'active', ...(fill ? { fill_share: fill } : {}) },
              ],
            },
            { tier: 1, name: 'on_demand', targets: [{ id: 'od', weight: 100, state: 'active' }] },
          ],
          retry: {
            attempts: 1,
            on_status: [429],
            honor_retry_after: true,
            max_retry_after_ms: 10_000,
          },
        },
      ],
      budgets: [],
    },
    privateKey,
    'k',
  );
let now = 0;
const client = new RoutingClient({
  url: 'http://replay/feed',
  keys: { k: publicKey },
  now: () => now,
  random: seededRandom(Number(seedArg) ^ 0x5bd1e995 ^ Number(saltArg)),
  fetch: (async () =>
    new Response(JSON.stringify(feed()), {
      headers: { etag: `"${version + 1}"` },
    })) as typeof fetch,
});
const bucket = new LeakyBucket(capacityTpm);
const pending: { at: number; estimate: number; actual: number }[] = [];
const calls: { at: number; tokens: number }[] = [];
let onDemand = 0;
let reservedTokens = 0;

async function serve(r: DemoRequest): Promise<void> {
  const item = floorItem(r);
  const input = countTokens(r.system) + countTokens(r.user) + 11;
  // As the mock answers: a warm prefix cache for v1 prompts (floor.ts assumes the same).
  const prefix = countTokens(r.system);
  const hit = r.promptVersion === 'v1' && prefix >= 1024 ? Math.floor(prefix / 128) * 128 : 0;
  const usage = { input, cached: hit, output: item.tokens - (input - hit) };
  let refused = false;
  await client.execute(
    'p',
    { valueKey: `${r.route}|${r.promptVersion}`, inputTokens: input - 11 },
    async (ctx) => {
      if (ctx.targetId === 'ptu') {
        const estimate = input - hit + r.maxTokens;
        const admitted = bucket.tryAdmit(now, estimate);
        if (!admitted.ok) {
          refused = true;
          return { status: 429, retryAfterMs: admitted.retryAfterMs };
        }
        // First token at ~0.6 s, then 80 tokens a second (target-model.ts).
        pending.push({ at: now + 600 + (usage.output / 80) * 1000, estimate, actual: item.tokens });
        pending.sort((a, b) => a.at - b.at);
        reservedTokens += item.tokens;
      } else onDemand += item.usd.toNumber();
      // Served by the reservation or spilled off it: its demand, as the feed counts it.
      if (ctx.targetId === 'ptu' || refused || ctx.spilledFrom === 'ptu')
        calls.push({ at: now, tokens: item.tokens });
      return { status: 200, usage };
    },
  );
}

let nextFeed = 0;
for (const r of traffic) {
  now = r.atMs;
  while (pending.length > 0 && (pending[0]?.at ?? Infinity) <= now) {
    const p = pending.shift()!;
    bucket.complete(p.at, p.estimate, p.actual);
  }
  if (now >= nextFeed) {
    const demand =
      calls.filter((c) => c.at >= now - 120_000).reduce((s, c) => s + c.tokens, 0) /
      2 /
      capacityTpm;
    fill = demand > 1.05 ? Math.round((1.05 / demand) * 1000) / 1000 : undefined;
    await client.poller.poll();
    nextFeed = now + 10_000;
  }
  await serve(r);
}
const floor = costFloor(traffic, scenario, runMs, capacityTpm);
const f = Number(floor.onDemandFloorUsd);
const ranked = Number(floor.rankedFloorUsd);
console.log(
  `${name} seed ${seedArg} ${rpmArg} rpm: on-demand $${onDemand.toFixed(3)}, reservation ${reservedTokens} tokens` +
    ` (${((reservedTokens / (capacityTpm * scenario.minutes)) * 100).toFixed(1)}% of capacity,` +
    // As the demo's report counts it (metrics.ts): the bucket starts with a minute's allowance.
    ` PTU utilization ${((reservedTokens / (capacityTpm * (scenario.minutes + 1))) * 100).toFixed(1)}%);` +
    ` floor $${f.toFixed(3)}, ranked floor $${ranked.toFixed(3)} (${((onDemand / ranked - 1) * 100).toFixed(1)}% over it)`,
);
