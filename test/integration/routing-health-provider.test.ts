// The routing feed's health query finds a target's calls whatever spelling of its provider the
// routing config uses: stored rows carry the canonical `gen_ai.provider.name` (the collector
// normalizes through src/shared/provider-identity.ts), and so does the query. Before, a target
// written `provider: bedrock` matched none of its `aws.bedrock` calls and looked idle.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryTargetStats } from '../../src/analytics/routing/health-query.js';
import { emptyCall } from '../../src/collector/call.js';
import { callRow } from '../../src/storage/rows.js';
import { parseConfig } from '../../src/shared/config.js';
import type { RoutingTargetConfig } from '../../src/shared/config-routing.js';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import type { QueryRunner } from '../../src/storage/runner.js';

let storage: QueryRunner;
const NOW = Date.now();

beforeAll(async () => {
  storage = await createStorage({
    database: 'default',
    dataDir: join(mkdtempSync(join(tmpdir(), 'routing-provider-')), 'data'),
  });
  await migrate(storage, { ttl_days: 400 });
  const calls = [
    ['aws.bedrock', 'claude-sonnet', 3],
    ['azure.ai.openai', 'gpt-4o', 2],
    ['openai', 'gpt-4o', 1],
  ] as const;
  const lines = calls.flatMap(([provider, model, n]) =>
    Array.from({ length: n }, (_, i) => {
      const ns = BigInt(NOW - 30_000 - i * 1000) * 1_000_000n;
      return callRow({
        ...emptyCall(),
        call_id: `${provider}-${i}`,
        provider,
        request_model: model,
        response_model: model,
        model,
        kind: 'inference',
        input_tokens: 100,
        output_tokens: 20,
        // The Azure calls spilled off the Bedrock target (its capacity demand counts them).
        ...(provider === 'azure.ai.openai' ? { fallback_from: 'bedrock-dep' } : {}),
        ...(provider === 'aws.bedrock' ? { deployment: 'bedrock-dep' } : {}),
        environment: provider === 'azure.ai.openai' ? 'staging' : 'prod',
        start_time_ns: ns,
        end_time_ns: ns + 500_000_000n,
      });
    }),
  );
  await storage.insert('llm_calls', lines.join('\n'));
});
afterAll(async () => {
  await storage.close();
});

function targets(list: [string, string, string][], deployment = ''): RoutingTargetConfig[] {
  // Through the real config schema: what an operator writes under routing.pools[].targets.
  const config = parseConfig({
    routing: {
      pools: [
        {
          pool: 'chat',
          targets: list.map(([id, provider, model]) => ({
            id,
            provider,
            model,
            kind: 'on_demand',
            ...(deployment !== '' && provider === 'bedrock' ? { deployment } : {}),
          })),
        },
      ],
    },
  });
  return config.routing.pools.flatMap((p) => p.targets);
}

describe('health query provider identity', () => {
  it('matches targets written with any known spelling of their provider', async () => {
    const stats = await queryTargetStats(
      storage,
      targets([
        ['bedrock-alias', 'bedrock', 'claude-sonnet'],
        ['azure-alias', 'Azure_OpenAI', 'gpt-4o'],
        ['openai-canonical', 'openai', 'gpt-4o'],
      ]),
      {
        nowMs: NOW,
        windowS: 300,
        errorWindowS: 60,
        latencyWindowS: 60,
        baselineS: 600,
        since: {},
      },
    );
    expect(Object.fromEntries([...stats].map(([id, s]) => [id, s.calls]))).toEqual({
      'bedrock-alias': 3,
      'azure-alias': 2,
      'openai-canonical': 1,
    });
  });

  it('measures load and spill over the capacity window, scaled to per minute', async () => {
    const bedrock = targets([['bedrock', 'bedrock', 'claude-sonnet']], 'bedrock-dep');
    const at = (capacityWindowS?: number, environments?: string[]) =>
      queryTargetStats(storage, bedrock, {
        nowMs: NOW,
        windowS: 300,
        errorWindowS: 60,
        latencyWindowS: 60,
        baselineS: 600,
        ...(capacityWindowS !== undefined ? { capacityWindowS } : {}),
        ...(environments !== undefined ? { environments } : {}),
        since: {},
      });
    // The rows are 30-32 s old, 120 converted tokens each: three served on the target, two
    // spilled off it (their fallback_from names its deployment).
    expect((await at())?.get('bedrock')).toMatchObject({
      tokensPerMinute: 360,
      requestsPerMinute: 3,
      spilledTokensPerMinute: 240,
    });
    expect((await at(120)).get('bedrock')).toMatchObject({
      tokensPerMinute: 180,
      spilledTokensPerMinute: 120,
      spilledRequestsPerMinute: 1,
    });
    // routing.environments: the spill came from staging, which another fleet serves.
    expect((await at(60, ['prod'])).get('bedrock')).toMatchObject({
      tokensPerMinute: 360,
      spilledTokensPerMinute: 0,
    });
    expect((await at(60, ['staging'])).get('bedrock')).toMatchObject({
      tokensPerMinute: 0,
      spilledTokensPerMinute: 240,
    });
    expect((await at(10)).get('bedrock')).toMatchObject({
      tokensPerMinute: 0,
      spilledTokensPerMinute: 0,
    });
  });
});
