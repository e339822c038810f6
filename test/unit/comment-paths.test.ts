// House rule: comments never cite files that are not in the repository. Every repo path (src/,
// test/, sql/, ...) and every Markdown file a comment names must exist, so a reader can open
// what the comment points at.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SKIP = new Set(['node_modules', 'dist', 'data', 'coverage', '.git', 'artifacts']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name) || name.startsWith('.tmp')) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|js|mjs)$/.test(name) ? [path] : [];
  });
}

/** The comment text of a line: after `//`, or a block-comment line. */
function commentOf(line: string): string | undefined {
  const t = line.trim();
  if (t.startsWith('*') || t.startsWith('/*')) return t;
  const i = line.indexOf('//');
  return i >= 0 && !/[:'"`]\/\/$/.test(line.slice(0, i + 2)) ? line.slice(i + 2) : undefined;
}

// A path into the repository, or any Markdown file; not part of a URL or a longer path.
const CITED =
  /(?<![\w./:@-])((?:\.\.?\/)*(?:src|test|sql|schemas|dashboards|deploy|scripts|bin|docs?|reference)\/[\w./-]+\.\w+|[\w./-]+\.md)\b/g;

function cited(): { where: string; path: string }[] {
  const out: { where: string; path: string }[] = [];
  const files = [
    ...['src', 'test', 'scripts', 'bin'].flatMap((d) => sources(join(root, d))),
    ...readdirSync(root)
      .filter((f) => /\.(ts|js|mjs)$/.test(f))
      .map((f) => join(root, f)),
  ];
  for (const file of files) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const comment = commentOf(line);
        if (comment === undefined) return;
        for (const [, path] of comment.matchAll(CITED)) {
          // Placeholders describe a pattern, not a file (sql/migrations/NNNN_name.sql).
          if (path === undefined || /[*<{]|NNNN/.test(path)) continue;
          out.push({ where: `${relative(root, file)}:${i + 1}`, path });
        }
      });
  }
  return out;
}

it('finds the citations it checks (control)', () => {
  expect(cited().length).toBeGreaterThan(10);
});

it('every file a comment cites exists in the repository', () => {
  const missing = cited().filter(({ where, path }) => {
    const file = where.slice(0, where.lastIndexOf(':'));
    return ![join(root, path), join(dirname(join(root, file)), path), join(root, 'src', path)].some(
      (p) => existsSync(p),
    );
  });
  expect(missing).toEqual([]);
});
