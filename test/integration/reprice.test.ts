// `reprice` on real parts: calls go through the real collector into embedded chDB priced with an
// old overlay (one model unpriced), then are re-priced in place with a new overlay. The dry run
// writes nothing; the real run changes /v1/costs and every cost rollup exactly once, keeps the
// calls outside the range as they were, records the price version used on each row, and a second
// run (or one after a run cut short left a duplicate row) changes nothing more. Expected amounts
// come from the independent BigInt reference (test/fixtures/pricing/exact.ts).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog, createRepricer, type PriceCatalog } from '../../src/pricing/index.js';
import { FINOPS, GEN_AI } from '../../src/shared/semconv.js';
import { repriceRange, type RepriceResult } from '../../src/storage/reprice.js';
import { familyMeasures } from '../../src/storage/catalog/catalog.js';
import { tablesToRebuild } from '../../src/storage/rollup-rebuild.js';
import { atto, times, usd } from '../fixtures/pricing/exact.js';
import { postJson, requestJson, spanJson } from '../helpers/otlp.js';
import {
  committed,
  eventually,
  getJson,
  startTestRuntime,
  type TestRuntime,
} from '../helpers/runtime.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const D = Math.floor(Date.now() / DAY) * DAY;
const ALPHA = 'zz-reprice-alpha';
const BETA = 'zz-reprice-beta';
const OLD = { alphaIn: '1e-6', alphaOut: '2e-6' };
const NEW = { alphaIn: '1.5e-6', alphaOut: '2e-6', betaIn: '3e-6', betaOut: '4e-6' };

function overlay(entries: Record<string, [string, string]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'llm-finops-reprice-'));
  const file = join(dir, 'prices.json');
  const body: Record<string, unknown> = {};
  for (const [model, [i, o]] of Object.entries(entries))
    body[model] = {
      litellm_provider: 'openai',
      mode: 'chat',
      input_cost_per_token: Number(i),
      output_cost_per_token: Number(o),
    };
  writeFileSync(file, JSON.stringify(body));
  return file;
}

// [model, start, input, output]; the range re-priced is [D-3 09:00, D-1 00:00).
const CALLS: [string, number, number, number][] = [
  [ALPHA, D - 3 * DAY + 10 * HOUR, 1000, 100],
  [ALPHA, D - 3 * DAY + 23.5 * HOUR, 1000, 100],
  [ALPHA, D - 2 * DAY + 1.25 * HOUR, 1000, 100],
  [ALPHA, D - 2 * DAY + 12 * HOUR, 1000, 100],
  [BETA, D - 3 * DAY + 11 * HOUR, 2000, 500],
  [BETA, D - 2 * DAY + 2 * HOUR, 2000, 500],
  // Outside the range on both sides: keep their old price.
  [ALPHA, D - 3 * DAY + 8 * HOUR, 1000, 100],
  [ALPHA, D - DAY + 5 * HOUR, 1000, 100],
];
const RANGE = { from: new Date(D - 3 * DAY + 9 * HOUR), to: new Date(D - DAY) };

const alphaOld = times(1000, OLD.alphaIn) + times(100, OLD.alphaOut);
const alphaNew = times(1000, NEW.alphaIn) + times(100, NEW.alphaOut);
const betaNew = times(2000, NEW.betaIn) + times(500, NEW.betaOut);
const wantDelta = 4n * (alphaNew - alphaOld) + 2n * betaNew;

let t: TestRuntime;
let next: PriceCatalog;
let oldVersion = '';

beforeAll(async () => {
  t = await startTestRuntime({
    pricing: { prices_file: overlay({ [ALPHA]: [OLD.alphaIn, OLD.alphaOut] }) },
  });
  next = loadCatalog({
    pricesFile: overlay({
      [ALPHA]: [NEW.alphaIn, NEW.alphaOut],
      [BETA]: [NEW.betaIn, NEW.betaOut],
    }),
  });
  const spans = CALLS.map(([model, startMs, input, output]) =>
    spanJson({
      startMs,
      name: `chat ${model}`,
      attributes: {
        [GEN_AI.OPERATION_NAME]: 'chat',
        [GEN_AI.PROVIDER_NAME]: 'openai',
        [GEN_AI.REQUEST_MODEL]: model,
        [GEN_AI.USAGE_INPUT_TOKENS]: input,
        [GEN_AI.USAGE_OUTPUT_TOKENS]: output,
        [FINOPS.TENANT]: 'rp',
      },
    }),
  );
  expect((await postJson(t.otlpUrl, requestJson(spans))).status).toBe(200);
  await eventually(
    () => t.runtime.storage.query(`SELECT call_id FROM llm_calls`),
    (r) => r.length === CALLS.length,
  );
  // Re-pricing rebuilds the rollups of the calls' hours: their insert's views must be in first.
  await committed(t);
  const [row] = await t.runtime.storage.query<{ v: string }>(
    `SELECT any(price_version) AS v FROM llm_calls`,
  );
  oldVersion = row?.v ?? '';
});
afterAll(async () => t.runtime.stop());

const reprice = (dryRun: boolean): Promise<RepriceResult> =>
  repriceRange(t.runtime.storage, { ...RANGE, dryRun, price: createRepricer(next) });

/** /v1/costs over whole days (read from the daily and hourly rollups) by model. */
async function costsByModel(): Promise<Record<string, { cost: string; unpriced: number }>> {
  const from = new Date(D - 4 * DAY).toISOString();
  const to = new Date(D).toISOString();
  const res = await getJson<{
    rows: { model: string; cost_usd: string; unpriced_calls: number }[];
  }>(`${t.apiUrl}/v1/costs?from=${from}&to=${to}&group_by=model`);
  expect(res.status).toBe(200);
  return Object.fromEntries(
    res.body.rows.map((r) => [
      r.model,
      { cost: usd(atto(r.cost_usd)), unpriced: r.unpriced_calls },
    ]),
  );
}

/** The raw sum and the sum every rebuilt rollup holds, each as exact text. */
async function sums(): Promise<Record<string, string>> {
  const q = async (sql: string): Promise<string> =>
    usd(
      atto(
        String(
          Object.values((await t.runtime.storage.query<Record<string, string>>(sql))[0] ?? {})[0],
        ),
      ),
    );
  const out: Record<string, string> = {
    raw: await q(`SELECT toString(sum(cost_total)) FROM llm_calls`),
  };
  for (const { table, family } of tablesToRebuild()) {
    const names = familyMeasures(family).map(([name]) => name);
    const measure = ['cost_total', 'spend'].find((m) => names.includes(m));
    // A table that holds no cost (ttft_drift) is rebuilt because it cascades from one that
    // does; it must come back with its counts, not doubled: cascadesKeepCounts.
    if (measure === undefined) continue;
    out[table.name] = await q(`SELECT toString(sum(${measure})) FROM ${table.name}`);
  }
  return out;
}

/** Every rebuilt table without cost holds as many attempts as the table it cascades from. */
async function cascadesKeepCounts(): Promise<void> {
  const sum = async (table: string): Promise<string> =>
    String(
      (
        await t.runtime.storage.query<{ n: string }>(
          `SELECT toString(sum(attempts)) AS n FROM ${table}`,
        )
      )[0]?.n,
    );
  const costless = tablesToRebuild().filter(({ family }) => {
    const names = familyMeasures(family).map(([name]) => name);
    return !names.includes('cost_total') && !names.includes('spend');
  });
  expect(costless.length).toBeGreaterThan(0);
  for (const { table } of costless) {
    const n = await sum(table.name);
    expect(n, table.name).toBe(await sum(table.from));
    expect(Number(n), table.name).toBeGreaterThan(0);
  }
}

const everyTableHolds = (s: Record<string, string>, amount: string): void => {
  for (const [name, v] of Object.entries(s)) expect(v, name).toBe(amount);
};

describe('llm-finops reprice', () => {
  const before = { alpha: usd(6n * alphaOld), beta: '0' };
  const after = { alpha: usd(2n * alphaOld + 4n * alphaNew), beta: usd(2n * betaNew) };

  it('stored the calls with the old overlay: beta unpriced', async () => {
    const byModel = await costsByModel();
    expect(byModel[ALPHA]).toEqual({ cost: before.alpha, unpriced: 0 });
    expect(byModel[BETA]).toEqual({ cost: '0', unpriced: 2 });
    everyTableHolds(await sums(), before.alpha);
  });

  it('a dry run prints the counts and the delta and writes nothing', async () => {
    const r = await reprice(true);
    expect(r).toMatchObject({
      calls: 6,
      changed: 6,
      newlyPriced: 2,
      stillUnpriced: 0,
      duplicates: 0,
    });
    expect(r.delta).toBe(usd(wantDelta));
    expect(r.rebuilt).toEqual([]);
    everyTableHolds(await sums(), before.alpha);
    const [n] = await t.runtime.storage.query<{ n: string }>(`SELECT count() AS n FROM llm_calls`);
    expect(n?.n).toBe(String(CALLS.length));
  });

  it('re-prices the range: /v1/costs and every cost rollup change by the delta, once', async () => {
    const r = await reprice(false);
    expect(r).toMatchObject({ calls: 6, changed: 6, newlyPriced: 2, stillUnpriced: 0 });
    expect(r.delta).toBe(usd(wantDelta));
    expect(r.rebuilt).toEqual(
      expect.arrayContaining(['llm_costs_tenant_1h', 'llm_costs_tenant_1d']),
    );
    expect(await costsByModel()).toEqual({
      [ALPHA]: { cost: after.alpha, unpriced: 0 },
      [BETA]: { cost: after.beta, unpriced: 0 },
    });
    everyTableHolds(await sums(), usd(2n * alphaOld + 4n * alphaNew + 2n * betaNew));
    await cascadesKeepCounts();
  });

  it('keeps one row per call, the new price version in range and the old one outside', async () => {
    const rows = await t.runtime.storage.query<{
      v: string;
      n: string;
      ids: string;
      unpriced: string;
    }>(
      `SELECT price_version AS v, count() AS n, uniqExact(call_id) AS ids,
              countIf(has(warnings, 'unpriced_model')) AS unpriced
         FROM llm_calls GROUP BY v ORDER BY n`,
    );
    expect(rows).toEqual([
      { v: oldVersion, n: '2', ids: '2', unpriced: '0' },
      { v: next.version, n: '6', ids: '6', unpriced: '0' },
    ]);
    expect(next.version).not.toBe(oldVersion);
  });

  it('a second run changes nothing, and a duplicate a cut-short run left is collapsed', async () => {
    const again = await reprice(false);
    expect(again).toMatchObject({
      calls: 6,
      changed: 0,
      newlyPriced: 0,
      duplicates: 0,
      delta: '0',
    });
    expect(again.rebuilt).toEqual([]);
    // A rollup that disagrees with llm_calls for the range (a run cut short before its rebuild)
    // is rebuilt even when no price changed.
    await t.runtime.storage.command(
      `INSERT INTO llm_costs_tenant_1d (day, tenant, calls, cost_total)
         VALUES (toDateTime({day:UInt32}, 'UTC'), 'rp', 1, 1)`,
      { day: (D - 2 * DAY) / 1000 },
    );
    const healed = await reprice(false);
    expect(healed).toMatchObject({ changed: 0, delta: '0' });
    expect(healed.rebuilt).toContain('llm_costs_tenant_1d');
    everyTableHolds(await sums(), usd(2n * alphaOld + 4n * alphaNew + 2n * betaNew));
    // A run cut short after its insert leaves the older row of a call next to the new one.
    await t.runtime.storage.command(
      `INSERT INTO llm_calls SELECT * REPLACE (cost_total * 2 AS cost_total, now64(3) - INTERVAL 1 DAY AS ingested_at)
         FROM llm_calls WHERE model = '${BETA}' LIMIT 1`,
    );
    const collapsed = await reprice(false);
    expect(collapsed).toMatchObject({ changed: 0, duplicates: 1, delta: '0' });
    const [n] = await t.runtime.storage.query<{ n: string }>(`SELECT count() AS n FROM llm_calls`);
    expect(n?.n).toBe(String(CALLS.length));
    everyTableHolds(await sums(), usd(2n * alphaOld + 4n * alphaNew + 2n * betaNew));
    expect(await costsByModel()).toEqual({
      [ALPHA]: { cost: after.alpha, unpriced: 0 },
      [BETA]: { cost: after.beta, unpriced: 0 },
    });
    // Three re-price runs, each rebuilding rollups: 27 s seen on a loaded 2-core machine.
  }, 90_000);

  it('leaves a row whose stored parts do not sum to its total (written before 0032) as it is', async () => {
    // Before migration 0032 the writer dropped the 1h-write, audio, image and web-search counts
    // and cost parts while cost_total kept them: re-pricing such a row would drop those parts.
    await t.runtime.storage.command(
      `INSERT INTO llm_calls SELECT * REPLACE (concat(call_id, '-pre0032') AS call_id,
              cost_total + toDecimal128('0.5', 18) AS cost_total)
         FROM llm_calls WHERE model = '${ALPHA}' AND start_time >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')
        ORDER BY start_time LIMIT 1`,
      { from: RANGE.from.getTime() },
    );
    const dry = await reprice(true);
    expect(dry).toMatchObject({ calls: 7, changed: 0, partsMissing: 1, delta: '0' });
    const real = await reprice(false);
    expect(real).toMatchObject({ changed: 0, partsMissing: 1, delta: '0' });
    const [row] = await t.runtime.storage.query<{ total: string }>(
      `SELECT toString(cost_total) AS total FROM llm_calls WHERE endsWith(call_id, '-pre0032')`,
    );
    expect(usd(atto(row?.total ?? ''))).toBe(usd(alphaNew + atto('0.5')));
  });
});
