// Per-tenant admission: requests in flight, tokens per minute (charged at admission from the
// caller's estimate, so concurrent streams cannot overrun the way post-hoc charging does) and a
// bounded wait queue with a timeout. Over a limit: AdmissionError (429 + Retry-After).
import { AdmissionError } from './errors.js';
import type { AdmissionLimits } from './types.js';

interface TenantState {
  inflight: number;
  queue: { resolve: () => void; timer: NodeJS.Timeout }[];
  tokens: { at: number; n: number }[];
}

export class Admission {
  private readonly tenants = new Map<string, TenantState>();

  constructor(private readonly now: () => number = Date.now) {}

  private state(tenant: string): TenantState {
    let s = this.tenants.get(tenant);
    if (s === undefined) this.tenants.set(tenant, (s = { inflight: 0, queue: [], tokens: [] }));
    return s;
  }

  inflight(tenant: string): number {
    return this.tenants.get(tenant)?.inflight ?? 0;
  }

  /** Admit one request; resolves to its release function. */
  async acquire(
    tenant: string,
    limits: AdmissionLimits | undefined,
    tokens = 0,
  ): Promise<() => void> {
    const s = this.state(tenant);
    if (limits === undefined) return this.admit(s, 0);
    this.chargeTokens(s, limits, tokens, tenant);
    if (limits.max_inflight === undefined || s.inflight < limits.max_inflight)
      return this.admit(s, tokens);
    if (s.queue.length >= limits.queue_max) {
      throw new AdmissionError(
        `tenant ${tenant}: ${s.inflight} requests in flight (limit ${limits.max_inflight}) and the queue is full`,
        1,
      );
    }
    await new Promise<void>((resolve, reject) => {
      const entry = {
        resolve,
        timer: setTimeout(() => {
          s.queue.splice(s.queue.indexOf(entry), 1);
          reject(
            new AdmissionError(
              `tenant ${tenant}: waited ${limits.queue_timeout_ms} ms for an in-flight slot`,
              1,
            ),
          );
        }, limits.queue_timeout_ms),
      };
      s.queue.push(entry);
    });
    return this.admit(s, tokens);
  }

  private chargeTokens(
    s: TenantState,
    limits: AdmissionLimits,
    tokens: number,
    tenant: string,
  ): void {
    if (limits.tpm === undefined || tokens <= 0) return;
    const now = this.now();
    s.tokens = s.tokens.filter((t) => t.at > now - 60_000);
    const used = s.tokens.reduce((sum, t) => sum + t.n, 0);
    if (used + tokens <= limits.tpm) return;
    // Retry when enough of the window has expired to fit this request.
    let freed = 0;
    let at = now;
    for (const t of s.tokens) {
      freed += t.n;
      at = t.at + 60_000;
      if (used - freed + tokens <= limits.tpm) break;
    }
    throw new AdmissionError(
      `tenant ${tenant}: ${used} tokens in the last minute, ${tokens} more would pass the limit of ${limits.tpm}`,
      Math.max(1, Math.ceil((at - now) / 1000)),
    );
  }

  private admit(s: TenantState, tokens: number): () => void {
    s.inflight++;
    if (tokens > 0) s.tokens.push({ at: this.now(), n: tokens });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      s.inflight--;
      const next = s.queue.shift();
      if (next !== undefined) {
        clearTimeout(next.timer);
        next.resolve();
      }
    };
  }
}
