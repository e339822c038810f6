// Installed size of @llm-finops/instrumentation (the packed tarball plus everything npm installs
// with it, its @opentelemetry/api peer included) next to @opentelemetry/instrumentation-openai
// with the OTel SDK pieces it needs to export spans the same way (a Node tracer provider with an
// async-hooks context, the OTLP/HTTP exporter, resources, the API). Both are installed with npm
// into fresh empty directories and measured the same way: apparent bytes of every file under
// node_modules, file and package counts. Goal: ours not larger (ratio <= 1.00).
// Run: npm run bench:size   (needs the npm registry, or a warm npm cache)
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Size {
  bytes: number;
  files: number;
  packages: number;
}

function measure(dir: string): Size {
  const size: Size = { bytes: 0, files: 0, packages: 0 };
  const walk = (d: string, inNodeModules: boolean): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isSymbolicLink()) continue;
      if (e.isDirectory()) {
        if (inNodeModules && !e.name.startsWith('@') && !e.name.startsWith('.')) size.packages += 1;
        walk(p, e.name === 'node_modules' || (inNodeModules && e.name.startsWith('@')));
      } else {
        size.bytes += statSync(p).size;
        size.files += 1;
      }
    }
  };
  walk(join(dir, 'node_modules'), true);
  return size;
}

function version(pkg: string): string {
  const file = join(root, 'node_modules', pkg, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

function install(work: string, name: string, specs: string[]): Size {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true }));
  execFileSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=dev', ...specs],
    { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return measure(dir);
}

const work = mkdtempSync(join(tmpdir(), 'llm-finops-size-'));
try {
  execFileSync('npm', ['pack', '-w', 'src/instrumentation', '--pack-destination', work], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz')) ?? '';
  const ours = install(work, 'ours', [join(work, tarball)]);
  const officialSpecs = [
    `@opentelemetry/instrumentation-openai@${version('@opentelemetry/instrumentation-openai')}`,
    `@opentelemetry/api@${version('@opentelemetry/api')}`,
    `@opentelemetry/sdk-trace-node@${version('@opentelemetry/sdk-trace-base')}`,
    `@opentelemetry/exporter-trace-otlp-http@${version('@opentelemetry/exporter-trace-otlp-http')}`,
    `@opentelemetry/resources@${version('@opentelemetry/resources')}`,
  ];
  const official = install(work, 'official', officialSpecs);
  const mb = (b: number) => (b / 1024 / 1024).toFixed(2);
  const rows: [string, Size][] = [
    [`@llm-finops/instrumentation (${tarball})`, ours],
    [`official: ${officialSpecs.join(' ')}`, official],
  ];
  console.log(
    'installed size (apparent bytes of node_modules, fresh directory, npm install --omit=dev)',
  );
  for (const [label, s] of rows)
    console.log(
      `  ${mb(s.bytes).padStart(7)} MB  ${String(s.files).padStart(5)} files  ${String(s.packages).padStart(3)} packages  ${label}`,
    );
  console.log(
    `ratio ours / official: bytes ${(ours.bytes / official.bytes).toFixed(2)}, packages ${(ours.packages / official.packages).toFixed(2)} (goal: bytes <= 1.00)`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
