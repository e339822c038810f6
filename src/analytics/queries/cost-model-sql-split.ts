// The per-hour split of cost-model-sql.ts's query: group-hours in, one row per (reservation,
// output bucket, rank) out. Same arithmetic as splitUnits (cost-model-hours.ts), per reservation
// hour:
//   parts = [groups in the question's order..., covered usage outside it, idle]
//   floor_i = t x w_i div S, rem_i = t x w_i mod S (S = sum of the parts' weights)
//   the t - sum(floor) leftover units go one each to the largest rem, ties to the lower index;
//   spread: the idle part split again the same way over [groups..., outside].
// In Int128 without overflow: t = q x S + r (r < S), so floor_i = q x w_i + (r x w_i) div S and
// rem_i = (r x w_i) mod S, where r x w_i < S^2 < 2^126 while S < 2^63 (an hour of 9.2e18
// converted tokens; beyond it the query says so and the caller splits in JS) and q x w_i <= t.
// The index of a group is its rank in the question's order (sorted by groupId exactly as
// byHourInOrder does), so remainder ties fall to the same group as in JS, digit for digit; the two
// last parts rank after every group. The leftover goes by one lambda-free sort of (remainder,
// rank) packed in a UInt128: each part whose key is at least the `left`-th largest gets one unit.
// Hours whose capacity is not whole (a partial hour of a fractional capacity: the decimal
// remainder decides) are not split here: their group-hours come back for the JS split (e = 0).
//
// Where the time went (CPU at 2M calls, a month by tenant, two reservations: ~390k group-hours),
// and why the query has this shape: the output rows by ARRAY JOIN + GROUP BY over every
// group-hour cost ~140-300 ms, replaced by sumMap per (reservation, output bucket) and an ARRAY
// JOIN of its ~1k results. Tried and dropped: the planner's read unmerged, grouped once by numeric
// (hour, reservation, rank) instead of its two string-keyed GROUP BYs (no faster: the numeric
// GROUP BY of 390k keys cost what it saved); sumMap per hour over the read's rows (2x slower).

/** The rank of an hour's own row (its unused part), after every group's. */
export const IDLE_RANK = 4_294_967_295;
const OUTSIDE_RANK = IDLE_RANK - 1;
/** Over this many converted tokens in an hour, S^2 may not fit Int128: the caller splits in JS. */
const MAX_SUM = '9223372036854775807';

/** Converted tokens in SQL (Int128): reservation j's weights x (uncached, read, write, output). */
export function convertedSql(input: string, read: string, write: string, output: string): string {
  const w = (name: string): string => `{cm_${name}:Array(Int64)}[j]`;
  return (
    `${w('wi')} * greatest(toInt128(${input}) - ${read} - ${write}, toInt128(0)) + ` +
    `${w('wr')} * toInt128(${read}) + ${w('ww')} * toInt128(${write}) + ${w('wo')} * toInt128(${output})`
  );
}

/**
 * Largest remainder of `t` over the weights `ws` (ranks `ks`, sum `s` > 0), as SELECT items
 * named `${p}...`; `${p}sh` is the shares array.
 */
function splitItems(p: string, t: string, ws: string, ks: string, s: string): string[] {
  return [
    `intDiv(${t}, ${s}) AS ${p}q`,
    `${t} - ${p}q * ${s} AS ${p}r`,
    `arrayMap(x -> ${p}q * x + intDiv(${p}r * x, ${s}), ${ws}) AS ${p}fl`,
    `arrayMap(x -> (${p}r * x) % ${s}, ${ws}) AS ${p}rm`,
    `toUInt64(${t} - arraySum(${p}fl)) AS ${p}left`,
    // (remainder desc, rank asc) as one UInt128 (remainder < S < 2^63, rank < 2^32), sorted
    // descending without a lambda: every part whose key is at least the left-th gets a unit.
    `arrayMap((r, k) -> toUInt128(r) * 4294967296 + (4294967295 - k), ${p}rm, ${ks}) AS ${p}key`,
    `if(${p}left = 0, toUInt128(0), arrayReverseSort(${p}key)[${p}left]) AS ${p}cut`,
    `arrayMap((f, x) -> f + toInt128(${p}left > 0 AND x >= ${p}cut), ${p}fl, ${p}key) AS ${p}sh`,
  ];
}

/** Where each row of the read goes: `j` (its reservation), `rank` and the coverage condition. */
export interface Placement {
  j: string;
  rank: string;
  where: string;
}

/**
 * The split of the reservations' hours; `read` is the hourly coverage read, each table's rows
 * merged per group.
 * `regroup`: a group may come in several rows an hour (the read also groups by provider or model
 * because a reservation names one, or two of its tables answer parts of one hour); they are summed
 * first, as the JS split reads them (split row by row, a group's remainders came out up to 10^-18
 * off). The read is the planner's without its outer merge (cost-model-sql.ts).
 */
/** The read's group-hours placed (reservation, rank), each with its converted tokens `w`. */
function placedRows(read: string, place: Placement, regroup: boolean): string {
  const placed =
    `SELECT toUnixTimestamp(bucket) AS h, ${place.j} AS j, ${place.rank} AS rank, ` +
    `calls AS tc, input_tokens AS ti, cache_read_tokens AS tr, cache_creation_tokens AS tw, output_tokens AS tout ` +
    `FROM (${read}) WHERE calls > 0 AND h >= {cm_h0:UInt32} AND ${place.where}`;
  const grouped = regroup
    ? `SELECT h, j, rank, sum(tc) AS tc, sum(ti) AS ti, sum(tr) AS tr, sum(tw) AS tw, sum(tout) AS tout ` +
      `FROM (${placed}) GROUP BY h, j, rank`
    : placed;
  return `SELECT *, ${convertedSql('ti', 'tr', 'tw', 'tout')} AS w FROM (${grouped})`;
}

/**
 * When no hour of the query is split here (every one it reads has a fractional capacity: the two
 * partial hours at the ends of a cached question, typically), the rows splitSql would return for
 * them, without its arrays: each group-hour's converted tokens (e 0) and each hour's converted
 * tokens of its token sums (IDLE_RANK, `used`), from one pass over the read (a group's rows
 * summed, then its hour's groups gathered and laid out again with the hour's own row). The
 * split's fixed cost for two such hours was ~74 ms of CPU at 10M calls, the read itself ~15.
 */
export function groupHoursSql(read: string, place: Placement, regroup: boolean): string {
  const rows = placedRows(read, place, regroup);
  const groups =
    `SELECT j, h, rank, sum(w) AS gw, sum(ti) AS gi, sum(tr) AS gr, sum(tw) AS gc, sum(tout) AS go ` +
    `FROM (${rows}) GROUP BY j, h, rank`;
  const hours =
    `SELECT j, h, groupArray(rank) AS rs, groupArray(gw) AS gws, ` +
    `${convertedSql('sum(gi)', 'sum(gr)', 'sum(gc)', 'sum(go)')} AS allc, ` +
    `greatest(arraySum(gws), allc) > ${MAX_SUM} AS big FROM (${groups}) GROUP BY j, h`;
  return (
    `SELECT j, rk, h AS ts, toUInt8(0) AS e, toUInt8(big) AS too_big, '0' AS units, ` +
    `toString(c) AS converted, toString(us) AS used, '' AS st FROM (${hours}) ` +
    `ARRAY JOIN arrayConcat(rs, [toUInt32(${IDLE_RANK})]) AS rk, ` +
    `arrayConcat(gws, [toInt128(0)]) AS c, ` +
    `arrayConcat(arrayWithConstant(length(rs), toInt128(0)), [allc]) AS us`
  );
}

export function splitSql(
  read: string,
  place: Placement,
  spread: boolean,
  regroup: boolean,
  sparse = false,
): string {
  const rows = placedRows(read, place, regroup);
  // One row per reservation hour: its groups (any order: ranks carry the tie order).
  const perHour =
    `SELECT j, h, ${sparse ? 'indexOf({cm_hs:Array(UInt32)}, h)' : 'intDiv(h - {cm_h0:UInt32}, 3600) + 1'} AS hi, {cm_eng:Array(Array(UInt8))}[j][hi] AS e, ` +
    `toInt128({cm_ts:Array(Array(String))}[j][hi]) AS t, toInt128({cm_caps:Array(Array(String))}[j][hi]) AS cap, ` +
    `{cm_outs:Array(UInt32)}[hi] AS out_s, groupArray(rank) AS rs, groupArray(w) AS ws, ` +
    `arraySum(ws) AS mine, ${convertedSql('sum(ti)', 'sum(tr)', 'sum(tw)', 'sum(tout)')} AS allc, ` +
    `(sum(tc), sum(ti), sum(tr), sum(tw), sum(tout)) AS seen, ` +
    `greatest(mine, if({cm_filtered:UInt8} = 1, toInt128({cm_reps:Array(Array(String))}[j][hi]), allc)) AS used, ` +
    `greatest(cap - used, toInt128(0)) AS idle, used + idle AS s, s > ${MAX_SUM} AS big, ` +
    `if(s = 0 OR big, toInt128(1), s) AS sd, if(big, toInt128(0), t) AS tt, ` +
    `arrayConcat(ws, [used - mine, idle]) AS pw, arrayConcat(rs, [toUInt32(${OUTSIDE_RANK}), toUInt32(${IDLE_RANK})]) AS pk ` +
    `FROM (${rows}) GROUP BY j, h`;
  // Zero sum (no capacity, no usage): the whole hour is idle, as hourParts does.
  const parts =
    `SELECT *, ${splitItems('a_', 'tt', 'pw', 'pk', 'sd').join(', ')}, ` +
    `if(s = 0, arrayMap((x, k) -> if(k = length(pw), t, toInt128(0)), pw, arrayEnumerate(pw)), a_sh) AS shares, ` +
    `length(ws) AS n, shares[n + 2] AS un FROM (${perHour})`;
  const totals = spread
    ? `SELECT *, used > 0 AND un > 0 AS apply, arraySlice(pw, 1, n + 1) AS sw, arraySlice(pk, 1, n + 1) AS sk, ` +
      `if(used = 0 OR big, toInt128(1), used) AS ud, ${splitItems('b_', 'if(apply, un, toInt128(0))', 'sw', 'sk', 'ud').join(', ')}, ` +
      `if(apply, arrayMap((a, b) -> a + b, arraySlice(shares, 1, n), arraySlice(b_sh, 1, n)), arraySlice(shares, 1, n)) AS gs, ` +
      `if(apply, toInt128(0), un) AS unused FROM (${parts})`
    : `SELECT *, arraySlice(shares, 1, n) AS gs, un AS unused FROM (${parts})`;
  return outputSql(totals);
}

/**
 * Per (reservation, e, output bucket; JS-split hours keep their hour) the groups' sums by rank
 * (sumMap: it drops a key whose sums are all zero, so each group-hour also counts 1) and each
 * hour's own row (unused part; converted tokens of the hour for JS-split hours), then one row each.
 */
function outputSql(totals: string): string {
  const zeros = (n: string): string => `arrayWithConstant(${n}, toInt128(0))`;
  const agg =
    `SELECT j, e, if(e = 0, h, out_s) AS ts0, max(big) AS too_big, ` +
    `sumMap(rs, if(e = 1, gs, ${zeros('n')}), ws, arrayWithConstant(n, toUInt64(1))) AS sm, ` +
    `groupArray((h, if(e = 1, unused, toInt128(0)), if(e = 0, allc, toInt128(0)))) AS idl, ` +
    // What the split read, per output bucket: the stamp a cached closed day is checked against.
    `arrayStringConcat(arrayMap(x -> toString(x), [sum(seen.1), sum(seen.2), sum(seen.3), sum(seen.4), sum(seen.5)]), ':') AS st ` +
    `FROM (${totals}) GROUP BY j, e, ts0`;
  return (
    `SELECT j, rk, ts, e, too_big, toString(u) AS units, toString(c) AS converted, toString(us) AS used, st ` +
    `FROM (${agg}) ARRAY JOIN arrayConcat(sm.1, arrayWithConstant(length(idl), toUInt32(${IDLE_RANK}))) AS rk, ` +
    `arrayConcat(arrayWithConstant(length(sm.1), ts0), arrayMap(x -> x.1, idl)) AS ts, ` +
    `arrayConcat(sm.2, arrayMap(x -> x.2, idl)) AS u, arrayConcat(sm.3, ${zeros('length(idl)')}) AS c, ` +
    `arrayConcat(${zeros('length(sm.1)')}, arrayMap(x -> x.3, idl)) AS us`
  );
}
