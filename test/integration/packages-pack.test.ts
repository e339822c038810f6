// The light packages as a user consumes them: `npm pack` both workspaces (their prepack builds
// them), install the tarballs in a fresh directory outside the repository together with the real
// provider SDKs from the npm registry, then check what got installed (no chdb, express,
// @clickhouse/client; the routing client has no dependencies), that the published types accept
// the real SDK clients, and that a consumer script tracing OpenAI, Anthropic, Gemini and Bedrock
// calls delivers them to a real collector, priced and attributed.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import type { MockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import { eventually, getJson, startTestRuntime } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = fileURLToPath(new URL('../fixtures/packages/', import.meta.url));
const FORBIDDEN = ['chdb', 'express', '@clickhouse/client'];
/** The provider SDKs at the versions this repository tests with (exact: reproducible, cached). */
const SDKS = ['openai', '@anthropic-ai/sdk', '@google/genai', '@aws-sdk/client-bedrock-runtime'];

let work: string;
let consumer: string;
let tarballs: { instrumentation: PackResult; routingClient: PackResult };

interface PackResult {
  name: string;
  filename: string;
  files: { path: string }[];
}

const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function installedVersion(pkg: string): string {
  const file = join(root, 'node_modules', pkg, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

interface LsNode {
  dependencies?: Record<string, LsNode>;
}

function allNames(tree: LsNode, out = new Set<string>()): Set<string> {
  for (const [name, child] of Object.entries(tree.dependencies ?? {})) {
    out.add(name);
    allNames(child, out);
  }
  return out;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'llm-finops-pack-'));
  const packed = JSON.parse(
    npm(
      [
        'pack',
        '--json',
        '-w',
        'src/instrumentation',
        '-w',
        'src/routing-client',
        '--pack-destination',
        work,
      ],
      root,
    ),
  ) as PackResult[];
  const byName = (n: string) => packed.find((p) => p.name === n) as PackResult;
  tarballs = {
    instrumentation: byName('@llm-finops/instrumentation'),
    routingClient: byName('@llm-finops/routing-client'),
  };
  consumer = join(work, 'consumer');
  execFileSync('mkdir', ['-p', consumer]);
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  npm(
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      join(work, tarballs.instrumentation.filename),
      join(work, tarballs.routingClient.filename),
      ...SDKS.map((s) => `${s}@${installedVersion(s)}`),
    ],
    consumer,
  );
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

it('each tarball holds its built dist (shared constants included), README and CHANGELOG', () => {
  const files = (p: PackResult) => p.files.map((f) => f.path).sort();
  const inst = files(tarballs.instrumentation);
  for (const f of [
    'package.json',
    'README.md',
    'CHANGELOG.md',
    'dist/instrumentation/index.js',
    'dist/instrumentation/index.d.ts',
    'dist/instrumentation/bedrock.js',
    'dist/instrumentation/google-genai.js',
    'dist/shared/semconv.js',
  ])
    expect(inst).toContain(f);
  // Built output only: no TypeScript sources, no tests, nothing of the server.
  expect(inst.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  expect(inst.filter((f) => /collector|analytics|storage|pricing/.test(f))).toEqual([]);
  const rc = files(tarballs.routingClient);
  expect(rc).toContain('dist/routing-client/index.js');
  expect(rc).toContain('README.md');
});

it('installs no server dependency; the routing client none at all', () => {
  const tree = JSON.parse(npm(['ls', '--all', '--json'], consumer)) as LsNode;
  const names = allNames(tree);
  for (const f of FORBIDDEN) expect(names.has(f), f).toBe(false);
  const inst = tree.dependencies?.['@llm-finops/instrumentation'];
  expect(inst).toBeDefined();
  const own = [...allNames(inst ?? {})];
  expect(own.filter((n) => !n.startsWith('@opentelemetry/'))).toEqual([]);
  expect(names.has('@opentelemetry/api')).toBe(true); // the peer, installed by npm
  expect(allNames(tree.dependencies?.['@llm-finops/routing-client'] ?? {}).size).toBe(0);
});

it('the published types accept the real SDK clients', () => {
  copyFileSync(join(fixtures, 'consumer-types.ts.txt'), join(consumer, 'consumer-types.ts'));
  writeFileSync(
    join(consumer, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2023',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(root, 'node_modules/@types')],
      },
      files: ['consumer-types.ts'],
    }),
  );
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const out = (() => {
    try {
      return execFileSync(process.execPath, [tsc, '-p', consumer], { encoding: 'utf8' });
    } catch (err) {
      return String((err as { stdout?: string }).stdout ?? err);
    }
  })();
  expect(out).toBe('');
}, 120_000);

it('a consumer traces OpenAI, Anthropic, Gemini and Bedrock calls; they arrive priced and attributed', async () => {
  let rt: TestRuntime | undefined;
  let mock: MockLlmServer | undefined;
  try {
    rt = await startTestRuntime({ pricing: { prices_file: undefined } });
    mock = await startMockLlmServer();
    copyFileSync(join(fixtures, 'consumer.mjs'), join(consumer, 'consumer.mjs'));
    const out = await new Promise<string>((resolve, reject) => {
      const args = ['consumer.mjs', mock?.url ?? '', mock?.h2cURL ?? '', rt?.otlpUrl ?? ''];
      // Asynchronous: the collector and the mock run in this process.
      import('node:child_process')
        .then(({ execFile }) =>
          execFile(process.execPath, args, { cwd: consumer }, (err, stdout, stderr) =>
            err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
          ),
        )
        .catch(reject);
    });
    const loaded = JSON.parse(out.trim().split('\n').at(-1) ?? '[]') as string[];
    expect(loaded.some((u) => u.includes('/node_modules/@llm-finops/instrumentation/dist/'))).toBe(
      true,
    );
    expect(loaded.filter((u) => u.startsWith(`file://${root}`))).toEqual([]); // nothing from the repo
    for (const f of FORBIDDEN)
      expect(loaded.filter((u) => u.includes(`/node_modules/${f}/`))).toEqual([]);

    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    type Row = Record<string, string | number>;
    const res = await eventually(
      () =>
        getJson<{ rows: Row[] }>(
          `${rt?.apiUrl}/v1/costs?from=${from}&to=${to}&tenant=pack-co&group_by=provider,route,feature`,
        ),
      (r) => r.body.rows.reduce((n, row) => n + Number(row['calls']), 0) >= 4,
    );
    const rows = res.body.rows;
    expect(rows.map((r) => r['provider']).sort()).toEqual([
      'anthropic',
      'aws.bedrock',
      'gcp.gemini',
      'openai',
    ]);
    for (const r of rows) {
      expect(r).toMatchObject({ route: '/consumer', feature: 'pack', calls: 1, unpriced_calls: 0 });
      expect(Number(r['cost_usd'])).toBeGreaterThan(0);
    }
  } finally {
    await mock?.close();
    await rt?.runtime.stop();
  }
}, 120_000);
