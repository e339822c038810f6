// Fuzzing every API parameter: for each GET endpoint of the OpenAPI document, random values for
// each documented query parameter (and unknown ones) must give a 2xx/4xx answer, never a 5xx;
// random JSON bodies to POST endpoints likewise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.js';

let t: TestRuntime;
let doc: { paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>> };

beforeAll(async () => {
  t = await startTestRuntime();
  doc = (await (await fetch(`${t.apiUrl}/v1/openapi.json`)).json()) as typeof doc;
});
afterAll(async () => {
  await t.runtime.stop();
});

const value = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '2026-11-01T00:00:00Z',
    '2026-13-45T99:99:99Z',
    '',
    '0',
    '-1',
    '1e309',
    'NaN',
    'tenant,route,model',
    '1h',
    '1d',
    '15m',
    '999999999999',
  ),
  fc.integer().map(String),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  // The edges of JavaScript's Date range and of ClickHouse DateTime64 (1900..2299), where window
  // arithmetic on a valid timestamp can leave either range.
  fc.constantFrom(
    '-271821-04-20T00:00:00.000Z',
    '+275760-09-13T00:00:00.000Z',
    '1900-01-01T00:00:00Z',
    '1899-12-31T23:59:59Z',
    '2299-12-31T23:59:59.999Z',
    '1970-01-01T00:00:00Z',
  ),
);

describe('API parameter fuzzing', () => {
  it('never answers 5xx on any GET endpoint', async () => {
    const endpoints = Object.entries(doc.paths).flatMap(([path, ops]) =>
      ops.get !== undefined
        ? [
            {
              path,
              params: (ops.get.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
            },
          ]
        : [],
    );
    expect(endpoints.length).toBeGreaterThan(0);
    for (const { path, params } of endpoints) {
      await fc.assert(
        fc.asyncProperty(
          fc.dictionary(fc.constantFrom(...params, 'junk'), value, { maxKeys: params.length + 1 }),
          async (query) => {
            const qs = new URLSearchParams(query).toString();
            const res = await fetch(`${t.apiUrl}${path.replace(/\{[^}]+\}/g, 'x')}?${qs}`);
            await res.arrayBuffer();
            expect(res.status, `${path}?${qs}`).toBeLessThan(500);
          },
        ),
        { numRuns: 40 },
      );
    }
  }, 180_000);

  it('never answers 5xx to random JSON on POST endpoints', async () => {
    const posts = Object.entries(doc.paths)
      .filter(([, ops]) => ops.post !== undefined)
      .map(([path]) => path);
    for (const path of posts) {
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.json(), fc.string()), async (body) => {
          const res = await fetch(`${t.apiUrl}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          await res.arrayBuffer();
          expect(res.status, `${path} ${body.slice(0, 80)}`).toBeLessThan(500);
        }),
        { numRuns: 60 },
      );
    }
  }, 120_000);
});
