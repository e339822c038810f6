// The two demo gateways, both built from the official `openai` SDK (one client per target,
// each traced by instrumentOpenAI, each attempt wrapped in withGateway so its span carries
// deployment, capacity tier, region, attempt and fallback_from):
// - adaptive: the reference routing client polling the feed (tiers, weights, overflow on 429,
//   retries, circuit breaker, Retry-After cooldowns) plus the feed's TTFT timeout;
// - static: the balancer a team writes first: smooth weighted round-robin over fixed weights,
//   the SDK's default retries (which honour retry-after-ms), no timeout, no failover.
import type { TracerProvider } from '@opentelemetry/api';
import OpenAI from 'openai';
import { instrumentOpenAI, withGateway } from '../instrumentation/index.js';
import { RoutingClientError, type RoutingClient } from '../routing-client/index.js';
import type { DemoClock } from './clock.js';
import { streamOnce, type CallResult, type CallUsage } from './gateway-call.js';
import { countTokens } from './payload.js';
import type { MockFleet } from './provider.js';
import type { FleetTarget } from './scenario.js';
import type { DemoRequest } from './traffic.js';

export const POOL = 'gpt-4o';

export interface UserOutcome {
  seq: number;
  /** Demo ms the request was sent. */
  atMs: number;
  /** What the user got: 200, 429, 5xx, 504 (timeout). */
  status: number;
  /** Demo ms from the request to its first token, failovers and retries included. */
  ttftMs?: number;
  target?: string;
  attempts: number;
  usage?: CallUsage;
}

export interface DemoGateway {
  readonly name: 'adaptive' | 'static';
  handle(req: DemoRequest): Promise<UserOutcome>;
  /** Probe calls the gateway made on its own (their usage is billed with the run's). */
  readonly probes?: UserOutcome[];
  /** Current weights per target (feed weights, or the static ones). */
  weights(): Record<string, number>;
}

export function createClients(
  fleet: FleetTarget[],
  mock: MockFleet,
  tracerProvider: TracerProvider,
  maxRetries: number,
): Map<string, OpenAI> {
  return new Map(
    fleet.map((t) => {
      // The demo providers need no key; the SDK insists on one.
      const client = new OpenAI({
        apiKey: 'demo',
        baseURL: mock.baseURL(t.id),
        maxRetries,
        timeout: 600_000,
      });
      return [
        t.id,
        instrumentOpenAI(client, {
          provider: t.provider,
          deployment: t.id,
          region: t.region,
          tracerProvider,
        }),
      ];
    }),
  );
}

const facts = (t: FleetTarget, attempt: number, fallbackFrom?: string) => ({
  deployment: t.id,
  capacityTier: t.kind,
  region: t.region,
  attempt,
  ...(fallbackFrom !== undefined ? { fallbackFrom } : {}),
});

/**
 * A probe: a two-word prompt and one output token, so it costs a few thousandths of a cent
 * and never touches a prompt cache, yet shows the target's time to first token and failures.
 */
export const PROBE: DemoRequest = {
  seq: -1,
  atMs: 0,
  tenant: 'probe',
  route: '/probe',
  feature: 'probe',
  conversationId: 'probe',
  promptVersion: 'probe',
  system: 'Health probe.',
  user: 'ping',
  maxTokens: 1,
};

export class AdaptiveGateway implements DemoGateway {
  readonly name = 'adaptive';
  readonly probes: UserOutcome[] = [];
  private readonly byId: Map<string, FleetTarget>;

  constructor(
    private readonly clients: Map<string, OpenAI>,
    fleet: FleetTarget[],
    private readonly routing: RoutingClient,
    private readonly clock: DemoClock,
  ) {
    this.byId = new Map(fleet.map((t) => [t.id, t]));
  }

  weights(): Record<string, number> {
    const pool = this.routing.poller.document()?.pools.find((p) => p.pool === POOL);
    return Object.fromEntries(
      (pool?.tiers ?? []).flatMap((t) =>
        t.targets.map((x) => [x.id, x.state === 'active' ? x.weight : 0]),
      ),
    );
  }

  /** One probe (the routing client's prober.ts calls it for an idle target), under the TTFT deadline. */
  async probe(targetId: string): Promise<{ status: number }> {
    const target = this.byId.get(targetId);
    const client = this.clients.get(targetId);
    if (target === undefined || client === undefined) return { status: 0 };
    const deadline = this.routing.poller.document()?.pools.find((p) => p.pool === POOL)
      ?.timeouts?.ttft_ms;
    const r = await withGateway(facts(target, 1), () => streamOnce(client, PROBE, deadline));
    this.probes.push({
      seq: -1,
      atMs: 0,
      status: r.status,
      target: targetId,
      attempts: 1,
      ...(r.usage !== undefined ? { usage: r.usage } : {}),
    });
    return { status: r.status };
  }

  async handle(req: DemoRequest): Promise<UserOutcome> {
    const start = performance.now();
    let attempts = 0;
    let previous: string | undefined;
    const deadline = this.routing.poller.document()?.pools.find((p) => p.pool === POOL)
      ?.timeouts?.ttft_ms;
    try {
      const r = await this.routing.execute<CallResult & { target: string; offset: number }>(
        POOL,
        // The request's kind and size: the client packs a full reservation with the kinds
        // whose answers save the most on-demand money per reserved token (packing.ts).
        {
          tenant: req.tenant,
          valueKey: `${req.route}|${req.promptVersion}`,
          inputTokens: countTokens(req.system) + countTokens(req.user),
        },
        async (ctx) => {
          attempts = ctx.attempt;
          const target = this.byId.get(ctx.targetId) as FleetTarget;
          const offset = performance.now() - start;
          // A request packed off the full reservation is its spill, as a 429 overflow is.
          const from = previous ?? ctx.spilledFrom;
          previous = ctx.targetId;
          // The reservation's first token is not raced: its latency is what it was bought for,
          // and timing it out would move paid-for traffic to on-demand capacity.
          const race = target.kind === 'provisioned' ? undefined : deadline;
          const result = await withGateway(facts(target, ctx.attempt, from), () =>
            streamOnce(this.clients.get(ctx.targetId) as OpenAI, req, race),
          );
          return {
            status: result.status,
            value: { ...result, target: ctx.targetId, offset },
            ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
            ...(result.usage !== undefined ? { usage: result.usage } : {}),
          };
        },
      );
      return {
        seq: req.seq,
        atMs: req.atMs,
        status: 200,
        ttftMs: this.clock.toDemo(r.offset + (r.ttftWallMs ?? 0)),
        target: r.target,
        attempts,
        ...(r.usage ? { usage: r.usage } : {}),
      };
    } catch (err) {
      const status = err instanceof RoutingClientError ? err.status : 502;
      return {
        seq: req.seq,
        atMs: req.atMs,
        status,
        attempts,
        ...(previous !== undefined ? { target: previous } : {}),
      };
    }
  }
}

export class StaticGateway implements DemoGateway {
  readonly name = 'static';
  private readonly current = new Map<string, number>();

  constructor(
    private readonly clients: Map<string, OpenAI>,
    private readonly fleet: FleetTarget[],
    private readonly clock: DemoClock,
  ) {}

  weights(): Record<string, number> {
    return Object.fromEntries(this.fleet.map((t) => [t.id, t.staticWeight]));
  }

  /** Smooth weighted round-robin (nginx): deterministic, spreads each target's turns evenly. */
  next(): FleetTarget {
    const total = this.fleet.reduce((s, t) => s + t.staticWeight, 0);
    let best = this.fleet[0] as FleetTarget;
    for (const t of this.fleet) {
      this.current.set(t.id, (this.current.get(t.id) ?? 0) + t.staticWeight);
      if ((this.current.get(t.id) ?? 0) > (this.current.get(best.id) ?? 0)) best = t;
    }
    this.current.set(best.id, (this.current.get(best.id) ?? 0) - total);
    return best;
  }

  async handle(req: DemoRequest): Promise<UserOutcome> {
    const target = this.next();
    const r = await withGateway(facts(target, 1), () =>
      streamOnce(this.clients.get(target.id) as OpenAI, req),
    );
    const status = r.status === 0 ? 504 : r.status;
    return {
      seq: req.seq,
      atMs: req.atMs,
      status,
      target: target.id,
      attempts: 1,
      ...(r.ttftWallMs !== undefined ? { ttftMs: this.clock.toDemo(r.ttftWallMs) } : {}),
      ...(r.usage ? { usage: r.usage } : {}),
    };
  }
}
