// Fuzzing every API parameter: for each GET endpoint of the OpenAPI document, random values for
// each documented query parameter (and unknown ones) must give a 2xx/4xx answer, never a 5xx;
// random JSON bodies to POST endpoints likewise. A 400 names the parameter in words a user
// understands, never in zod's own ("Invalid input: expected string, received undefined").
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

// zod's default wording: a message a person should never see.
const ZOD_WORDING =
  /Invalid input|expected \w+, received|Too (small|big)|Unrecognized key|Invalid (option|string|discriminator)|Invalid URL/;

async function checkAnswer(res: Response, what: string): Promise<void> {
  expect(res.status, what).toBeLessThan(500);
  if (res.status !== 400) {
    await res.arrayBuffer();
    return;
  }
  const body = (await res.json()) as { parameter?: string; message: string };
  expect(body.message, what).not.toMatch(ZOD_WORDING);
  if (body.parameter !== undefined) expect(body.message, what).toContain(body.parameter);
}

describe('API parameter messages', () => {
  it('says what a missing or malformed parameter must be', async () => {
    const get = async (qs: string): Promise<{ parameter: string; message: string }> =>
      (await (await fetch(`${t.apiUrl}/v1/costs?${qs}`)).json()) as {
        parameter: string;
        message: string;
      };
    expect(await get('to=2026-12-01T00:00:00Z')).toEqual({
      error: 'invalid_parameter',
      parameter: 'from',
      message:
        'from is required: the start of the range (inclusive), an ISO-8601 timestamp with a time zone, e.g. 2026-11-01T00:00:00Z',
    });
    const range = 'from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z';
    expect((await get(`${range}&top=abc&group_by=tenant`)).message).toBe(
      'invalid parameter top: must be a number',
    );
    expect((await get(`${range}&interval=15m`)).message).toBe(
      'invalid parameter interval: must be one of: 1h, 1d',
    );
    expect((await get(`${range}&colour=red`)).message).toMatch(
      /^invalid parameter colour: unknown key \(known: from, to, tenant, group_by, interval, top, unused\)$/,
    );
  });
});

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
            await checkAnswer(res, `${path}?${qs}`);
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
          await checkAnswer(res, `${path} ${body.slice(0, 80)}`);
        }),
        { numRuns: 60 },
      );
    }
  }, 120_000);
});
