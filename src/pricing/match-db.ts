// Model lookup in the price database: each provider lists model matchers in order and the first
// one that accepts the name wins (the data's own rule). Names tried, in order: the name as
// reported (lower case), our normalized name, the data's date spelling (-20250514 ->
// -2025-05-14) and the name without its snapshot suffix.
import type { Ctx, Hit } from './match.js';
import { normalizeModelName, stripSnapshot } from './normalize.js';
import type { DbLayer, DbProvider, MatchStep } from './types.js';
import { priceDatabaseId } from '../shared/provider-identity.js';

/** The database's id for a canonical provider name (the name itself when not mapped). */
export const dbProviderId = priceDatabaseId;

/** The database providers a call's provider answers to (id, our map, or the data's matcher). */
export function providerFor(layer: DbLayer, provider: string): DbProvider | undefined {
  if (provider === '') return undefined;
  return (
    layer.byId.get(dbProviderId(provider)) ??
    layer.providers.find((p) => p.providerTest?.(provider) === true)
  );
}

/** Providers to search: the call's only (strict), else those whose model names fit first. */
export function dbProvidersFor(layer: DbLayer, ctx: Ctx): DbProvider[] {
  if (ctx.strict) {
    const p = providerFor(layer, ctx.provider);
    return p ? [p] : [];
  }
  return [...layer.providers];
}

const DATE = /-(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g;

function candidates(name: string): { name: string; rule: MatchStep['rule'] }[] {
  const out: { name: string; rule: MatchStep['rule'] }[] = [];
  const add = (n: string): void => {
    if (n !== '' && !out.some((c) => c.name === n)) out.push({ name: n, rule: 'database' });
  };
  const lower = name.trim().toLowerCase();
  add(lower);
  const norm = normalizeModelName(name).name;
  add(norm);
  add(norm.replace(DATE, '-$1-$2-$3'));
  const snap = stripSnapshot(norm);
  if (snap) add(snap.name);
  return out;
}

function inProvider(
  layer: DbLayer,
  p: DbProvider,
  name: string,
): { hit: Hit; via: string } | undefined {
  const own = p.models.find((m) => m.test(name));
  if (own) return { hit: { entry: own.entry, rule: 'database', candidate: name }, via: '' };
  for (const id of p.fallbacks) {
    const f = layer.byId.get(id);
    const m = f?.models.find((x) => x.test(name));
    if (m) return { hit: { entry: m.entry, rule: 'provider-fallback', candidate: name }, via: id };
  }
  return undefined;
}

/**
 * First model accepting one of the candidate names, provider by provider. Without a strict
 * provider, providers whose model_match accepts the name are asked first (the data's way to
 * tell who serves "claude-..." when the call does not say).
 */
export function findInDatabase(
  layer: DbLayer,
  providers: DbProvider[],
  ctx: Ctx,
  name: string,
): Hit | undefined {
  for (const c of candidates(name)) {
    const ordered = ctx.strict
      ? providers
      : [
          ...providers.filter((p) => p.modelTest?.(c.name) === true),
          ...providers.filter((p) => p.modelTest?.(c.name) !== true),
        ];
    for (const p of ordered) {
      const found = inProvider(layer, p, c.name);
      if (found) {
        if (found.via !== '')
          ctx.steps?.push({
            rule: 'provider-fallback',
            candidate: c.name,
            outcome: 'rewrite',
            detail: `${layer.name}: '${p.id}' has no own model '${c.name}'; the data bills it as '${found.via}'`,
          });
        return found.hit;
      }
    }
  }
  if (ctx.steps) {
    const who = ctx.strict
      ? providers[0]
        ? `provider '${providers[0].id}'`
        : `no provider for '${ctx.provider}'`
      : 'any provider';
    ctx.steps.push({
      rule: 'database',
      candidate: name,
      outcome: 'miss',
      detail: `${layer.name}: no model of ${who} matches ${candidates(name)
        .map((c) => `'${c.name}'`)
        .join(', ')}`,
    });
  }
  return undefined;
}
