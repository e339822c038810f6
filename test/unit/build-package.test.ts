// scripts/build-package.mjs enforces the light packages' dependency rule at build time: emitted
// code may import only Node built-ins and the package's declared dependencies / peers. Checked on
// a throwaway package (under .tmp/, so TypeScript resolves from the repository's node_modules),
// and the instrumentation tracer reports its package's version.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { TRACER_VERSION } from '../../src/instrumentation/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
mkdirSync(join(root, '.tmp'), { recursive: true });
const dir = mkdtempSync(join(root, '.tmp', 'build-package-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function build(source: string, dependencies: Record<string, string> = {}) {
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'probe', type: 'module', dependencies }),
  );
  writeFileSync(
    join(dir, 'tsconfig.build.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2023',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        outDir: 'dist',
        rootDir: '.',
        types: ['node'],
        skipLibCheck: true,
      },
      include: ['*.ts'],
    }),
  );
  writeFileSync(join(dir, 'index.ts'), source);
  try {
    execFileSync(process.execPath, [join(root, 'scripts/build-package.mjs')], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { ok: true, stderr: '' };
  } catch (err) {
    return { ok: false, stderr: String((err as { stderr?: string }).stderr) };
  }
}

it('fails the build on an import that is not a declared dependency, naming it', () => {
  const r = build("import { z } from 'zod';\nexport const schema = z.string();\n");
  expect(r.ok).toBe(false);
  expect(r.stderr).toContain("imports 'zod', not a declared dependency");
}, 60_000);

it('passes with built-ins and declared dependencies only', () => {
  const r = build(
    "import { readFileSync } from 'node:fs';\nimport { z } from 'zod';\nexport const f = [readFileSync, z];\n",
    { zod: '*' },
  );
  expect(r).toEqual({ ok: true, stderr: '' });
}, 60_000);

it('the tracer version is the package version', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'src/instrumentation/package.json'), 'utf8')) as {
    version: string;
  };
  expect(TRACER_VERSION).toBe(pkg.version);
});
