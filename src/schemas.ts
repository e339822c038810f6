// Writes the JSON Schema of the whole configuration file (zod -> JSON Schema) to
// schemas/config.schema.json, so editors and CI can validate llm-finops.yaml without running us.
// Run: tsx src/schemas.ts [output path]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { demoReportJsonSchema } from './demo/report-json.js';
import { configSchema } from './shared/config.js';

export const CONFIG_SCHEMA_PATH = fileURLToPath(
  new URL('../schemas/config.schema.json', import.meta.url),
);

/** The config file's JSON Schema: what a user writes (`input`: defaults make keys optional). */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://llm-finops.dev/schemas/config.schema.json',
    title: 'llm-finops configuration file',
  };
}

export const DEMO_REPORT_SCHEMA_PATH = fileURLToPath(
  new URL('../schemas/demo-report.schema.json', import.meta.url),
);

export function writeDemoReportSchema(path: string = DEMO_REPORT_SCHEMA_PATH): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(demoReportJsonSchema(), null, 2)}\n`);
  return path;
}

export function writeConfigSchema(path: string = CONFIG_SCHEMA_PATH): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  return path;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(`wrote ${writeConfigSchema(process.argv[2] ?? CONFIG_SCHEMA_PATH)}`);
  if (process.argv[2] === undefined) console.log(`wrote ${writeDemoReportSchema()}`);
}
