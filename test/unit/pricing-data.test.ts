// The shipped price data: the snapshot is exactly the installed @pydantic/genai-prices package's
// data (a version bump without `npm run prices:snapshot` fails here), it parses whole, and its
// age is warned about after 60 days.
import { readFileSync } from 'node:fs';
import { waitForUpdate } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { projectProviders } from '../../src/pricing/data-file.js';
import {
  MAX_DATA_AGE_DAYS,
  ageWarning,
  bundledDatabase,
  defaultCatalog,
  loadCatalog,
  parseDatabase,
  priceCall,
} from '../../src/pricing/index.js';
import { call } from '../fixtures/pricing/exact.js';

const snapshot = JSON.parse(
  readFileSync(new URL('../../src/pricing/data/genai-prices.json', import.meta.url), 'utf8'),
) as { source: string; version: string; published: string; providers: unknown[] };
const installed = JSON.parse(
  readFileSync(
    new URL('../../node_modules/@pydantic/genai-prices/package.json', import.meta.url),
    'utf8',
  ),
) as { version: string };

describe('bundled price data', () => {
  it('is the installed @pydantic/genai-prices data, version and all', async () => {
    expect(snapshot.source).toBe('@pydantic/genai-prices');
    expect(snapshot.version).toBe(installed.version);
    expect(snapshot.published).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const live = await waitForUpdate();
    expect(snapshot.providers).toEqual(projectProviders(live ?? []));
  });

  it('parses whole: every provider, model, matcher and price', () => {
    const layer = parseDatabase(snapshot.providers, 'snapshot', 'default');
    const models = layer.providers.reduce((n, p) => n + p.models.length, 0);
    expect(layer.providers.length).toBe(snapshot.providers.length);
    expect(models).toBeGreaterThan(1500);
    // Dated price changes and tiers are there to be priced by (not flattened away).
    const entries = layer.providers.flatMap((p) => p.models.map((m) => m.entry));
    expect(entries.filter((e) => e.periods.length > 1).length).toBeGreaterThan(10);
    expect(
      entries.filter((e) => e.periods[0]!.prices.thresholds.length > 0).length,
    ).toBeGreaterThan(50);
  });

  it('names itself in every row: price_version and the entry used', () => {
    const c = defaultCatalog();
    const p = priceCall(
      c,
      call({ provider: 'openai', request_model: 'gpt-4o', input_tokens: 10, output_tokens: 1 }),
    );
    expect(p.price_version).toBe(c.version);
    expect(p.price_version.startsWith(`genai-prices@${snapshot.version}+`)).toBe(true);
    expect(p.price_entry).toBe('openai:gpt-4o');
  });

  it('rejects malformed data naming the provider, model and field', () => {
    const bad =
      (providers: unknown): (() => unknown) =>
      () =>
        parseDatabase(providers, 't', 'refreshed');
    expect(bad({})).toThrow(/list of providers/);
    expect(
      bad([{ id: 'p', models: [{ id: 'm', match: { equals: 'm' }, prices: { input_mtok: -1 } }] }]),
    ).toThrow(/p:m\.prices\.input_mtok: not a non-negative number/);
    expect(bad([{ id: 'p', models: [{ id: 'm', match: { nope: 'm' }, prices: {} }] }])).toThrow(
      /p:m\.match: unknown match operator/,
    );
    expect(
      bad([
        {
          id: 'p',
          models: [
            {
              id: 'm',
              match: { equals: 'm' },
              prices: [{ constraint: { start_date: '2025-13-01' }, prices: {} }],
            },
          ],
        },
      ]),
    ).toThrow(/start_date: not a date/);
    expect(bad([{ id: 'p', models: [] }])).toThrow(/no provider has any priced model/);
  });
});

describe('data age warning', () => {
  const info = bundledDatabase().info;
  const published = Date.parse(info.asOf);
  it(`is silent up to ${MAX_DATA_AGE_DAYS} days and names the age after`, () => {
    expect(ageWarning(info, published + MAX_DATA_AGE_DAYS * 86_400_000)).toBeUndefined();
    const warning = ageWarning(info, published + 75 * 86_400_000);
    expect(warning).toBe(
      `price data genai-prices ${info.version} is 75 days old (as of ${info.asOf.slice(0, 10)}); run 'llm-finops prices refresh' when online`,
    );
  });

  it('is among the catalog warnings the collector logs at start', () => {
    const old = loadCatalog({ now: published + 90 * 86_400_000 });
    expect(old.warnings.some((w) => w.includes('is 90 days old'))).toBe(true);
    expect(loadCatalog({ now: published + 86_400_000 }).warnings).toEqual([]);
  });
});
