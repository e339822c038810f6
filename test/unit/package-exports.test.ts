// Every entry package.json exports resolves: each `./dist/*` target is built from a source file
// that exists (tsconfig.build.json maps src/ to dist/), and the root entry loads and exports the
// programmatic API. The root "." pointed at a file that was never built.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  exports: Record<string, string | Record<string, string>>;
  bin: Record<string, string>;
  files: string[];
};
const build = JSON.parse(readFileSync(new URL('tsconfig.build.json', root), 'utf8')) as {
  compilerOptions: { rootDir: string; outDir: string };
};

/** `./dist/x/index.js` or `.d.ts` -> the source file tsc builds it from. */
function sourceOf(target: string): string {
  const { rootDir, outDir } = build.compilerOptions;
  const rel = target.replace(/^\.\//, '');
  expect(rel.startsWith(`${outDir}/`), `${target} is not under ${outDir}/`).toBe(true);
  return `${rootDir}/${rel.slice(outDir.length + 1).replace(/(\.d\.ts|\.js)$/, '.ts')}`;
}

describe('package.json exports', () => {
  const entries = Object.entries(pkg.exports).flatMap(([subpath, value]) =>
    typeof value === 'string'
      ? [[subpath, 'default', value] as const]
      : Object.entries(value).map(([cond, target]) => [subpath, cond, target] as const),
  );

  it.each(entries)('%s (%s) -> %s is built from a source file that exists', (_s, _c, target) => {
    const file = target.startsWith('./dist/') ? sourceOf(target) : target.replace(/^\.\//, '');
    expect(existsSync(fileURLToPath(new URL(file, root))), file).toBe(true);
  });

  it('ships what the exports and the bin point at', () => {
    expect(pkg.files).toContain(build.compilerOptions.outDir);
    for (const bin of Object.values(pkg.bin))
      expect(existsSync(fileURLToPath(new URL(bin, root))), bin).toBe(true);
  });

  it('the root entry loads and exports the programmatic API', async () => {
    const target = pkg.exports['.'] as Record<string, string>;
    const mod = (await import(
      fileURLToPath(new URL(sourceOf(target.import ?? ''), root))
    )) as Record<string, unknown>;
    expect(Object.keys(mod).sort()).toEqual([
      'createLogger',
      'loadConfig',
      'parseConfig',
      'startRuntime',
    ]);
    const config = (mod.parseConfig as (raw: unknown) => { api: { port: number } })({});
    expect(config.api.port).toBe(8080);
  });
});
