// The gateway-side circuit breaker: per target, a sliding window of outcomes opens the circuit
// at the feed's failure rate; after open_s one probe is let through (half-open). Retry-After
// cooldowns keep the later deadline (a short Retry-After never shortens a longer cooldown).

export interface BreakerOptions {
  failureRate: number;
  minRequests: number;
  windowMs: number;
  openMs: number;
}

interface TargetState {
  outcomes: { at: number; ok: boolean }[];
  openUntil: number;
  probing: boolean;
  cooldownUntil: number;
  /** Periods the breaker refused traffic ([opened, openUntil]), kept until reported. */
  periods: { from: number; to: number }[];
  opens: number;
}

export class LocalBreaker {
  private readonly states = new Map<string, TargetState>();

  constructor(
    private opts: BreakerOptions,
    private readonly now: () => number = Date.now,
  ) {}

  configure(opts: BreakerOptions): void {
    this.opts = opts;
  }

  private state(id: string): TargetState {
    let s = this.states.get(id);
    if (s === undefined)
      this.states.set(
        id,
        (s = {
          outcomes: [],
          openUntil: 0,
          probing: false,
          cooldownUntil: 0,
          periods: [],
          opens: 0,
        }),
      );
    return s;
  }

  /** Can a request go to this target now? */
  available(id: string): boolean {
    const s = this.states.get(id);
    if (s === undefined) return true;
    const now = this.now();
    if (now < s.cooldownUntil) return false;
    if (s.openUntil === 0) return true;
    if (now < s.openUntil) return false;
    return !s.probing;
  }

  /** Mark a request as sent (claims the half-open probe). */
  begin(id: string): void {
    const s = this.states.get(id);
    if (s !== undefined && s.openUntil !== 0 && this.now() >= s.openUntil) s.probing = true;
  }

  /** Records an outcome; true when it opened the breaker. */
  record(id: string, ok: boolean): boolean {
    const s = this.state(id);
    const now = this.now();
    if (s.openUntil !== 0 && now >= s.openUntil) {
      // The probe's verdict: close, or open for another period.
      s.probing = false;
      s.outcomes = [];
      s.openUntil = ok ? 0 : this.open(s, now);
      return !ok;
    }
    s.outcomes.push({ at: now, ok });
    s.outcomes = s.outcomes.filter((o) => o.at > now - this.opts.windowMs);
    const failures = s.outcomes.filter((o) => !o.ok).length;
    if (
      s.openUntil === 0 &&
      s.outcomes.length >= this.opts.minRequests &&
      failures / s.outcomes.length >= this.opts.failureRate
    ) {
      s.openUntil = this.open(s, now);
      return true;
    }
    return false;
  }

  private open(s: TargetState, now: number): number {
    const until = now + this.opts.openMs;
    s.opens++;
    s.periods.push({ from: now, to: until });
    return until;
  }

  /**
   * What this breaker did to a target between `from` and `to` (ms): how often it opened and how
   * long it refused traffic. Forgets what ended before `to`, so each interval is reported once.
   */
  take(id: string, from: number, to: number): { opens: number; openMs: number } {
    const s = this.states.get(id);
    if (s === undefined) return { opens: 0, openMs: 0 };
    let openMs = 0;
    for (const p of s.periods) openMs += Math.max(0, Math.min(p.to, to) - Math.max(p.from, from));
    const opens = s.opens;
    s.opens = 0;
    s.periods = s.periods.filter((p) => p.to > to);
    return { opens, openMs };
  }

  cooldown(id: string, ms: number): void {
    const s = this.state(id);
    s.cooldownUntil = Math.max(s.cooldownUntil, this.now() + ms);
  }

  isOpen(id: string): boolean {
    const s = this.states.get(id);
    return s !== undefined && s.openUntil !== 0 && this.now() < s.openUntil;
  }
}
