// The route an LLM call is attributed to should be the matched route template (`/tickets/:id`),
// not the URL (`/tickets/101`, one route per id). Express knows the template only after routing
// (`req.baseUrl` + `req.route.path`), while attribution middleware runs before it; so the route
// is kept in baggage as an entry resolved when it is read: when a span starts inside the handler
// or when outgoing headers are injected.
import type { Baggage, BaggageEntry } from '@opentelemetry/api';

interface RoutedRequest {
  baseUrl?: unknown;
  route?: { path?: unknown };
}

/** Express's matched route template (mount path included); undefined before routing. */
export function matchedRoute(req: unknown): string | undefined {
  const r = (req ?? {}) as RoutedRequest;
  const path = r.route?.path;
  if (typeof path !== 'string') return undefined;
  const base = typeof r.baseUrl === 'string' ? r.baseUrl : '';
  if (base === '') return path;
  return path === '/' ? base : `${base}${path}`;
}

/**
 * Baggage whose `key` entry is computed on read. `preferLazy`: the computed value wins over an
 * entry already present (an explicit route option); otherwise the present one wins (a route that
 * arrived from upstream). Setting or removing `key` explicitly ends the laziness.
 */
export class LazyEntryBaggage implements Baggage {
  constructor(
    private readonly base: Baggage,
    private readonly key: string,
    private readonly resolve: () => string | undefined,
    private readonly preferLazy: boolean,
  ) {}

  private computed(): BaggageEntry | undefined {
    try {
      const value = this.resolve();
      return typeof value === 'string' && value !== '' ? { value } : undefined;
    } catch {
      return undefined;
    }
  }

  getEntry(key: string): BaggageEntry | undefined {
    const present = this.base.getEntry(key);
    if (key !== this.key) return present;
    return this.preferLazy ? (this.computed() ?? present) : (present ?? this.computed());
  }

  getAllEntries(): [string, BaggageEntry][] {
    const entry = this.getEntry(this.key);
    const rest = this.base.getAllEntries().filter(([k]) => k !== this.key);
    return entry ? [...rest, [this.key, entry]] : rest;
  }

  setEntry(key: string, entry: BaggageEntry): Baggage {
    const next = this.base.setEntry(key, entry);
    return key === this.key ? next : this.with(next);
  }

  removeEntry(key: string): Baggage {
    const next = this.base.removeEntry(key);
    return key === this.key ? next : this.with(next);
  }

  removeEntries(...keys: string[]): Baggage {
    const next = this.base.removeEntries(...keys);
    return keys.includes(this.key) ? next : this.with(next);
  }

  clear(): Baggage {
    return this.base.clear();
  }

  private with(base: Baggage): Baggage {
    return new LazyEntryBaggage(base, this.key, this.resolve, this.preferLazy);
  }
}
