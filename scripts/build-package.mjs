#!/usr/bin/env node
// Builds one workspace package (run from its folder by its `build` / `prepack` script): cleans
// dist/, compiles the package with its tsconfig.build.json (tsc also compiles the src/shared
// modules it imports, e.g. the semconv constants, into dist/shared/, so the packed folder is
// self-contained), then checks what was emitted: every relative import must stay inside dist/
// and every bare import must be a Node built-in or a declared dependency / peer dependency.
// A server module pulled in by mistake (zod, chdb, express...) fails the build, not a user.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';

const pkgDir = process.cwd();
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const dist = join(pkgDir, 'dist');
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(join(pkgDir, 'package.json')).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

const allowed = new Set([
  ...Object.keys(pkg.dependencies ?? {}),
  ...Object.keys(pkg.peerDependencies ?? {}),
]);
const builtins = new Set(builtinModules);
// `import x from 'a'`, `export { y } from 'b'`, `import 'c'`, `import('d')` (also in .d.ts files).
const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*\(?\s*['"]([^'"]+)['"]/g;

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

const problems = [];
for (const file of files(dist).filter((f) => /\.(js|d\.ts)$/.test(f))) {
  for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    const where = relative(pkgDir, file);
    if (spec.startsWith('.')) {
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(dist)) problems.push(`${where}: '${spec}' leaves dist/`);
      continue;
    }
    const bare = spec.startsWith('node:') ? spec.slice(5) : spec;
    if (builtins.has(bare)) continue;
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    if (!allowed.has(name)) problems.push(`${where}: imports '${spec}', not a declared dependency`);
  }
}
if (problems.length > 0) {
  console.error(`${pkg.name}: the build emitted imports the package cannot satisfy:`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.error(`${pkg.name}: built ${files(dist).length} files into dist/`);
