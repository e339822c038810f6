// Reads the maintained price database (@pydantic/genai-prices "v2" data: providers, each with
// ordered model matchers and dated price sets) into PriceEntries. Pure: the caller passes parsed
// JSON. Anything malformed throws an Error naming the provider, model and field, so refreshed data
// is validated by the same code that prices with it.
import type { MoneyValue } from '../shared/money.js';
import { parseMoney } from '../shared/money.js';
import type {
  DbLayer,
  DbModel,
  DbProvider,
  NameTest,
  PriceEntry,
  PricePeriod,
  PriceSet,
  RateKind,
  Rates,
  ThresholdRates,
} from './types.js';

/** Database price keys we bill, with their unit size (per 1M tokens, per 1,000 requests). */
const PRICE_KEYS: Readonly<Record<string, { kind: RateKind; per: number }>> = {
  input_mtok: { kind: 'input', per: 1e6 },
  cache_read_mtok: { kind: 'cacheRead', per: 1e6 },
  cache_write_mtok: { kind: 'cacheWrite', per: 1e6 },
  cache_write_1h_mtok: { kind: 'cacheWrite1h', per: 1e6 },
  output_mtok: { kind: 'output', per: 1e6 },
  output_reasoning_mtok: { kind: 'reasoning', per: 1e6 },
  input_audio_mtok: { kind: 'audioInput', per: 1e6 },
  output_audio_mtok: { kind: 'audioOutput', per: 1e6 },
  output_image_mtok: { kind: 'imageOutput', per: 1e6 },
  web_searches_kcount: { kind: 'webSearch', per: 1e3 },
  requests_kcount: { kind: 'request', per: 1e3 },
};
/** Applied after cache_write_mtok so the more specific 5-minute price wins for 5-minute writes. */
const CACHE_WRITE_5M = 'cache_write_5m_mtok';

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

const unitCache = new Map<string, MoneyValue>();
/** price / per, exact (a division by a power of ten); shared per distinct value. */
function unitPrice(where: string, value: unknown, per: number): MoneyValue {
  const cacheKey = `${String(value)}/${per}`;
  const hit = unitCache.get(cacheKey);
  if (hit) return hit;
  const d = parseMoney(value);
  if (!d) throw new Error(`${where}: not a non-negative number (${JSON.stringify(value)})`);
  const out = d.div(per);
  if (unitCache.size < 100_000) unitCache.set(cacheKey, out);
  return out;
}

/** One price key, plain or tiered ({base, tiers:[{start, price}]}). */
function readPrice(
  where: string,
  value: unknown,
  per: number,
): { base: MoneyValue; tiers: { start: number; price: MoneyValue }[] } {
  if (!isRec(value)) return { base: unitPrice(where, value, per), tiers: [] };
  if (!Array.isArray(value['tiers'])) throw new Error(`${where}: tiered price without tiers`);
  const tiers = value['tiers'].map((t: unknown, i) => {
    const start = isRec(t) ? t['start'] : undefined;
    if (typeof start !== 'number' || !Number.isSafeInteger(start) || start < 0)
      throw new Error(`${where}.tiers[${i}].start: not a token count`);
    return { start, price: unitPrice(`${where}.tiers[${i}].price`, (t as Rec)['price'], per) };
  });
  return { base: unitPrice(`${where}.base`, value['base'], per), tiers };
}

/** A price map -> base rates plus one rate set per tier start (the data's cliff semantics). */
function readPriceSet(where: string, prices: unknown, ignored: Set<string>): PriceSet {
  if (!isRec(prices)) throw new Error(`${where}: prices is not an object`);
  const base: Rates = {};
  const tiered: { kind: RateKind; tiers: { start: number; price: MoneyValue }[] }[] = [];
  const keys = Object.keys(prices).sort(
    (a, b) => Number(a === CACHE_WRITE_5M) - Number(b === CACHE_WRITE_5M),
  );
  for (const key of keys) {
    const value = prices[key];
    if (value === undefined || value === null) continue;
    const spec =
      key === CACHE_WRITE_5M ? { kind: 'cacheWrite' as const, per: 1e6 } : PRICE_KEYS[key];
    if (!spec) {
      ignored.add(key);
      continue;
    }
    const p = readPrice(`${where}.${key}`, value, spec.per);
    base[spec.kind] = p.base;
    if (p.tiers.length > 0) tiered.push({ kind: spec.kind, tiers: p.tiers });
  }
  const starts = [...new Set(tiered.flatMap((t) => t.tiers.map((x) => x.start)))].sort(
    (a, b) => b - a,
  );
  // Above start T, a key's price is that of its last listed tier whose start is <= T (the data's
  // own loop: every tier the prompt exceeds overwrites the previous one), else its base.
  const thresholds: ThresholdRates[] = starts.map((threshold) => {
    const rates: Rates = {};
    for (const t of tiered) {
      let price: MoneyValue | undefined;
      for (const tier of t.tiers) if (tier.start <= threshold) price = tier.price;
      if (price) rates[t.kind] = price;
    }
    return { threshold, rates };
  });
  return { base, thresholds, service: {} };
}

const TIME = /^(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/;

function timeOfDaySeconds(where: string, value: unknown): number {
  const m = typeof value === 'string' ? TIME.exec(value) : null;
  if (!m) throw new Error(`${where}: not a time of day (${JSON.stringify(value)})`);
  const [h, min, s] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (h > 23 || min > 59 || s > 59)
    throw new Error(`${where}: not a time of day (${String(value)})`);
  const offset =
    m[4] === 'Z' ? 0 : (m[5] === '-' ? -1 : 1) * (Number(m[6]) * 3600 + Number(m[7]) * 60);
  return (h * 3600 + min * 60 + s - offset + 86_400) % 86_400;
}

/** Conditional prices: undated first, then start_date and time_of_date constraints. */
function readPeriods(where: string, prices: unknown, ignored: Set<string>): PricePeriod[] {
  if (!Array.isArray(prices)) {
    return [{ fromMs: -Infinity, label: '', prices: readPriceSet(where, prices, ignored) }];
  }
  if (prices.length === 0) throw new Error(`${where}: empty list of prices`);
  return prices.map((cond: unknown, i) => {
    const at = `${where}[${i}]`;
    if (!isRec(cond)) throw new Error(`${at}: not an object`);
    const set = readPriceSet(`${at}.prices`, cond['prices'], ignored);
    const c = cond['constraint'];
    if (c === undefined || c === null) return { fromMs: -Infinity, label: '', prices: set };
    if (!isRec(c)) throw new Error(`${at}.constraint: not an object`);
    if (typeof c['start_date'] === 'string') {
      const fromMs = Date.parse(`${c['start_date']}T00:00:00Z`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(c['start_date']) || Number.isNaN(fromMs))
        throw new Error(`${at}.constraint.start_date: not a date (${c['start_date']})`);
      return { fromMs, label: c['start_date'], prices: set };
    }
    if (c['start_time'] !== undefined || c['end_time'] !== undefined) {
      const startS = timeOfDaySeconds(`${at}.constraint.start_time`, c['start_time']);
      const endS = timeOfDaySeconds(`${at}.constraint.end_time`, c['end_time']);
      const label = `${String(c['start_time'])}-${String(c['end_time'])}`;
      return { fromMs: -Infinity, timeOfDay: { startS, endS }, label, prices: set };
    }
    throw new Error(`${at}.constraint: neither start_date nor start_time/end_time`);
  });
}

/** The data's match logic (equals, starts_with, ends_with, contains, regex, or, and), compiled. */
export function compileMatch(where: string, logic: unknown): NameTest {
  if (!isRec(logic)) throw new Error(`${where}: match is not an object`);
  const [op, arg] = Object.entries(logic)[0] ?? [];
  const text = (): string => {
    if (typeof arg !== 'string') throw new Error(`${where}.${String(op)}: not a string`);
    return arg.toLowerCase();
  };
  const list = (): NameTest[] => {
    if (!Array.isArray(arg)) throw new Error(`${where}.${String(op)}: not a list`);
    return arg.map((a: unknown, i) => compileMatch(`${where}.${op}[${i}]`, a));
  };
  switch (op) {
    case 'equals': {
      const t = text();
      return (n) => n === t;
    }
    case 'starts_with': {
      const t = text();
      return (n) => n.startsWith(t);
    }
    case 'ends_with': {
      const t = text();
      return (n) => n.endsWith(t);
    }
    case 'contains': {
      const t = text();
      return (n) => n.includes(t);
    }
    case 'regex': {
      if (typeof arg !== 'string') throw new Error(`${where}.regex: not a string`);
      const re = new RegExp(arg);
      return (n) => re.test(n);
    }
    case 'or': {
      const tests = list();
      return (n) => tests.some((t) => t(n));
    }
    case 'and': {
      const tests = list();
      return (n) => tests.every((t) => t(n));
    }
    default:
      throw new Error(`${where}: unknown match operator ${JSON.stringify(op)}`);
  }
}

const str = (r: Rec, k: string): string => (typeof r[k] === 'string' ? (r[k] as string) : '');

function readModel(
  providerId: string,
  url: string,
  raw: unknown,
  i: number,
  eager: boolean,
): DbModel {
  const where = `${providerId}.models[${i}]`;
  if (!isRec(raw) || typeof raw['id'] !== 'string' || raw['id'] === '')
    throw new Error(`${where}: model without an id`);
  const id = raw['id'];
  const ignored = new Set<string>();
  const read = (): PricePeriod[] =>
    readPeriods(`${providerId}:${id}.prices`, raw['prices'], ignored);
  // Prices are read on first use unless asked otherwise: start-up compiles the matchers of all
  // 1,700 models but reads only the prices of models that are called. Data that is not known
  // good (a refresh) is read eagerly, so a bad price fails the load, never a call.
  let periods: PricePeriod[] | undefined = eager ? read() : undefined;
  const entry: PriceEntry = {
    key: `${providerId}:${id}`,
    provider: providerId,
    mode: '',
    get periods(): PricePeriod[] {
      return (periods ??= read());
    },
    source: url,
    validFrom: str(raw, 'prices_checked'),
    origin: 'default',
    get ignored(): string[] | undefined {
      periods ??= read();
      return ignored.size > 0 ? [...ignored].sort() : undefined;
    },
  };
  return { test: compileMatch(`${providerId}:${id}.match`, raw['match']), entry };
}

function readProvider(raw: unknown, i: number, eager: boolean): DbProvider {
  if (!isRec(raw) || typeof raw['id'] !== 'string' || raw['id'] === '')
    throw new Error(`providers[${i}]: provider without an id`);
  const id = raw['id'];
  if (!Array.isArray(raw['models'])) throw new Error(`${id}.models: not a list`);
  const urls = raw['pricing_urls'];
  const url = Array.isArray(urls) && typeof urls[0] === 'string' ? urls[0] : '';
  const opt = (k: string): NameTest | undefined =>
    raw[k] === undefined || raw[k] === null ? undefined : compileMatch(`${id}.${k}`, raw[k]);
  const fallbacks = raw['fallback_model_providers'];
  return {
    id,
    providerTest: opt('provider_match'),
    modelTest: opt('model_match'),
    fallbacks: Array.isArray(fallbacks) ? fallbacks.filter((f) => typeof f === 'string') : [],
    models: raw['models'].map((m: unknown, j) => readModel(id, url, m, j, eager)),
  };
}

/**
 * Parses the database (a JSON array of providers); throws naming the first bad field. `eager`
 * (default true) reads every price now; false defers each model's prices to its first use, for
 * data already validated (the shipped snapshot, checked whole by its unit test).
 */
export function parseDatabase(
  raw: unknown,
  name: string,
  origin: PriceEntry['origin'],
  eager = true,
): DbLayer {
  if (!Array.isArray(raw)) throw new Error('price data: top level must be a list of providers');
  const providers = raw.map((p: unknown, i) => readProvider(p, i, eager));
  if (!providers.some((p) => p.models.length > 0))
    throw new Error('price data: no provider has any priced model');
  if (origin !== 'default')
    for (const p of providers) for (const m of p.models) m.entry.origin = origin;
  return { type: 'db', name, providers, byId: new Map(providers.map((p) => [p.id, p])) };
}

/** Models in the database (for summaries). */
export function modelCount(layer: DbLayer): number {
  return layer.providers.reduce((n, p) => n + p.models.length, 0);
}
