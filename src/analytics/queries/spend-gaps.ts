// What a spend figure leaves out or only estimates, summed from cost-model lines: calls without a
// price (counted at $0, so the spend is a floor) and calls whose source cannot report every token
// count (usage_incomplete: priced as if uncached, so an upper estimate). Budgets, budget alerts,
// routing budgets and /v1/costs all count them the same way from the same measures.
import type { SpendGaps } from '../../shared/budget.js';
import type { Measures } from './cost-model-read.js';

/** Adds one line's gap counts (its `unpriced_calls` / `usage_incomplete_calls` measures) to `into`. */
export function addGaps(into: SpendGaps, m: Measures): SpendGaps {
  into.unpriced_calls += m.unpriced_calls?.toNumber() ?? 0;
  into.usage_incomplete_calls += m.usage_incomplete_calls?.toNumber() ?? 0;
  return into;
}

/** Gap counts over every line (reservation lines carry none). */
export function lineGaps(lines: readonly { m: Measures }[]): SpendGaps {
  const gaps: SpendGaps = { unpriced_calls: 0, usage_incomplete_calls: 0 };
  for (const l of lines) addGaps(gaps, l.m);
  return gaps;
}

/** The gaps as a clause for a human summary ('' when there are none). */
export function gapsText(g: SpendGaps): string {
  const parts = [
    g.unpriced_calls > 0 ? `${g.unpriced_calls} unpriced calls not included in the spend` : '',
    g.usage_incomplete_calls > 0
      ? `${g.usage_incomplete_calls} calls with incomplete usage (their cost is an upper estimate)`
      : '',
  ].filter((p) => p !== '');
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}
