// The architecture's dependency direction (README, Architecture), enforced on every import in src/ (resolved paths, not
// text patterns): instrumentation and the routing client import nothing of ours but
// shared/semconv; pricing is pure; collector and analytics reach ClickHouse only through
// storage; the collector knows nothing of analytics; nothing but the composition root
// (src/runtime.ts) imports the HTTP layer of analytics.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

interface Import {
  /** The importing file, relative to src/. */
  from: string;
  /** A file under src/ (relative to it, `.ts`), or a package name. */
  target: string;
  local: boolean;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

function importsOf(file: string): Import[] {
  const from = relative(SRC, file);
  // preProcessFile sees static imports, re-exports, `import type` and dynamic import().
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map(({ fileName }) => {
    if (!fileName.startsWith('.')) {
      const parts = fileName.split('/');
      const pkg = fileName.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
      return { from, target: pkg, local: false };
    }
    const target = relative(SRC, resolve(dirname(file), fileName)).replace(/\.js$/, '.ts');
    return { from, target, local: true };
  });
}

const all = sources(SRC).flatMap(importsOf);
const under = (dir: string) => (path: string) => path.startsWith(`${dir}/`);
const CLICKHOUSE = new Set(['@clickhouse/client', 'chdb']);
const SERVER_PACKAGES = new Set([...CLICKHOUSE, 'express']);

function violations(inDir: (file: string) => boolean, allowed: (i: Import) => boolean): string[] {
  return all.filter((i) => inDir(i.from) && !allowed(i)).map((i) => `${i.from} -> ${i.target}`);
}

describe('import direction (the architecture)', () => {
  it('sees the imports (the scan itself works)', () => {
    expect(all.length).toBeGreaterThan(300);
    expect(all).toContainEqual({
      from: 'runtime.ts',
      target: 'analytics/http/app.ts',
      local: true,
    });
  });

  it('instrumentation imports nothing of ours but shared/semconv (and the provider identity table, which imports only semconv), and no server package', () => {
    const own = under('instrumentation');
    expect(
      violations(own, (i) =>
        i.local
          ? own(i.target) ||
            i.target === 'shared/semconv.ts' ||
            i.target === 'shared/provider-identity.ts'
          : !SERVER_PACKAGES.has(i.target),
      ),
    ).toEqual([]);
  });

  it('the routing client imports nothing of ours but shared/semconv, and only Node built-ins', () => {
    const own = under('routing-client');
    expect(
      violations(own, (i) =>
        i.local ? own(i.target) || i.target === 'shared/semconv.ts' : i.target.startsWith('node:'),
      ),
    ).toEqual([]);
  });

  it('pricing is pure: nothing of the collector, storage, analytics or a server', () => {
    const own = under('pricing');
    expect(
      violations(own, (i) =>
        i.local ? own(i.target) || under('shared')(i.target) : !SERVER_PACKAGES.has(i.target),
      ),
    ).toEqual([]);
  });

  it('collector and analytics reach ClickHouse only through storage', () => {
    const layer = (f: string) => under('collector')(f) || under('analytics')(f);
    expect(violations(layer, (i) => i.local || !CLICKHOUSE.has(i.target))).toEqual([]);
  });

  it('the collector knows nothing of analytics; storage and shared know neither', () => {
    expect(violations(under('collector'), (i) => !under('analytics')(i.target))).toEqual([]);
    const lower = (f: string) => under('storage')(f) || under('shared')(f);
    expect(
      violations(
        lower,
        (i) => !['collector', 'analytics', 'pricing', 'demo'].some((d) => under(d)(i.target)),
      ),
    ).toEqual([]);
    expect(violations(under('shared'), (i) => !i.local || under('shared')(i.target))).toEqual([]);
  });

  it('nothing but the composition root imports analytics/http', () => {
    const http = under('analytics/http');
    expect(
      violations(
        (f) => !http(f) && f !== 'runtime.ts',
        (i) => !i.local || !http(i.target),
      ),
    ).toEqual([]);
  });

  it('the rules bite: a forbidden import is reported', () => {
    const fake: Import = {
      from: 'collector/x.ts',
      target: 'analytics/http/metrics.ts',
      local: true,
    };
    all.push(fake);
    try {
      expect(violations(under('collector'), (i) => !under('analytics')(i.target))).toEqual([
        'collector/x.ts -> analytics/http/metrics.ts',
      ]);
    } finally {
      all.pop();
    }
  });
});
