// Re-pricing stored calls: rows that started in [from, to) are priced again with the current price
// data; a row whose price changed is written again (delete + insert within its day) and the
// cost-bearing rollups of those days are rebuilt from llm_calls (rollup-rebuild.ts says why the
// rollups cannot follow an update any other way). Day by day, so memory holds one day's rows.
//
// Exactly once, even when run twice or cut short: the new row is inserted (with an ingested_at
// after every stored row of the day) before the older rows of its call_id are deleted, and a run
// always keeps the newest row of a call_id and deletes the rest. A second run finds nothing to
// change; a run cut short between insert and delete leaves two rows the next run collapses; the
// rollup rebuild is idempotent, and a run that changes nothing still rebuilds the visited days if
// a rollup disagrees with llm_calls there (a run cut short before its rebuild).
import type { LlmCall } from '../shared/call.js';
import { money, moneyText, sumMoney, ZERO, type MoneyValue } from '../shared/money.js';
import { callRow } from './rows.js';
import { rebuildRollups, rollupsAgree, wholeDays } from './rollup-rebuild.js';
import type { QueryRunner } from './runner.js';
import { readStoredCalls, type StoredCall } from './stored-calls.js';

const DAY_MS = 86_400_000;
// One lightweight DELETE rewrites the row mask of every part of the day: few, large id lists.
const DELETE_CHUNK = 100_000;

export interface RepriceOptions {
  from: Date;
  to: Date;
  dryRun: boolean;
  /** Prices stored calls with the current data, in order (pricing's own old warnings dropped). */
  price: (calls: LlmCall[]) => LlmCall[];
  now?: () => number;
}

export interface RepriceResult {
  /** Distinct calls that started in the range. */
  calls: number;
  /** Calls whose price changed (written again unless dry run). */
  changed: number;
  /** Unpriced calls the current data prices. */
  newlyPriced: number;
  /** Calls still unpriced after re-pricing. */
  stillUnpriced: number;
  /** Extra rows of one call_id (a run cut short, a duplicate write), removed unless dry run. */
  duplicates: number;
  /**
   * Priced rows left as they are because their stored cost parts do not sum to their total: rows
   * written before migration 0032, whose 1h-write, audio, image and web-search counts were not
   * stored (re-pricing them would drop those parts from a total that rightly has them).
   */
  partsMissing: number;
  /** Sum of cost_total before and after, over one row per call; exact decimal text. */
  costBefore: string;
  costAfter: string;
  delta: string;
  /** Rollup tables rebuilt for the visited days (empty on a dry run). */
  rebuilt: string[];
}

/** The fields pricing writes; a call whose values differ here is written again. */
const PRICE_FIELDS = ['model', 'price_entry', 'priced', 'warnings'] as const;
const MONEY_FIELDS = [
  'cost_input',
  'cost_cache_read',
  'cost_cache_creation',
  'cost_cache_creation_1h',
  'cost_output',
  'cost_audio',
  'cost_image',
  'cost_request',
  'cost_total',
  'list_cost',
] as const;

export function priceChanged(before: LlmCall, after: LlmCall): boolean {
  for (const f of PRICE_FIELDS)
    if (JSON.stringify(before[f]) !== JSON.stringify(after[f])) return true;
  // Both sides are plain decimal text without trailing zeros (trimDecimal, moneyText): equal text
  // is equal money; only differing text is parsed (an exponent or sign spelling could differ).
  return MONEY_FIELDS.some((f) => before[f] !== after[f] && !money(before[f]).eq(money(after[f])));
}

const PART_FIELDS = MONEY_FIELDS.filter((f) => f !== 'cost_total' && f !== 'list_cost');

function partsSumToTotal(c: LlmCall): boolean {
  return sumMoney(PART_FIELDS.map((f) => c[f])).eq(money(c.cost_total));
}

/** The newest row of each call_id, and how many older ones there are. */
function newest(rows: StoredCall[]): { current: StoredCall[]; duplicates: Set<string> } {
  const byId = new Map<string, StoredCall>();
  const duplicates = new Set<string>();
  for (const r of rows) {
    const seen = byId.get(r.call.call_id);
    if (seen !== undefined) duplicates.add(r.call.call_id);
    if (seen === undefined || r.ingestedAtMs > seen.ingestedAtMs) byId.set(r.call.call_id, r);
  }
  return { current: [...byId.values()], duplicates };
}

/** `YYYY-MM-DD HH:MM:SS.mmm` (UTC), the text a DateTime64(3) column parses. */
const dateTime64 = (ms: number): string =>
  new Date(ms).toISOString().replace('T', ' ').slice(0, 23);

interface DayPlan {
  rows: LlmCall[];
  ids: string[];
  tally: Omit<RepriceResult, 'rebuilt' | 'costBefore' | 'costAfter' | 'delta'>;
  before: MoneyValue;
  after: MoneyValue;
  newestIngestMs: number;
}

function planDay(stored: StoredCall[], price: (c: LlmCall[]) => LlmCall[]): DayPlan {
  const { current, duplicates } = newest(stored);
  const repriced = price(current.map((s) => s.call));
  const rows: LlmCall[] = [];
  const tally = {
    calls: current.length,
    changed: 0,
    newlyPriced: 0,
    stillUnpriced: 0,
    partsMissing: 0,
  };
  const before: string[] = [];
  const after: string[] = [];
  for (const [i, { call }] of current.entries()) {
    const incomplete = call.priced && !partsSumToTotal(call);
    if (incomplete) tally.partsMissing += 1;
    const priced = incomplete ? call : (repriced[i] ?? call);
    const changed = priceChanged(call, priced);
    const kept = changed ? priced : call;
    if (changed) tally.changed += 1;
    if (!call.priced && priced.priced) tally.newlyPriced += 1;
    if (!kept.priced) tally.stillUnpriced += 1;
    before.push(call.cost_total);
    after.push(kept.cost_total);
    if (changed || duplicates.has(call.call_id)) rows.push(kept);
  }
  return {
    rows,
    ids: rows.map((r) => r.call_id),
    tally: { ...tally, duplicates: stored.length - current.length },
    before: sumMoney(before),
    after: sumMoney(after),
    newestIngestMs: stored.reduce((m, s) => Math.max(m, s.ingestedAtMs), 0),
  };
}

/** Writes the day's new rows, then deletes the older rows of their call_ids. */
async function writeDay(storage: QueryRunner, day: DayPlan, from: Date, to: Date, now: number) {
  if (day.rows.length === 0) return;
  // After every stored row of the day, whatever the server's clock said when it wrote them.
  const at = dateTime64(Math.max(now, day.newestIngestMs + 1));
  await storage.insert(
    'llm_calls',
    day.rows.map((c) => `${callRow(c).slice(0, -1)},"ingested_at":"${at}"}`).join('\n'),
  );
  for (let i = 0; i < day.ids.length; i += DELETE_CHUNK)
    await storage.command(
      `DELETE FROM llm_calls
        WHERE start_time >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')
          AND start_time < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
          AND call_id IN {ids:Array(String)}
          AND ingested_at < toDateTime64({at:String}, 3, 'UTC')`,
      { from: from.getTime(), to: to.getTime(), ids: day.ids.slice(i, i + DELETE_CHUNK), at },
    );
}

/** Refuses a cluster: lightweight deletes and rollup rebuilds there run per shard, by hand. */
async function assertSingleNode(storage: QueryRunner): Promise<void> {
  const [row] = await storage.query<{ engine: string }>(
    `SELECT engine FROM system.tables WHERE database = currentDatabase() AND name = 'llm_calls'`,
  );
  if (row?.engine === 'Distributed')
    throw new Error(
      'reprice rewrites llm_calls in place and rebuilds rollups on one node; llm_calls here is a Distributed table (a cluster), which it does not support yet',
    );
}

export async function repriceRange(
  storage: QueryRunner,
  options: RepriceOptions,
): Promise<RepriceResult> {
  const { from, to, dryRun, price } = options;
  const now = options.now ?? Date.now;
  if (!dryRun) await assertSingleNode(storage);
  const total: RepriceResult = {
    calls: 0,
    changed: 0,
    newlyPriced: 0,
    stillUnpriced: 0,
    duplicates: 0,
    partsMissing: 0,
    costBefore: '0',
    costAfter: '0',
    delta: '0',
    rebuilt: [],
  };
  let before = ZERO;
  let after = ZERO;
  let visited: { from: number; to: number } | undefined;
  for (let d = wholeDays(from, to).from.getTime(); d < to.getTime(); d += DAY_MS) {
    const dayFrom = new Date(Math.max(d, from.getTime()));
    const dayTo = new Date(Math.min(d + DAY_MS, to.getTime()));
    const day = planDay(await readStoredCalls(storage, dayFrom, dayTo), price);
    for (const k of Object.keys(day.tally) as (keyof DayPlan['tally'])[]) total[k] += day.tally[k];
    before = before.add(day.before);
    after = after.add(day.after);
    if (dryRun || day.tally.calls === 0) continue;
    await writeDay(storage, day, dayFrom, dayTo, now());
    visited = { from: visited?.from ?? d, to: d + DAY_MS };
  }
  // One rebuild over every day that held calls (a delete per rollup table, not one per day),
  // when rows were rewritten or a rollup disagrees with llm_calls (a run cut short before its
  // rebuild); a second run that changed nothing leaves the rollups alone.
  if (visited !== undefined) {
    const days = wholeDays(new Date(visited.from), new Date(visited.to));
    if (total.changed + total.duplicates > 0 || !(await rollupsAgree(storage, days)))
      total.rebuilt = await rebuildRollups(storage, days);
  }
  return {
    ...total,
    costBefore: moneyText(before),
    costAfter: moneyText(after),
    delta: moneyText(after.sub(before)),
  };
}

export function formatReprice(r: RepriceResult, dryRun: boolean): string {
  return [
    `${dryRun ? 'dry run: nothing written. ' : ''}calls in range: ${r.calls}`,
    `re-priced (changed): ${r.changed}`,
    `newly priced: ${r.newlyPriced}`,
    `still unpriced: ${r.stillUnpriced}`,
    `duplicate rows ${dryRun ? 'to remove' : 'removed'}: ${r.duplicates}`,
    `left as stored (parts not stored, before migration 0032): ${r.partsMissing}`,
    `cost before: ${r.costBefore} USD`,
    `cost after:  ${r.costAfter} USD`,
    `delta:       ${r.delta} USD`,
    ...(dryRun ? [] : [`rollups rebuilt: ${r.rebuilt.join(', ') || 'none'}`]),
  ].join('\n');
}
