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

const OUTSIDE = 1;
const IDLE = 2;

/** convertedUnits in SQL: weights x (uncached input, cache reads, cache writes, output). */
function convertedSql(input: string, read: string, write: string, output: string): string {
  return (
    `{wi:Int64} * greatest(toInt256(${input}) - ${read} - ${write}, 0) + ` +
    `{wr:Int64} * toInt256(${read}) + {ww:Int64} * toInt256(${write}) + {wo:Int64} * toInt256(${output})`
  );
}

const win = 'WINDOW hw AS (PARTITION BY h)';

/** The split SQL: group-hours in, shares per (output bucket, group) and unused per hour out. */
export function splitSql(input: SqlSplitInput): { sql: string; params: QueryParams } {
  const { dims } = input.read;
  const read = groupReadSql({ ...input.read, bucket: 'hour', measures: TOKEN_MEASURES });
  const cols = dims.map((d) => `, ${d}`).join('');
  const params: QueryParams = {
    ...read.params,
    wi: input.r.weights.input,
    wr: input.r.weights.cached_input,
    ww: input.r.weights.cache_write,
    wo: input.r.weights.output,
    hs: input.hours.map((h) => h.hour / 1000),
    ts: input.hours.map((h) => h.units.toString()),
    caps: input.hours.map((h) => h.capacity.toString()),
    outs: input.hours.map((h) => h.out / 1000),
    reps: input.hours.map((h) => h.reported.toString()),
    filtered: input.filtered ? 1 : 0,
    n: input.order.length,
  };
  dims.forEach((d, i) => (params[`k${i}`] = input.order.map((key) => key[d] ?? '')));
  const hourTable =
    `(SELECT {hs:Array(UInt32)}[i] AS h, toInt256({ts:Array(String)}[i]) AS t, ` +
    `toInt256({caps:Array(String)}[i]) AS cap, {outs:Array(UInt32)}[i] AS out_s, ` +
    `toInt256({reps:Array(String)}[i]) AS rep ` +
    `FROM (SELECT arrayJoin(range(1, length({hs:Array(UInt32)}) + 1)) AS i))`;
  const rankTable =
    `(SELECT toUInt64(i) AS rank` +
    dims.map((d, i) => `, {k${i}:Array(String)}[i] AS ${d}`).join('') +
    ` FROM (SELECT arrayJoin(range(1, {n:UInt32} + 1)) AS i))`;
  const rows =
    `SELECT bucket_s AS h${dims.map((d) => `, toString(${d}) AS ${d}`).join('')}, ` +
    `${convertedSql('input_tokens', 'cache_read_tokens', 'cache_creation_tokens', 'output_tokens')} AS w, ` +
    `toInt256(input_tokens) AS ti, toInt256(cache_read_tokens) AS tr, ` +
    `toInt256(cache_creation_tokens) AS tw, toInt256(output_tokens) AS tout ` +
    `FROM (${read.sql}) WHERE calls > 0`;
  const ranked =
    dims.length > 0
      ? `SELECT * FROM (${rows}) AS g LEFT JOIN ${rankTable} AS rk USING (${dims.join(', ')})`
      : `SELECT *, toUInt64(1) AS rank FROM (${rows})`;
  const withHour = `SELECT * FROM (${ranked}) AS gr INNER JOIN ${hourTable} AS p USING (h)`;
  // Per hour: the question's usage, every covered call's usage, one row marked to carry the
  // outside and idle parts.
  const hourly =
    `SELECT *, sum(w) OVER hw AS mine, ` +
    `greatest(mine, if({filtered:UInt8} = 1, rep, ${convertedSql(
      'sum(ti) OVER hw',
      'sum(tr) OVER hw',
      'sum(tw) OVER hw',
      'sum(tout) OVER hw',
    )})) AS used, row_number() OVER (PARTITION BY h ORDER BY rank) AS nth ` +
    `FROM (${withHour}) ${win}`;
  const parts =
    `SELECT h, t, out_s${cols}, kind, used, ` +
    `multiIf(kind = 0, rank, kind = ${OUTSIDE}, 18446744073709551614, 18446744073709551615) AS idx, ` +
    `multiIf(kind = 0, w, kind = ${OUTSIDE}, used - mine, greatest(cap - used, 0)) AS pw, ` +
    `used + greatest(cap - used, 0) AS s ` +
    `FROM (${hourly}) ARRAY JOIN if(nth = 1, [0, ${OUTSIDE}, ${IDLE}], [0]) AS kind`;
  const floors =
    `SELECT *, if(s = 0, toInt256(0), intDiv(t * pw, s)) AS fl, ` +
    `if(s = 0, toInt256(0), t * pw - fl * s) AS rem FROM (${parts})`;
  // Zero sum: the whole hour is idle (no capacity and no usage), as hourParts does.
  const shares =
    `SELECT *, if(s = 0, if(kind = ${IDLE}, t, toInt256(0)), ` +
    `fl + if(row_number() OVER (PARTITION BY h ORDER BY rem DESC, idx) <= t - sum(fl) OVER hw, 1, 0)) AS share ` +
    `FROM (${floors}) ${win}`;
  const final = input.spread ? spreadSql(shares) : `SELECT *, share AS total FROM (${shares})`;
  const sql =
    `SELECT kind, if(kind = ${IDLE}, h, out_s) AS ts${cols}, toString(sum(total)) AS units, ` +
    `toString(sum(pw)) AS converted, min(idx) AS min_idx FROM (${final}) ` +
    `WHERE kind != ${OUTSIDE} GROUP BY kind, ts${cols}`;
  return { sql, params };
}

/** The idle part split again over [groups..., outside] when the hour had usage (spread). */
function spreadSql(shares: string): string {
  const withUnused =
    `SELECT *, sum(if(kind = ${IDLE}, share, toInt256(0))) OVER hw AS un, ` +
    `used > 0 AND un > 0 AS apply FROM (${shares}) ${win}`;
  const floors =
    `SELECT *, if(apply AND kind != ${IDLE}, intDiv(un * pw, used), toInt256(0)) AS fl2, ` +
    `if(apply AND kind != ${IDLE}, un * pw - fl2 * used, toInt256(0)) AS rem2 FROM (${withUnused})`;
  return (
    `SELECT *, multiIf(NOT apply, share, kind = ${IDLE}, toInt256(0), share + fl2 + ` +
    `if(row_number() OVER (PARTITION BY h ORDER BY kind = ${IDLE}, rem2 DESC, idx) <= un - sum(fl2) OVER hw, 1, 0)) AS total ` +
    `FROM (${floors}) ${win}`
  );
}

/** Runs the split; undefined when a group is missing from `order` (the caller splits in JS). */
export async function splitInEngine(
  storage: QueryRunner,
  input: SqlSplitInput,
): Promise<SqlSplit | undefined> {
  if (input.hours.length === 0) return { groups: [], unused: new Map() };
  const { sql, params } = splitSql(input);
  const rows = await storage.query<Record<string, string | number>>(sql, params);
  const groups: SqlGroupShare[] = [];
  const unused = new Map<number, bigint>();
  for (const row of rows) {
    const ts = Number(row.ts) * 1000;
    if (Number(row.kind) === IDLE) {
      unused.set(ts, BigInt(row.units ?? 0));
      continue;
    }
    if (BigInt(row.min_idx ?? 0) === 0n) return undefined;
    groups.push({
      out: ts,
      key: Object.fromEntries(input.read.dims.map((d) => [d, String(row[d] ?? '')])),
      units: BigInt(row.units ?? 0),
      converted: BigInt(row.converted ?? 0),
    });
  }
  return { groups, unused };
}
