// /v1/costs rows from cost-model lines: usage lines (on-demand and covered) merged per bucket and
// group, the top N groups by effective cost kept and the rest folded into one exact `other` row
// per bucket, then the reservation rows (purchase, unused) per bucket, never folded. Ordered by
// bucket, effective cost (descending), then dimension values. Everything here is BigInt smallest
// units (the lines' own), turned into text once per row: a decimal object per merged measure was
// a fifth of a month-by-tenant question's JavaScript.
import { UNIT, unitsText } from '../../shared/money.js';
import { groupId } from './cost-model-read.js';
import type { CostLine } from './cost-model.js';
import type { CostQuery, CostRow } from './costs.js';

interface Merged {
  bucket: number | undefined;
  key: Record<string, string>;
  id: string;
  /** Measures in units, in the lines' measure order. */
  mu: bigint[];
  billed: bigint;
  effective: bigint;
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

const cmpUnits = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/** Group ids of the `top` groups by effective cost over the whole range (ties: by key). */
function topGroups(usage: readonly CostLine[], top: number): Set<string> {
  const byGroup = new Map<string, { id: string; effective: bigint }>();
  for (const l of usage) {
    const id = groupId(l.key);
    const acc = byGroup.get(id);
    if (acc === undefined) byGroup.set(id, { id, effective: l.effectiveUnits });
    else acc.effective += l.effectiveUnits;
  }
  return new Set(
    [...byGroup.values()]
      .sort((a, b) => cmpUnits(b.effective, a.effective) || a.id.localeCompare(b.id))
      .slice(0, Math.trunc(top))
      .map((g) => g.id),
  );
}

function mergeUsage(usage: readonly CostLine[], q: CostQuery, keep: Set<string> | undefined) {
  const merged = new Map<string, Merged>();
  const otherKey = Object.fromEntries(q.groupBy.map((d) => [d, '(other)']));
  for (const l of usage) {
    const other = keep !== undefined && !keep.has(groupId(l.key));
    const key = other ? otherKey : l.key;
    const gid = groupId(key);
    const id = `${l.bucket ?? ''}|${other}|${gid}`;
    const acc = merged.get(id);
    if (acc === undefined) {
      const mu = l.hasM ? [...l.mu] : l.names.map(() => 0n);
      const { bucket, billedUnits: billed, effectiveUnits: effective } = l;
      merged.set(id, { bucket, key, id: gid, mu, billed, effective, other });
      continue;
    }
    if (l.hasM)
      for (let i = 0; i < acc.mu.length; i++) acc.mu[i] = (acc.mu[i] ?? 0n) + (l.mu[i] ?? 0n);
    acc.billed += l.billedUnits;
    acc.effective += l.effectiveUnits;
  }
  return merged;
}

export function costRows(lines: readonly CostLine[], q: CostQuery): CostRow[] {
  const usage = lines.filter((l) => l.kind === 'usage');
  const folding = q.top !== undefined && q.groupBy.length > 0;
  const keep = folding ? topGroups(usage, q.top ?? 0) : undefined;
  const merged = mergeUsage(usage, q, keep);
  const names = lines[0]?.names ?? [];
  const grouped = q.groupBy.length > 0 || q.bucket !== undefined;
  // A question with no group keys or buckets always answers one usage row, even when nothing matched.
  if (!grouped && merged.size === 0)
    merged.set('', {
      bucket: undefined,
      key: {},
      id: '{}',
      mu: [],
      billed: 0n,
      effective: 0n,
      other: false,
    });
  const rows = [...merged.values()].sort(
    (a, b) =>
      (a.bucket ?? 0) - (b.bucket ?? 0) ||
      Number(a.other) - Number(b.other) ||
      cmpUnits(b.effective, a.effective) ||
      a.id.localeCompare(b.id),
  );
  const reservation = lines
    .filter((l) => l.kind !== 'usage')
    .sort(
      (a, b) =>
        (a.bucket ?? 0) - (b.bucket ?? 0) ||
        a.reservation.localeCompare(b.reservation) ||
        a.kind.localeCompare(b.kind),
    )
    .map((l): Merged => ({
      bucket: l.bucket,
      key: l.key,
      id: '',
      mu: l.hasM ? l.mu : [],
      billed: l.billedUnits,
      effective: l.effectiveUnits,
      other: false,
      line: l,
    }));
  const all = [...rows, ...reservation].sort((a, b) => (a.bucket ?? 0) - (b.bucket ?? 0));
  const index = new Map(names.map((n, i) => [n, i]));
  return all.map((r) => toRow(r, q, folding, index));
}

function toRow(
  r: Merged,
  q: CostQuery,
  folding: boolean,
  index: ReadonlyMap<string, number>,
): CostRow {
  const units = (k: string): bigint => r.mu[index.get(k) ?? -1] ?? 0n;
  // Counts are whole: units / 10^18 exactly.
  const count = (k: string): number => Number(units(k) / UNIT);
  const out = {
    ...(q.bucket !== undefined ? { bucket: iso(r.bucket ?? 0) } : {}),
    ...Object.fromEntries(q.groupBy.map((d) => [d, r.key[d] ?? ''])),
    ...Object.fromEntries(COUNTS.map((k) => [k, count(k)])),
    cost_usd: unitsText(r.effective),
    billed_cost_usd: unitsText(r.billed),
    effective_cost_usd: unitsText(r.effective),
    list_cost_usd: unitsText(units('list_cost_usd')),
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
