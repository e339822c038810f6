// /v1/outcomes/spend links calls to outcomes in one read of the candidate calls and sums from the
// links (outcomes-spend.ts): checked here against the linking rule computed in JavaScript from
// the stored rows (outcomes-spend.ts's header states it), on seeded random calls and outcomes of
// two tenants and tenant-less outcomes, traces and conversations shared at random, calls at and
// across the conversation window's edges, non-billable kinds, unpriced and incomplete calls,
// and a call stored twice. Every count and every Decimal sum must equal the oracle's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryOutcomeSpend } from '../../src/analytics/queries/outcomes-spend.js';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { hourStartMs } from '../helpers/clock.js';
import { mulberry32 } from '../helpers/prng.js';

const HOUR = 3_600_000;
const TO = hourStartMs() - 3 * HOUR;
const FROM = TO - 12 * HOUR;
const WINDOW_H = 6;
const Precise = Decimal.clone({ precision: 80 });

interface Call {
  call_id: string;
  span_name: string;
  trace_id: string;
  conversation_id: string;
  start: number;
  kind: string;
  tenant: string;
  feature: string;
  cost: string;
  priced: boolean;
  incomplete: boolean;
}
interface Outcome {
  id: string;
  time: number;
  success: boolean;
  trace_id: string;
  conversation_id: string;
  tenant: string;
  feature: string;
}

function makeData(seed: number): { calls: Call[]; outcomes: Outcome[] } {
  const r = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const traces = Array.from({ length: 40 }, (_, i) => `tr-${i}`);
  const convs = Array.from({ length: 25 }, (_, i) => `cv-${i}`);
  const outcomes: Outcome[] = Array.from({ length: 70 }, (_, i) => ({
    id: `o-${i}`,
    // Distinct times, some before `from` and after `to` (not in the question).
    time: FROM - HOUR + i * 12 * 60_000 + 7,
    success: r() < 0.7,
    trace_id: r() < 0.6 ? pick(traces) : '',
    conversation_id: r() < 0.7 ? pick(convs) : '',
    tenant: pick(['ta', 'tb', '']),
    feature: r() < 0.4 ? pick(['f-own-1', 'f-own-2']) : '',
  }));
  const calls: Call[] = Array.from({ length: 3000 }, (_, i) => ({
    call_id: `c-${i}`,
    span_name: 'chat',
    trace_id: r() < 0.5 ? pick(traces) : '',
    conversation_id: r() < 0.6 ? pick(convs) : '',
    // Distinct start times over [from - window - 1 h, to + 1 h).
    start: FROM - (WINDOW_H + 1) * HOUR + i * 23_000 + 3,
    kind: r() < 0.9 ? pick(['inference', 'embeddings']) : 'tool',
    tenant: pick(['ta', 'tb']),
    feature: pick(['f-1', 'f-2', 'f-3']),
    cost: `${Math.floor(r() * 1000)}.${String(Math.floor(r() * 1e9)).padStart(9, '0')}${String(Math.floor(r() * 1e9)).padStart(9, '0')}`,
    priced: r() < 0.9,
    incomplete: r() < 0.05,
  }));
  // Calls exactly at a conversation window's two edges of an outcome in the range.
  const o = outcomes.find(
    (x) => x.conversation_id !== '' && x.time > FROM + HOUR && x.tenant !== '',
  )!;
  for (const [k, at] of [
    o.time,
    o.time - WINDOW_H * HOUR,
    o.time + 1,
    o.time - WINDOW_H * HOUR - 1,
  ].entries())
    calls.push({
      ...calls[0]!,
      call_id: `edge-${k}`,
      trace_id: '',
      conversation_id: o.conversation_id,
      start: at,
      kind: 'inference',
      tenant: o.tenant,
    });
  // One call stored twice (a re-sent span after the duplicate filter forgot it): two rows.
  const inQ = outcomes.filter((x) => x.time >= FROM && x.time < TO);
  const linked = calls.find(
    (c) =>
      c.trace_id !== '' &&
      c.start >= FROM &&
      c.kind === 'inference' &&
      linkOf(c, inQ) !== undefined,
  )!;
  calls.push({ ...linked, span_name: 'chat-again' });
  return { calls, outcomes };
}

/** The rule, row by row: the outcome a stored call row belongs to, or undefined. */
function linkOf(c: Call, outcomes: Outcome[]): Outcome | undefined {
  let best: [number, number, Outcome] | undefined;
  for (const o of outcomes) {
    if (o.tenant !== '' && o.tenant !== c.tenant) continue;
    const byTrace = c.trace_id !== '' && c.trace_id === o.trace_id;
    const byConv =
      c.conversation_id !== '' &&
      c.conversation_id === o.conversation_id &&
      c.start <= o.time &&
      c.start >= o.time - WINDOW_H * HOUR;
    if (!byTrace && !byConv) continue;
    const key: [number, number, Outcome] = [byTrace ? 0 : 1, o.time, o];
    if (best === undefined || key[0] < best[0] || (key[0] === best[0] && key[1] < best[1]))
      best = key;
  }
  return best?.[2];
}

function oracle(calls: Call[], outcomes: Outcome[], from = FROM, to = TO, tenant?: string) {
  const inQ = outcomes.filter(
    (o) => o.time >= from && o.time < to && (tenant === undefined || o.tenant === tenant),
  );
  const billable = calls.filter(
    (c) =>
      c.kind !== 'tool' &&
      c.start >= from - WINDOW_H * HOUR &&
      c.start < to &&
      (tenant === undefined || c.tenant === tenant),
  );
  const per = new Map<Outcome, Call[]>(inQ.map((o) => [o, []]));
  const linked = new Set<Call>();
  for (const c of billable) {
    const o = linkOf(c, inQ);
    if (o === undefined) continue;
    per.get(o)!.push(c);
    linked.add(c);
  }
  const groups = new Map<
    string,
    {
      outcomes: number;
      ok: number;
      linked: number;
      unpriced: number;
      incomplete: number;
      spend: Decimal;
    }
  >();
  for (const [o, cs] of per) {
    const first = [...cs].sort((a, b) => a.start - b.start)[0];
    const feature = o.feature !== '' ? o.feature : (first?.feature ?? '');
    const g = groups.get(feature) ?? {
      outcomes: 0,
      ok: 0,
      linked: 0,
      unpriced: 0,
      incomplete: 0,
      spend: new Precise(0),
    };
    g.outcomes += 1;
    g.ok += o.success ? 1 : 0;
    g.linked += cs.length;
    g.unpriced += cs.filter((c) => !c.priced).length;
    g.incomplete += cs.filter((c) => c.incomplete).length;
    g.spend = cs.reduce((s, c) => s.plus(c.cost), g.spend);
    groups.set(feature, g);
  }
  const range = billable.filter((c) => c.start >= from);
  const total = (cs: Call[]) => ({
    calls: cs.length,
    spend: cs.reduce((s, c) => s.plus(c.cost), new Precise(0)),
    unpriced: cs.filter((c) => !c.priced).length,
    incomplete: cs.filter((c) => c.incomplete).length,
  });
  return {
    groups,
    total: total(range),
    unlinked: total(range.filter((c) => !linked.has(c))),
    linkedCount: linked.size,
  };
}

let dir: string;
let storage: QueryRunner;
const { calls, outcomes } = makeData(20261204);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outcome-links-once-'));
  storage = await createStorage({ database: 'default', dataDir: dir });
  await migrate(storage, { ttl_days: 400 });
  const iso = (ms: number): string => new Date(ms).toISOString();
  await storage.insert(
    'llm_calls',
    calls.map((c) => ({
      call_id: c.call_id,
      span_name: c.span_name,
      trace_id: c.trace_id,
      conversation_id: c.conversation_id,
      start_time: iso(c.start),
      end_time: iso(c.start + 400),
      kind: c.kind,
      tenant: c.tenant,
      feature: c.feature,
      cost_total: c.cost,
      priced: c.priced,
      usage_incomplete: c.incomplete,
    })),
  );
  await storage.insert(
    'outcomes',
    outcomes.map((o) => outcomeRow(o)),
  );
}, 120_000);

/** An outcome as stored; `ingested_at` orders the versions of one id (the last one counts). */
function outcomeRow(o: Outcome, ingestedAt?: string): Record<string, unknown> {
  return {
    outcome_id: o.id,
    time: new Date(o.time).toISOString(),
    name: 'resolved',
    success: o.success,
    trace_id: o.trace_id,
    conversation_id: o.conversation_id,
    tenant: o.tenant,
    feature: o.feature,
    source: 'api',
    ...(ingestedAt !== undefined ? { ingested_at: ingestedAt } : {}),
  };
}

afterAll(async () => {
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The API's answer for [from, to) (one tenant's when given) equals the oracle's over `os`. */
async function expectRule(
  from: number,
  to: number,
  tenant?: string,
  os: Outcome[] = outcomes,
): Promise<void> {
  const want = oracle(calls, os, from, to, tenant);
  const got = await queryOutcomeSpend(storage, {
    from: new Date(from),
    to: new Date(to),
    windowHours: WINDOW_H,
    groupBy: 'feature',
    tenant,
  });
  const byFeature = new Map(got.rows.map((r) => [String(r.feature), r]));
  expect([...byFeature.keys()].sort()).toEqual([...want.groups.keys()].sort());
  for (const [feature, g] of want.groups) {
    const r = byFeature.get(feature)!;
    expect(
      {
        outcomes: r.outcomes,
        ok: r.successful_outcomes,
        linked: r.linked_calls,
        unpriced: r.unpriced_calls,
        incomplete: r.usage_incomplete_calls,
      },
      feature,
    ).toEqual({
      outcomes: g.outcomes,
      ok: g.ok,
      linked: g.linked,
      unpriced: g.unpriced,
      incomplete: g.incomplete,
    });
    expect(
      new Precise(r.spend_usd).eq(g.spend),
      `${feature}: ${r.spend_usd} vs ${g.spend.toFixed()}`,
    ).toBe(true);
  }
  for (const [name, part] of [
    ['total', got.total],
    ['unlinked', got.unlinked],
  ] as const) {
    const w = want[name];
    expect(
      {
        calls: part.calls,
        unpriced: part.unpriced_calls,
        incomplete: part.usage_incomplete_calls,
      },
      name,
    ).toEqual({
      calls: w.calls,
      unpriced: w.unpriced,
      incomplete: w.incomplete,
    });
    expect(
      new Precise(part.spend_usd).eq(w.spend),
      `${name}: ${part.spend_usd} vs ${w.spend.toFixed()}`,
    ).toBe(true);
  }
}

describe('spend per outcome: links read once, sums from the links', () => {
  it('stores the twice-sent call as two rows (the case is real)', async () => {
    const dup = calls[calls.length - 1]!;
    const [row] = await storage.query(
      `SELECT count() AS n FROM llm_calls WHERE call_id = '${dup.call_id}'`,
    );
    expect(Number(row?.n)).toBe(2);
  });

  it('equals the rule computed from the stored rows, group by group, to the last digit', async () => {
    const want = oracle(calls, outcomes);
    expect(want.linkedCount).toBeGreaterThan(100);
    expect(want.groups.size).toBeGreaterThan(2);
    await expectRule(FROM, TO);
  });

  // Without reservations the totals come from the cost rollups (whole hours) and llm_calls (the
  // partial hours at either end, a small tenant's scope): ranges off the hour and a tenant's.
  it('equals the rule for a range off the hour and for one tenant', async () => {
    const from = FROM + 17 * 60_000 + 3;
    const to = TO - 23 * 60_000;
    expect(oracle(calls, outcomes, from, to).linkedCount).toBeGreaterThan(50);
    await expectRule(from, to);
    await expectRule(from, to, 'ta');
    await expectRule(FROM, TO, 'tb');
  });

  // Outcomes are read with FINAL (the last version of an id counts); the candidate calls are
  // found from every stored version's keys. Re-sent versions that change an outcome's trace, move
  // one out of the range and another into it must link exactly what the last versions link.
  it('links what the last version of a re-sent outcome links, not an older one', async () => {
    const inRange = (o: Outcome) => o.time >= FROM && o.time < TO;
    const a = outcomes.find((o) => inRange(o) && o.trace_id !== '')!;
    const b = outcomes.find((o) => inRange(o) && o !== a && o.trace_id !== '')!;
    const c = outcomes.find((o) => o.time < FROM && o.tenant !== '')!;
    const otherTrace = calls.find((x) => x.trace_id !== '' && x.trace_id !== a.trace_id)!.trace_id;
    const resent: Outcome[] = [
      { ...a, trace_id: otherTrace },
      { ...b, time: TO + HOUR },
      { ...c, time: FROM + 2 * HOUR + 11, conversation_id: 'cv-3' },
    ];
    const later = new Date(Date.now() + 60_000).toISOString();
    await storage.insert(
      'outcomes',
      resent.map((o) => outcomeRow(o, later)),
    );
    const latest = outcomes.map((o) => resent.find((r) => r.id === o.id) ?? o);
    // The change is visible in the rule's own answer: the old versions would link otherwise.
    expect(oracle(calls, latest).linkedCount).not.toBe(oracle(calls, outcomes).linkedCount);
    await expectRule(FROM, TO, undefined, latest);
    await expectRule(FROM, TO, c.tenant, latest);
  });
});
