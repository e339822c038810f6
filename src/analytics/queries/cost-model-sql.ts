// The reservation split of cost-model-hours.ts (splitHourUnits) done inside ClickHouse, so a month
// of group-hours never leaves the engine: only one row per output group and one per hour come
// back. The JS split read ~360k group-hour rows per reservation for a month by tenant, and most of
// its 2-3 s was that read's JSON and the loop over it. Same arithmetic, in Int256:
//   parts of an hour = [groups in the question's order..., covered usage outside it, idle]
//   floor_i = t x w_i div S, rem_i = t x w_i mod S (S = sum of the parts' weights)
//   the t - sum(floor) leftover units go one each to the largest rem, ties to the lower index;
//   spread: the idle part split again the same way over [groups..., outside].
// The index of a group is its position in `order`, which the caller sorts by groupId exactly as
// byHourInOrder does, so remainder ties fall to the same group as in JS, digit for digit (a test
// compares the two on chDB data with ties). Only hours with a whole capacity come here (a partial
// hour of a fractional capacity takes the decimal remainder; the caller splits those in JS), and
// only reservations with whole weights (converted tokens are then integers).
// Shape: one row per hour (GROUP BY hour, its groups as a rank-sorted array), the split done with
// array functions, then one ARRAY JOIN back to (output bucket, rank) sums. A first version used
// window functions over every group-hour (three sorts of ~190k rows) and was barely faster than
// the JS split.
import type { ReservationConfig } from '../../shared/config-finops.js';
import type { QueryParams, QueryRunner } from '../../storage/runner.js';
import { TOKEN_MEASURES, groupReadSql, type GroupRead } from './cost-model-read.js';

/** One hour the engine splits: its charge and capacity (both whole), and its output bucket. */
export interface SqlHour {
  hour: number;
  /** The hour's charge in 10^-18 dollars. */
  units: bigint;
  capacity: bigint;
  /** Output bucket start (ms), or 0 without buckets. */
  out: number;
  /** Converted tokens of every covered call this hour (used when the question is filtered). */
  reported: bigint;
}

export interface SqlSplitInput {
  r: ReservationConfig;
  read: Pick<GroupRead, 'from' | 'to' | 'dims' | 'filters'>;
  hours: readonly SqlHour[];
  /** Every group key of the question, sorted by groupId (the tie order). */
  order: readonly Record<string, string>[];
  /** Shares depend on calls outside the question: take `reported` as the hour's usage. */
  filtered: boolean;
  spread: boolean;
}

export interface SqlGroupShare {
  out: number;
  key: Record<string, string>;
  units: bigint;
  converted: bigint;
}

export interface SqlSplit {
  groups: SqlGroupShare[];
  /** Unused part per hour (ms -> units), for hours that had covered usage in the question. */
  unused: Map<number, bigint>;
}

const HOUR_MS = 3_600_000;
/** The rank of an hour's unused part in the output (groups are ranked 1..n). */
const IDLE_RANK = 4_294_967_295;

/** convertedUnits in SQL: weights x (uncached input, cache reads, cache writes, output). */
function convertedSql(input: string, read: string, write: string, output: string): string {
  return (
    `{wi:Int64} * greatest(toInt256(${input}) - ${read} - ${write}, 0) + ` +
    `{wr:Int64} * toInt256(${read}) + {ww:Int64} * toInt256(${write}) + {wo:Int64} * toInt256(${output})`
  );
}

/** Hour parameters as arrays indexed by hour offset from the first (gaps: not split here). */
function hourParams(hours: readonly SqlHour[]): QueryParams {
  const h0 = hours[0]?.hour ?? 0;
  const last = hours[hours.length - 1]?.hour ?? h0;
  const n = Math.round((last - h0) / HOUR_MS) + 1;
  const ts = new Array<string>(n).fill('0');
  const caps = new Array<string>(n).fill('0');
  const reps = new Array<string>(n).fill('0');
  const outs = new Array<number>(n).fill(0);
  const eng = new Array<number>(n).fill(0);
  for (const h of hours) {
    const i = Math.round((h.hour - h0) / HOUR_MS);
    ts[i] = h.units.toString();
    caps[i] = h.capacity.toString();
    reps[i] = h.reported.toString();
    outs[i] = h.out / 1000;
    eng[i] = 1;
  }
  return { h0: h0 / 1000, ts, caps, reps, outs, eng };
}

/**
 * Largest remainder of `t` over the weights array `ws` (sum `s`, non-zero) in Int256: floors, then
 * one unit to each of the `t - sum(floors)` largest remainders, ties to the lower index.
 */
function splitArray(t: string, ws: string, s: string): string {
  const fl = `arrayMap(x -> intDiv(${t} * x, ${s}), ${ws})`;
  const rem = `arrayMap((x, f) -> ${t} * x - f * ${s}, ${ws}, ${fl})`;
  // Indices by (remainder desc, index); the first `left` of them get one unit each, mapped back
  // to index order by sorting the flags by their index.
  const ord = `arraySort((i, r) -> (-r, i), arrayEnumerate(${ws}), ${rem})`;
  const left = `(${t} - arraySum(${fl}))`;
  const bonus = `arraySort((b, i) -> i, arrayMap(k -> toInt256(k <= ${left}), arrayEnumerate(${ws})), ${ord})`;
  return `arrayMap((f, b) -> f + b, ${fl}, ${bonus})`;
}

/**
 * The split SQL: group-hours in, one row per (output bucket, group rank) and one per hour
 * (rank IDLE_RANK: the hour's unused part) out. Rank 0: a group missing from `order`.
 */
export function splitSql(input: SqlSplitInput): { sql: string; params: QueryParams } {
  const { dims } = input.read;
  const read = groupReadSql({ ...input.read, bucket: 'hour', measures: TOKEN_MEASURES });
  const params: QueryParams = {
    ...read.params,
    ...hourParams(input.hours),
    wi: input.r.weights.input,
    wr: input.r.weights.cached_input,
    ww: input.r.weights.cache_write,
    wo: input.r.weights.output,
    filtered: input.filtered ? 1 : 0,
    keys: input.order.map((key) => dims.map((d) => key[d] ?? '').join('\u0000')),
    ranks: input.order.map((_k, i) => i + 1),
  };
  const key =
    dims.length > 0 ? `concat(${dims.map((d) => `toString(${d})`).join(", '\\0', ")})` : "''";
  const rank =
    dims.length > 0 ? `transform(${key}, {keys:Array(String)}, {ranks:Array(UInt32)}, 0)` : '1';
  const rows =
    `SELECT bucket_s AS h, intDiv(h - {h0:UInt32}, 3600) + 1 AS i, toUInt32(${rank}) AS rank, ` +
    `${convertedSql('input_tokens', 'cache_read_tokens', 'cache_creation_tokens', 'output_tokens')} AS w, ` +
    `input_tokens AS ti, cache_read_tokens AS tr, cache_creation_tokens AS tw, output_tokens AS tout ` +
    `FROM (${read.sql}) WHERE calls > 0 AND h >= {h0:UInt32} AND {eng:Array(UInt8)}[i] = 1`;
  // One row per hour: its groups in rank order (the tie order), and what the split needs.
  const perHour =
    `SELECT h, any(i) AS hi, toInt256({ts:Array(String)}[hi]) AS t, toInt256({caps:Array(String)}[hi]) AS cap, ` +
    `{outs:Array(UInt32)}[hi] AS out_s, arraySort(groupArray((rank, w))) AS gw, ` +
    `arrayMap(x -> x.1, gw) AS rs, arrayMap(x -> x.2, gw) AS ws, arraySum(ws) AS mine, ` +
    `greatest(mine, if({filtered:UInt8} = 1, toInt256({reps:Array(String)}[hi]), ` +
    `${convertedSql('sum(ti)', 'sum(tr)', 'sum(tw)', 'sum(tout)')})) AS used, ` +
    `greatest(cap - used, 0) AS idle, arrayConcat(ws, [used - mine, idle]) AS pw, used + idle AS s ` +
    `FROM (${rows}) GROUP BY h`;
  // Zero sum (no capacity, no usage): the whole hour is idle, as hourParts does.
  const parts =
    `SELECT *, if(s = 0, arrayMap((x, k) -> if(k = length(pw), t, toInt256(0)), pw, arrayEnumerate(pw)), ` +
    `${splitArray('t', 'pw', 's')}) AS shares, shares[length(shares)] AS un FROM (${perHour})`;
  const n = 'length(ws)';
  const totals = input.spread
    ? `SELECT *, used > 0 AND un > 0 AS apply, arraySlice(pw, 1, ${n} + 1) AS sw, ` +
      `if(apply, arrayMap((a, b) -> a + b, arraySlice(shares, 1, ${n}), arraySlice(${splitArray('un', 'sw', 'used')}, 1, ${n})), ` +
      `arraySlice(shares, 1, ${n})) AS gs, if(apply, toInt256(0), un) AS unused FROM (${parts})`
    : `SELECT *, arraySlice(shares, 1, ${n}) AS gs, un AS unused FROM (${parts})`;
  const sql =
    `SELECT rk, ts, toString(sum(share)) AS units, toString(sum(conv)) AS converted FROM (` +
    `SELECT h, out_s, arrayConcat(rs, [toUInt32(${IDLE_RANK})]) AS rks, arrayConcat(gs, [unused]) AS sh, ` +
    `arrayConcat(ws, [toInt256(0)]) AS cv FROM (${totals})) ` +
    `ARRAY JOIN rks AS rk, sh AS share, cv AS conv ` +
    `GROUP BY rk, if(rk = ${IDLE_RANK}, h, out_s) AS ts`;
  return { sql, params };
}

/** Runs the split; undefined when a group is missing from `order` (the caller splits in JS). */
export async function splitInEngine(
  storage: QueryRunner,
  input: SqlSplitInput,
): Promise<SqlSplit | undefined> {
  // No hours to split here, or no covered group in the question: every hour is the caller's.
  if (input.hours.length === 0 || input.order.length === 0)
    return { groups: [], unused: new Map() };
  // The group key is matched as its values joined by NUL: a value holding one could collide.
  if (input.order.some((key) => Object.values(key).some((v) => v.includes('\u0000'))))
    return undefined;
  const { sql, params } = splitSql(input);
  const rows = await storage.query<Record<string, string | number>>(sql, params);
  const groups: SqlGroupShare[] = [];
  const unused = new Map<number, bigint>();
  for (const row of rows) {
    const ts = Number(row.ts) * 1000;
    const rank = Number(row.rk);
    if (rank === IDLE_RANK) {
      unused.set(ts, BigInt(row.units ?? 0));
      continue;
    }
    const key = input.order[rank - 1];
    if (key === undefined) return undefined;
    groups.push({
      out: ts,
      key,
      units: BigInt(row.units ?? 0),
      converted: BigInt(row.converted ?? 0),
    });
  }
  return { groups, unused };
}
