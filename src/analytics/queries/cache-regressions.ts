// Cache-hit regressions: a current window against a baseline, per route and layer (app cache:
// Bernoulli = a lookup hit) and per route and model (prompt cache: Bernoulli = a provider call read
// any cached prompt tokens, i.e. cache_read_tokens > 0). A regression is a drop that a one-sided
// two-proportion z-test finds significant at alpha, with at least min_samples in both windows.
// Token shares are reported beside the test but not tested: tokens within a call are not
// independent trials, so a z-test on token counts would overstate significance.
import type { CacheRegressionConfig } from '../../shared/config-performance.js';
import type { QueryRunner } from '../../storage/runner.js';
import { isLookup, readCacheWindows, sumBy } from './cache.js';
import type { TimeWindow } from './drift.js';
import { num, ratio, type ResultRow, type Source } from './stats-source.js';
import { oneSidedDropTest } from './stats-ztest.js';

export interface CacheRegressionQuery {
  current: TimeWindow;
  baseline: TimeWindow;
  config: CacheRegressionConfig;
  tenant?: string | undefined;
  source?: Source;
}

export type CacheRegressionStatus = 'regression' | 'ok' | 'insufficient_data';

export interface CacheRegressionRow {
  cache: 'app' | 'prompt';
  route: string;
  /** Layer for the app cache, model for the prompt cache. */
  cache_layer?: string;
  model?: string;
  baseline: { trials: number; successes: number; rate: number | null; token_share?: number | null };
  current: { trials: number; successes: number; rate: number | null; token_share?: number | null };
  drop_pct_points: number | null;
  z: number | null;
  p_value: number | null;
  status: CacheRegressionStatus;
  /** Prompt versions of the route seen in the current window but not in the baseline. */
  new_prompt_versions: string[];
}

interface Trials {
  trials: number;
  successes: number;
  token_share?: number | null;
}

/** Classifies one comparison. Exported for alert rules. */
export function judgeCacheDrop(
  base: Trials,
  cur: Trials,
  config: CacheRegressionConfig,
): Pick<CacheRegressionRow, 'drop_pct_points' | 'z' | 'p_value' | 'status'> {
  const t = oneSidedDropTest({
    x1: base.successes,
    n1: base.trials,
    x2: cur.successes,
    n2: cur.trials,
  });
  const drop = t.p1 !== null && t.p2 !== null ? Math.round((t.p1 - t.p2) * 1e6) / 1e4 : null;
  const round = (v: number | null, d: number): number | null =>
    v === null ? null : Number(v.toPrecision(d));
  let status: CacheRegressionStatus = 'ok';
  if (base.trials < config.min_samples || cur.trials < config.min_samples)
    status = 'insufficient_data';
  else if (
    t.pValue !== null &&
    t.pValue < config.alpha &&
    drop !== null &&
    drop >= config.min_drop_pct_points
  )
    status = 'regression';
  return { drop_pct_points: drop, z: round(t.z, 6), p_value: round(t.pValue, 6), status };
}

function versionsByRoute(rows: ResultRow[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const row of rows) {
    const v = String(row.prompt_version ?? '');
    if (v === '' || num(row.rows) === 0) continue;
    const route = String(row.route ?? '');
    const set = out.get(route) ?? new Set<string>();
    set.add(v);
    out.set(route, set);
  }
  return out;
}

export async function queryCacheRegressions(
  storage: QueryRunner,
  query: CacheRegressionQuery,
): Promise<CacheRegressionRow[]> {
  const dims = ['route', 'cache_layer', 'model', 'prompt_version'];
  const scope = { tenant: query.tenant, source: query.source };
  const [cur = [], base = []] = await readCacheWindows(
    storage,
    [
      { ...query.current, ...scope },
      { ...query.baseline, ...scope },
    ],
    dims,
  );
  const curVersions = versionsByRoute(cur);
  const baseVersions = versionsByRoute(base);
  const newVersions = (route: string): string[] =>
    [...(curVersions.get(route) ?? [])]
      .filter((v) => !(baseVersions.get(route)?.has(v) ?? false))
      .sort();
  const out: CacheRegressionRow[] = [];
  const compare = (
    cache: 'app' | 'prompt',
    groupDims: string[],
    keep: (r: ResultRow) => boolean,
  ) => {
    const b = sumBy(base, groupDims, keep);
    const c = sumBy(cur, groupDims, keep);
    for (const [key, cs] of c) {
      const bs = b.get(key);
      if (bs === undefined) continue;
      const pick = (s: typeof cs): Trials =>
        cache === 'app'
          ? { trials: s.rows, successes: s.hits }
          : {
              trials: s.prompt_calls,
              successes: s.read_calls,
              token_share: ratio(s.cache_read_tokens, s.input_tokens),
            };
      const bt = pick(bs);
      const ct = pick(cs);
      const route = cs.dims.route ?? '';
      const second =
        cache === 'app'
          ? { cache_layer: cs.dims.cache_layer ?? '' }
          : { model: cs.dims.model ?? '' };
      out.push({
        cache,
        route,
        ...second,
        baseline: { ...bt, rate: ratio(bt.successes, bt.trials) },
        current: { ...ct, rate: ratio(ct.successes, ct.trials) },
        ...judgeCacheDrop(bt, ct, query.config),
        new_prompt_versions: newVersions(route),
      });
    }
  };
  compare('app', ['route', 'cache_layer'], isLookup);
  compare('prompt', ['route', 'model'], (r) => num(r.prompt_calls) > 0);
  const rank: Record<CacheRegressionStatus, number> = {
    regression: 0,
    ok: 1,
    insufficient_data: 2,
  };
  // Ties broken by the comparison's key: the engine's row order is not part of the answer.
  const key = (r: CacheRegressionRow) => JSON.stringify([r.cache, r.route, r.cache_layer, r.model]);
  return out.sort(
    (a, b) =>
      rank[a.status] - rank[b.status] ||
      (a.p_value ?? 1) - (b.p_value ?? 1) ||
      (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0),
  );
}
