// The QueryRunner contract on every engine this machine can reach: embedded chDB always, and a
// ClickHouse server when CLICKHOUSE_URL is set (the same selection `llm-finops start` makes).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage } from '../../src/storage/client.js';
import { readEnv } from '../../src/shared/env.js';
import {
  queryRunnerContract,
  type RunnerImplementation,
} from '../helpers/query-runner-contract.js';

const env = readEnv();
const implementations: RunnerImplementation[] = [
  {
    name: 'embedded chDB',
    open: () =>
      createStorage({
        database: 'default',
        dataDir: mkdtempSync(join(tmpdir(), 'llm-finops-contract-')),
      }),
  },
];
const url = env.clickhouseUrl;
if (url !== undefined)
  implementations.push({
    name: `ClickHouse server (${new URL(url).host})`,
    open: () =>
      createStorage({
        url,
        user: env.clickhouseUser,
        password: env.clickhousePassword,
        database: 'llm_finops_contract',
        dataDir: '',
      }),
  });

for (const impl of implementations) queryRunnerContract(impl);
