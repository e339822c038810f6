// Importing the instrumentation entry must not load chdb, express or @clickhouse/client (a
// service installs it without the embedded database). Checked in a fresh child process: the
// module resolution of the whole import graph is recorded with a module.registerHooks hook.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const probe = fileURLToPath(
  new URL('../fixtures/instrumentation/import-probe.mjs', import.meta.url),
);

function loadedBy(extra: string[]): string[] {
  const out = execFileSync(process.execPath, ['--import', 'tsx', probe, ...extra], {
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '[]') as string[];
}

const FORBIDDEN = [
  /\/node_modules\/chdb\//,
  /\/node_modules\/express\//,
  /\/node_modules\/@clickhouse\/client/,
];

it('loads @opentelemetry/* only, never chdb, express or @clickhouse/client', () => {
  const urls = loadedBy([]);
  expect(urls.some((u) => u.includes('/src/instrumentation/index.ts'))).toBe(true);
  expect(urls.some((u) => u.includes('/node_modules/@opentelemetry/api/'))).toBe(true);
  for (const re of FORBIDDEN) expect(urls.filter((u) => re.test(u))).toEqual([]);
  // Nothing of ours besides the instrumentation, shared/semconv and the provider identity lookups
  // and table (which import only semconv; provider-identity.test.ts checks that).
  const ours = urls.filter((u) => u.includes('/src/') && !u.includes('/node_modules/'));
  expect(
    ours.filter(
      (u) =>
        !u.includes('/src/instrumentation/') &&
        !u.endsWith('/src/shared/semconv.ts') &&
        !u.endsWith('/src/shared/provider-identity.ts') &&
        !u.endsWith('/src/shared/provider-table.ts'),
    ),
  ).toEqual([]);
  expect(urls.some((u) => /\/node_modules\/(openai|@anthropic-ai)\//.test(u))).toBe(false);
});

it('the probe does see express when it is imported (control)', () => {
  const urls = loadedBy(['express']);
  expect(urls.some((u) => FORBIDDEN[1]?.test(u))).toBe(true);
});
