// `llm-finops prices refresh`: fetched over real HTTP from a local server, validated before it is
// stored, stored so a torn write never prices anything, and picked up by the next catalog load.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bundledDatabase, loadCatalog, priceCall } from '../../src/pricing/index.js';
import { refreshPrices } from '../../src/pricing/refresh.js';
import { call, times, usd } from '../fixtures/pricing/exact.js';

const GENAI = readFileSync(
  new URL('../fixtures/pricing/genai-sample.json', import.meta.url),
  'utf8',
);
/** The sample data with gpt-4o's input price changed, so the refreshed data is recognisable. */
const NEWER = GENAI.replace('"input_mtok": 2.5,', '"input_mtok": 2.75,');
const BUNDLED_AS_OF = Date.parse(bundledDatabase().info.asOf);
const LATER = new Date(BUNDLED_AS_OF + 30 * 86_400_000);

let server: Server;
let base = '';
/** path -> [status, body, headers] */
const routes = new Map<string, [number, string, Record<string, string>]>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const [status, body, headers] = routes.get(req.url ?? '') ?? [404, 'not found', {}];
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

let dataDir = '';
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'prices-refresh-'));
  return () => rmSync(dataDir, { recursive: true, force: true });
});

const gpt4o = (c: ReturnType<typeof loadCatalog>): string =>
  priceCall(c, call({ provider: 'openai', request_model: 'gpt-4o', input_tokens: 1000 }))
    .cost_total;

describe('prices refresh', () => {
  it('stores valid data with its date and hash; the next load prices with it', async () => {
    routes.set('/v2/data.json', [200, NEWER, { 'last-modified': LATER.toUTCString() }]);
    const r = await refreshPrices({ dataDir, url: `${base}/v2/data.json` });
    expect(r.meta).toMatchObject({
      url: `${base}/v2/data.json`,
      as_of: new Date(Math.floor(LATER.getTime() / 1000) * 1000).toISOString(),
      bytes: Buffer.byteLength(NEWER),
      providers: 6,
    });
    expect(r.previous).toBe(`bundled ${bundledDatabase().info.version}`);
    const c = loadCatalog({ dataDir, now: LATER.getTime() });
    expect(c.data).toMatchObject({ name: 'genai-prices', from: `${base}/v2/data.json` });
    expect(c.version).toMatch(
      new RegExp(`^genai-prices@${r.meta.as_of.slice(0, 10)}\\+[0-9a-f]{12}$`),
    );
    expect(gpt4o(c)).toBe(usd(times(1000, '2.75e-6')));
    expect(c.warnings).toEqual([]);
  });

  it('refuses what it cannot use and keeps the data in use', async () => {
    routes.set('/good', [200, NEWER, { 'last-modified': LATER.toUTCString() }]);
    await refreshPrices({ dataDir, url: `${base}/good` });
    const before = readdirSync(join(dataDir, 'prices')).sort();
    const bad: Array<[string, [number, string, Record<string, string>], RegExp]> = [
      ['/500', [500, 'oops', {}], /HTTP 500; nothing changed/],
      ['/html', [200, '<html>', {}], /not valid price data/],
      [
        '/schema',
        [
          200,
          '[{"id":"p","models":[{"id":"m","match":{"equals":"m"},"prices":{"input_mtok":"x"}}]}]',
          {},
        ],
        /p:m\.prices\.input_mtok/,
      ],
      ['/empty', [200, '[]', {}], /no provider has any priced model/],
    ];
    for (const [path, route, error] of bad) {
      routes.set(path, route);
      await expect(refreshPrices({ dataDir, url: `${base}${path}` })).rejects.toThrow(error);
    }
    await expect(refreshPrices({ dataDir, url: `${base}/good`, maxBytes: 100 })).rejects.toThrow(
      /over the 100-byte limit/,
    );
    await expect(
      refreshPrices({ dataDir, url: 'http://127.0.0.1:1/x', timeoutMs: 2000 }),
    ).rejects.toThrow(/fetch failed .*offline\? nothing changed/);
    expect(readdirSync(join(dataDir, 'prices')).sort()).toEqual(before);
    expect(gpt4o(loadCatalog({ dataDir, now: LATER.getTime() }))).toBe(usd(times(1000, '2.75e-6')));
  });

  it('a torn or edited data file is refused at load, with a warning, for the bundled data', async () => {
    routes.set('/good', [200, NEWER, { 'last-modified': LATER.toUTCString() }]);
    const r = await refreshPrices({ dataDir, url: `${base}/good` });
    writeFileSync(join(dataDir, 'prices', r.meta.file), NEWER.slice(0, 500));
    const c = loadCatalog({ dataDir, now: LATER.getTime() });
    expect(c.data.from).toBe(`bundled @pydantic/genai-prices ${bundledDatabase().info.version}`);
    expect(c.warnings.join('\n')).toMatch(
      /refreshed price data under .* is unusable \(.*does not match the sha256/,
    );
  });

  it('data older than the bundled snapshot is not used', async () => {
    const older = new Date(BUNDLED_AS_OF - 86_400_000);
    routes.set('/old', [200, NEWER, { 'last-modified': older.toUTCString() }]);
    await refreshPrices({ dataDir, url: `${base}/old` });
    expect(loadCatalog({ dataDir, now: LATER.getTime() }).data.from).toMatch(/^bundled /);
  });

  it('the CLI command fetches, reports and stores; offline it says so and exits 1', async () => {
    routes.set('/cli', [200, NEWER, { 'last-modified': LATER.toUTCString() }]);
    const run = promisify(execFile);
    const cli = ['--import', 'tsx', 'src/cli.ts', 'prices', 'refresh', '--data-dir', dataDir];
    const ok = await run(process.execPath, [...cli, '--url', `${base}/cli`]);
    expect(ok.stdout).toMatch(/6 providers, \d+ models, \d+ bytes, sha256 [0-9a-f]{12}/);
    expect(readdirSync(join(dataDir, 'prices'))).toContain('genai-prices.meta.json');
    const failed = run(process.execPath, [...cli, '--url', `${base}/missing`]);
    await expect(failed).rejects.toMatchObject({ code: 1 });
    await failed.catch((err: { stderr: string }) =>
      expect(err.stderr).toMatch(/prices refresh: .*HTTP 404; nothing changed/),
    );
  }, 60_000);
});
