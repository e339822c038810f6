// schemas/config.schema.json is what editors and users' CI validate llm-finops.yaml against; a
// key added to the zod schema without `npm run schemas` would make a valid file look invalid
// there (storage.planner went missing for two rounds that way).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA_PATH, configJsonSchema } from '../../src/schemas.js';

describe('the committed config schema', () => {
  it('equals the one generated from the config code (run `npm run schemas` if not)', () => {
    const committed = JSON.parse(readFileSync(CONFIG_SCHEMA_PATH, 'utf8')) as unknown;
    expect(committed).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });
});
