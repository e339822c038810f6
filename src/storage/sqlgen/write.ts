// `npm run sql`: writes sql/migrations and sql/cluster from the catalog. A migration, once
// generated, is history: sql/checksums.json records each one's checksum, and a catalog edit that
// would change an existing migration is refused (express it as a new version instead).
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checksumOf } from '../migrate.js';
import { generateMigrations, type GeneratedMigration } from './migrations.js';

export const SQL_DIR = fileURLToPath(new URL('../../../sql/', import.meta.url));
export const CHECKSUMS_FILE = join(SQL_DIR, 'checksums.json');

export type Checksums = Record<string, string>;

export function readChecksums(file = CHECKSUMS_FILE): Checksums {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Checksums) : {};
}

/** Generated migrations whose checksum differs from the one recorded for the same name. */
export function rewrittenHistory(
  generated: readonly GeneratedMigration[],
  recorded: Checksums,
): string[] {
  return generated
    .filter((m) => recorded[m.name] !== undefined && recorded[m.name] !== checksumOf(m.single))
    .map((m) => m.name);
}

export function writeSql(dir = SQL_DIR): { written: string[]; removed: string[] } {
  const generated = generateMigrations();
  const checksumsFile = join(dir, 'checksums.json');
  const recorded = readChecksums(checksumsFile);
  const rewritten = rewrittenHistory(generated, recorded);
  if (rewritten.length > 0)
    throw new Error(
      `the catalog now generates different SQL for ${rewritten.join(', ')}, which may already be applied: give the change its own migration version (CONTRIBUTING.md)`,
    );
  const written: string[] = [];
  const removed: string[] = [];
  for (const [sub, pick] of [
    ['migrations', (m: GeneratedMigration) => m.single],
    ['cluster', (m: GeneratedMigration) => m.cluster],
  ] as const) {
    const names = new Set(generated.map((m) => `${m.name}.sql`));
    for (const file of readdirSync(join(dir, sub)))
      if (/^\d{4}_[\w-]+\.sql$/.test(file) && !names.has(file)) {
        rmSync(join(dir, sub, file));
        removed.push(`${sub}/${file}`);
      }
    for (const m of generated) {
      const path = join(dir, sub, `${m.name}.sql`);
      const sql = pick(m);
      if (!existsSync(path) || readFileSync(path, 'utf8') !== sql) {
        writeFileSync(path, sql);
        written.push(`${sub}/${m.name}.sql`);
      }
    }
  }
  const checksums = Object.fromEntries(generated.map((m) => [m.name, checksumOf(m.single)]));
  writeFileSync(checksumsFile, `${JSON.stringify(checksums, null, 2)}\n`);
  return { written, removed };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const { written, removed } = writeSql();
    process.stdout.write(
      `sql/: ${written.length} file(s) written${written.length > 0 ? `: ${written.join(', ')}` : ''}${removed.length > 0 ? `; removed ${removed.join(', ')}` : ''}\n`,
    );
  } catch (err) {
    process.stderr.write(`npm run sql: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
