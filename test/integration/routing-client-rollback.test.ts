// The reference client against the real feed producer (llm-finops API on chDB): a gateway with a
// state file follows feed `prod`; after a restart, a replay of an older signed `prod` response is
// refused, and so is the `staging` feed the same llm-finops signs with the same key; the live
// feed is accepted again. Without the state file the replay would have been applied.
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/analytics/http/app.js';
import { createAnalyticsServices } from '../../src/analytics/services.js';
import { FeedPoller, verifyDocument, type FeedDocument } from '../../src/routing-client/index.js';
import { parseConfig } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { startStore } from './alerts-routing-seed.js';

let storage: QueryRunner;
let now = Date.now();
const servers: Server[] = [];
const feeds: Record<string, { url: string; recompute: () => Promise<unknown> }> = {};
let keys: Record<string, string> = {};

const listen = async (server: Server): Promise<string> => {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

beforeAll(async () => {
  const store = await startStore();
  storage = store.storage;
  for (const feedId of ['prod', 'staging']) {
    const config = parseConfig({
      storage: { data_dir: store.dataDir },
      routing: {
        feed_id: feedId,
        refresh_s: 10,
        pools: [
          {
            pool: 'chat',
            targets: [
              { id: 'a', provider: 'openai', model: 'gpt-4o', kind: 'on_demand' },
              { id: 'b', provider: 'anthropic', model: 'claude-sonnet-4', kind: 'on_demand' },
            ],
          },
        ],
      },
    });
    const services = createAnalyticsServices({
      storage,
      logger: createLogger('silent'),
      config,
      now: () => new Date(now),
    });
    const service = services.feed;
    feeds[feedId] = {
      url: `${await listen(createServer(createApp({ ...services, checkResponses: true })))}/v1/routing/feed`,
      recompute: () => service.recompute(),
    };
  }
  const set = (await (await fetch(feeds.prod!.url.replace('/feed', '/keys'))).json()) as {
    keys: { kid: string; public_key_pem: string }[];
  };
  keys = Object.fromEntries(set.keys.map((k) => [k.kid, k.public_key_pem]));
});
afterAll(async () => {
  for (const s of servers) s.close();
  await storage?.close();
});

async function fetchDoc(url: string): Promise<FeedDocument> {
  return (await (await fetch(url)).json()) as FeedDocument;
}

describe('routing client state against the real feed', () => {
  it('refuses an older signed version and a foreign feed after a restart', async () => {
    await feeds.prod!.recompute();
    await feeds.staging!.recompute();
    const v1 = await fetchDoc(feeds.prod!.url);
    now += 11_000; // past refresh_s: the producer re-issues the feed as a new version
    await feeds.prod!.recompute();
    const v2 = await fetchDoc(feeds.prod!.url);
    expect(v2.version).toBeGreaterThan(v1.version);
    const staging = await fetchDoc(feeds.staging!.url);
    // The threat is real: both replays carry a valid signature from the pinned key.
    expect(verifyDocument(v1, keys)).toEqual({ ok: true });
    expect(verifyDocument(staging, keys)).toEqual({ ok: true });
    expect(staging.feed_id).toBe('staging');

    let replay: FeedDocument = v1;
    const replayUrl = await listen(
      createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(replay));
      }),
    );
    const stateFile = join(mkdtempSync(join(tmpdir(), 'gw-state-')), 'feed-state.json');
    const gateway = new FeedPoller({ url: feeds.prod!.url, keys, stateFile });
    expect(await gateway.poll()).toBe('updated');
    expect(gateway.document()?.version).toBe(v2.version);

    // Restart, then an old response is replayed to the gateway.
    const restarted = new FeedPoller({ url: replayUrl, keys, stateFile });
    expect(await restarted.poll()).toBe('rejected');
    expect(restarted.lastError).toMatch(
      new RegExp(`version ${v1.version} is older than version ${v2.version}`),
    );
    replay = staging;
    expect(await restarted.poll()).toBe('rejected');
    expect(restarted.lastError).toMatch(/feed_id "staging" is not the expected "prod"/);
    expect(restarted.source()).toBe('none');

    // The live feed is accepted again after the restart (same version, same signature).
    const live = new FeedPoller({ url: feeds.prod!.url, keys, stateFile, feedId: 'prod' });
    expect(await live.poll()).toBe('updated');
    expect(live.document()?.version).toBe(v2.version);

    // Contrast: a gateway without a state file takes the replay after its restart.
    replay = v1;
    const forgetful = new FeedPoller({ url: replayUrl, keys });
    expect(await forgetful.poll()).toBe('updated');
    expect(forgetful.document()?.version).toBe(v1.version);
  });
});
