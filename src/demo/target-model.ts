// What one mock deployment does with one request at a demo instant: refuse it (429 above
// provisioned capacity, a scripted 5xx) or serve it with a TTFT from its load and the scripted
// incidents, a stream duration and usage (cached tokens from its prompt-prefix cache).
import { LeakyBucket, LoadWindow, PrefixCache, loadedTtft } from './capacity.js';
import type { Usage } from './payload.js';
import { activeIncidents, type FleetTarget, type Scenario } from './scenario.js';

export interface ModelRequest {
  inputTokens: number;
  /** Identifies the cacheable prompt prefix (the system prompt). */
  prefixKey: string;
  prefixTokens: number;
  maxTokens: number;
  /** How long the answer is (decided by the request content, so equal in both runs). */
  outputTokens: number;
}

export type Decision =
  | { kind: 'reject'; status: number; retryAfterMs: number; message: string }
  | { kind: 'serve'; ttftMs: number; streamMs: number; usage: Usage; estimate: number };

export interface TargetCounters {
  requests: number;
  rateLimited: number;
  errors: number;
}

/** Output speed of the demo model, tokens per demo second. */
const TOKENS_PER_S = 80;

export class TargetModel {
  readonly bucket: LeakyBucket | undefined;
  private readonly load = new LoadWindow();
  private readonly cache = new PrefixCache();
  readonly counters: TargetCounters = { requests: 0, rateLimited: 0, errors: 0 };

  constructor(
    readonly target: FleetTarget,
    private readonly scenario: Scenario,
    private readonly runMs: number,
    private readonly random: () => number,
  ) {
    this.bucket =
      target.kind === 'provisioned' ? new LeakyBucket(target.capacityTpm ?? 10_000) : undefined;
  }

  decide(nowMs: number, req: ModelRequest): Decision {
    this.counters.requests++;
    const incidents = activeIncidents(this.scenario, this.runMs, nowMs);
    const storm = incidents.find((i) => i.kind === 'errors' && i.target === this.target.id);
    if (storm?.kind === 'errors' && this.random() < storm.rate) {
      this.counters.errors++;
      return {
        kind: 'reject',
        status: this.random() < 0.5 ? 500 : storm.status,
        retryAfterMs: 1_000,
        message: 'The server had an error while processing your request (demo storm).',
      };
    }
    const cached = this.cache.peek(nowMs, req.prefixKey, req.prefixTokens);
    const estimate = req.inputTokens - cached + req.maxTokens;
    if (this.bucket !== undefined) {
      const admitted = this.bucket.tryAdmit(nowMs, estimate);
      if (!admitted.ok) {
        this.counters.rateLimited++;
        return {
          kind: 'reject',
          status: 429,
          retryAfterMs: admitted.retryAfterMs,
          message: `Requests to ${this.target.id} have exceeded the provisioned throughput. Retry after ${admitted.retryAfterMs} ms.`,
        };
      }
    }
    this.cache.store(nowMs, req.prefixKey);
    const output = Math.min(req.maxTokens, req.outputTokens);
    this.load.add(nowMs, req.inputTokens + output);
    return {
      kind: 'serve',
      ttftMs: this.ttft(nowMs, incidents),
      streamMs: (output / TOKENS_PER_S) * 1000,
      usage: { prompt: req.inputTokens, cached, completion: output },
      estimate,
    };
  }

  /** Correct the provisioned bucket to the tokens really used (prompt - cached + output). */
  finish(nowMs: number, decision: Extract<Decision, { kind: 'serve' }>, completed: boolean): void {
    const u = decision.usage;
    this.bucket?.complete(
      nowMs,
      decision.estimate,
      u.prompt - u.cached + (completed ? u.completion : 0),
    );
  }

  private ttft(nowMs: number, incidents: ReturnType<typeof activeIncidents>): number {
    const jitter = 0.8 + 0.4 * this.random();
    const slow = incidents.find((i) => i.kind === 'ttft' && i.region === this.target.region);
    if (slow?.kind === 'ttft') return slow.ttftMs * jitter;
    // A provisioned deployment's latency stays flat up to its capacity: that is what it is bought for.
    if (this.target.kind === 'provisioned') return this.target.ttftMs * jitter;
    return (
      loadedTtft(this.target.ttftMs, this.load.tpm(nowMs), this.target.kneeTpm ?? 50_000) * jitter
    );
  }
}
