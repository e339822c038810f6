// /v1/costs rows from cost-model lines: usage lines (on-demand and covered) merged per bucket and
// group, the top N groups by effective cost kept and the rest folded into one exact `other` row
// per bucket, then the reservation rows (purchase, unused) per bucket, never folded. Ordered by
// bucket, effective cost (descending), then dimension values.
import { ZERO, moneyText, type MoneyValue } from '../../shared/money.js';
import { addMeasures, groupId, type Measures } from './cost-model-read.js';
import type { CostLine } from './cost-model.js';
import type { CostQuery, CostRow } from './costs.js';

interface Merged {
  bucket: number | undefined;
  key: Record<string, string>;
  m: Measures;
  billed: MoneyValue;
  effective: MoneyValue;
  other: boolean;
  line?: CostLine | undefined;
}

const COUNTS = [
  'calls',
  'input_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'output_tokens',
  'reasoning_tokens',
  'unpriced_calls',
  'usage_incomplete_calls',
] as const;

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

function merge(into: Map<string, Merged>, id: string, from: Omit<Merged, 'm'> & { m: Measures }) {
  const acc = into.get(id) ?? { ...from, m: {}, billed: ZERO, effective: ZERO };
  addMeasures(acc.m, from.m);
  acc.billed = acc.billed.add(from.billed);
  acc.effective = acc.effective.add(from.effective);
  into.set(id, acc);
}

/** Group ids of the `top` groups by effective cost over the whole range (ties: by key). */
function topGroups(usage: readonly CostLine[], top: number): Set<string> {
  const byGroup = new Map<string, { id: string; effective: MoneyValue }>();
  for (const l of usage) {
    const id = groupId(l.key);
    const acc = byGroup.get(id) ?? { id, effective: ZERO };
    acc.effective = acc.effective.add(l.effective);
    byGroup.set(id, acc);
  }
  return new Set(
    [...byGroup.values()]
      .sort((a, b) => b.effective.cmp(a.effective) || a.id.localeCompare(b.id))
      .slice(0, Math.trunc(top))
      .map((g) => g.id),
  );
}

export function costRows(lines: readonly CostLine[], q: CostQuery): CostRow[] {
  const usage = lines.filter((l) => l.kind === 'usage');
  const folding = q.top !== undefined && q.groupBy.length > 0;
  const keep = folding ? topGroups(usage, q.top ?? 0) : undefined;
  const merged = new Map<string, Merged>();
  const otherKey = Object.fromEntries(q.groupBy.map((d) => [d, '(other)']));
  for (const l of usage) {
    const other = keep !== undefined && !keep.has(groupId(l.key));
    const key = other ? otherKey : l.key;
    merge(merged, `${l.bucket ?? ''}|${other}|${groupId(key)}`, { ...l, key, other });
  }
  const grouped = q.groupBy.length > 0 || q.bucket !== undefined;
  // A question with no group keys or buckets always answers one usage row, even when nothing matched.
  if (!grouped && merged.size === 0)
    merged.set('', {
      bucket: undefined,
      key: {},
      m: {},
      billed: ZERO,
      effective: ZERO,
      other: false,
    });
  const rows = [...merged.values()].sort(
    (a, b) =>
      (a.bucket ?? 0) - (b.bucket ?? 0) ||
      Number(a.other) - Number(b.other) ||
      b.effective.cmp(a.effective) ||
      groupId(a.key).localeCompare(groupId(b.key)),
  );
  const reservation = lines
    .filter((l) => l.kind !== 'usage')
    .sort(
      (a, b) =>
        (a.bucket ?? 0) - (b.bucket ?? 0) ||
        a.reservation.localeCompare(b.reservation) ||
        a.kind.localeCompare(b.kind),
    )
    .map((l) => ({ ...l, other: false, line: l }));
  const all = [...rows, ...reservation].sort((a, b) => (a.bucket ?? 0) - (b.bucket ?? 0));
  return all.map((r) => toRow(r, q, folding));
}

function toRow(r: Merged, q: CostQuery, folding: boolean): CostRow {
  const count = (k: string): number => r.m[k]?.toNumber() ?? 0;
  const out = {
    ...(q.bucket !== undefined ? { bucket: iso(r.bucket ?? 0) } : {}),
    ...Object.fromEntries(q.groupBy.map((d) => [d, r.key[d] ?? ''])),
    ...Object.fromEntries(COUNTS.map((k) => [k, count(k)])),
    cost_usd: moneyText(r.effective),
    billed_cost_usd: moneyText(r.billed),
    effective_cost_usd: moneyText(r.effective),
    list_cost_usd: moneyText(r.m.list_cost_usd ?? ZERO),
  } as CostRow;
  if (folding) out.other = r.other;
  if (r.line !== undefined) {
    out.reservation = r.line.reservation;
    out.deployment = r.line.deployment;
    if (r.line.kind === 'unused') out.unused_reservation = true;
    else out.reservation_purchase = true;
  }
  return out;
}
