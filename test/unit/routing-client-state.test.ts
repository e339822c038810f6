// The routing client's memory across restarts and its feed pin, against a real local feed server
// serving signed documents: with a state file (or a load/save pair) a restarted gateway refuses
// an older signed version and a different document under the same version; a document of
// another feed_id is refused; a state that cannot be read stops acceptance instead of being
// ignored; a state that cannot be saved is reported.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FeedPoller,
  RoutingClient,
  signDocument,
  type FeedDocument,
  type FeedState,
  type PollOutcome,
} from '../../src/routing-client/index.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const KID = 'k1';
const keys = { [KID]: publicKey };
const clock = Date.UTC(2026, 5, 1, 12);
const now = (): number => clock;

function doc(version: number, feedId = 'prod', weight = 100): FeedDocument {
  return signDocument(
    {
      schema: 'llm-routing-feed/v1',
      feed_id: feedId,
      version,
      generated_at: new Date(clock).toISOString(),
      ttl_s: 10,
      hard_expiry: new Date(clock + 3_600_000).toISOString(),
      targets: { a: { provider: 'openai', model: 'gpt-4o', kind: 'on_demand' } },
      pools: [
        {
          pool: 'chat',
          tiers: [{ tier: 0, name: 'od', targets: [{ id: 'a', weight, state: 'active' }] }],
        },
      ],
      budgets: [],
    },
    privateKey,
    KID,
  );
}

let served: FeedDocument = doc(1);
let server: Server;
let url = '';
beforeAll(async () => {
  server = createServer((_req, res) => {
    res
      .writeHead(200, {
        etag: `"v${served.version}-${served.feed_id}"`,
        'content-type': 'application/json',
      })
      .end(JSON.stringify(served));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/routing/feed`;
});
afterAll(() => server.close());

const stateDir = mkdtempSync(join(tmpdir(), 'feed-state-'));
const fallback = doc(0, 'static');
const events: { outcome: PollOutcome; reason?: string }[] = [];
const poller = (extra: Partial<ConstructorParameters<typeof FeedPoller>[0]> = {}) =>
  new FeedPoller({ url, keys, now, fallback, onEvent: (e) => events.push(e), ...extra });
const serve = (d: FeedDocument): void => {
  served = d;
};

describe('feed state across restarts', () => {
  it('refuses an older signed version after a restart, with a state file', async () => {
    const stateFile = join(stateDir, 'a.json');
    const before = poller({ stateFile });
    serve(doc(5));
    expect(await before.poll()).toBe('updated');
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as FeedState & { schema: string };
    expect(saved).toMatchObject({
      schema: 'llm-routing-feed-state/v1',
      feed_id: 'prod',
      version: 5,
      sig: doc(5).signature?.sig,
    });
    expect(readdirSync(stateDir)).toEqual(['a.json']); // no temporary file left behind

    // Restart: a fresh poller, the same file. An old response replayed is refused...
    const after = poller({ stateFile });
    serve(doc(3));
    expect(await after.poll()).toBe('rejected');
    expect(after.lastError).toBe(
      'version 3 is older than version 5 accepted before (kept in the feed state)',
    );
    expect(after.source()).toBe('static');
    // ...so is a different document claiming the same version...
    serve(doc(5, 'prod', 1));
    expect(await after.poll()).toBe('rejected');
    expect(after.lastError).toMatch(/version 5 was accepted before with another signature/);
    // ...while the same version (the feed did not move during the restart) and newer ones apply.
    serve(doc(5));
    expect(await after.poll()).toBe('updated');
    expect(after.document()?.version).toBe(5);
    serve(doc(6));
    expect(await after.poll()).toBe('updated');
    expect((JSON.parse(readFileSync(stateFile, 'utf8')) as FeedState).version).toBe(6);
  });

  it('without a state, a restarted gateway would take the old version (what the state prevents)', async () => {
    const first = poller();
    serve(doc(5));
    expect(await first.poll()).toBe('updated');
    const restarted = poller();
    serve(doc(3));
    expect(await restarted.poll()).toBe('updated');
    expect(restarted.document()?.version).toBe(3);
  });

  it('takes a load/save pair instead of a file, and through RoutingClient', async () => {
    let stored: FeedState | undefined;
    const saves: FeedState[] = [];
    const state = {
      load: async () => stored,
      save: async (s: FeedState) => {
        saves.push(s);
        stored = s;
      },
    };
    const client = new RoutingClient({ url, keys, now, state, feedId: 'prod' });
    serve(doc(8));
    expect(await client.poller.poll()).toBe('updated');
    expect(saves).toEqual([{ feed_id: 'prod', version: 8, sig: doc(8).signature?.sig }]);
    const restarted = new RoutingClient({ url, keys, now, state, feedId: 'prod' });
    serve(doc(7));
    expect(await restarted.poller.poll()).toBe('rejected');
    await expect(
      restarted.execute('chat', {}, async () => ({ status: 200 })),
    ).rejects.toMatchObject({ name: 'NoRouteError' });
    expect(() => new FeedPoller({ url, keys, state, stateFile: 'x' })).toThrow(/not both/);
  });

  it('accepts nothing while the state cannot be read, and says why', async () => {
    const corrupt = join(stateDir, 'corrupt.json');
    writeFileSync(corrupt, '{"feed_id": "prod", "vers');
    const p = poller({ stateFile: corrupt });
    serve(doc(9));
    expect(await p.poll()).toBe('error');
    expect(p.lastError).toMatch(/corrupt\.json is not JSON \(delete it to start over\)/);
    expect(p.source()).toBe('static');
    writeFileSync(corrupt, JSON.stringify({ feed_id: 'prod', version: -1 }));
    expect(await p.poll()).toBe('error');
    expect(p.lastError).toMatch(/version must be a non-negative integer/);
    // Once it is readable again, polling resumes from it.
    writeFileSync(
      corrupt,
      JSON.stringify({ feed_id: 'prod', version: 9, sig: doc(9).signature?.sig }),
    );
    expect(await p.poll()).toBe('updated');
    let failing = true;
    const flaky = poller({
      state: {
        load: () => {
          if (failing) throw new Error('redis down');
          return undefined;
        },
        save: () => undefined,
      },
    });
    expect(await flaky.poll()).toBe('error');
    expect(flaky.lastError).toBe('redis down');
    failing = false;
    expect(await flaky.poll()).toBe('updated');
  });

  it('applies a document whose state could not be saved, and reports it', async () => {
    events.length = 0;
    const p = poller({ stateFile: join(stateDir, 'missing-dir', 'state.json') });
    serve(doc(10));
    expect(await p.poll()).toBe('updated');
    expect(p.document()?.version).toBe(10);
    expect(p.lastError).toMatch(/^feed state not saved: .*ENOENT/);
    expect(events.at(-1)).toMatchObject({ outcome: 'updated', reason: p.lastError });
  });
});

describe('feed_id', () => {
  it('refuses a signed document of another feed when a feed id is configured', async () => {
    const p = poller({ feedId: 'prod' });
    serve(doc(50, 'staging'));
    expect(await p.poll()).toBe('rejected');
    expect(p.lastError).toBe('feed_id "staging" is not the expected "prod"');
    expect(p.source()).toBe('static');
    serve(doc(2, 'prod'));
    expect(await p.poll()).toBe('updated');
  });

  it('pins the first feed it accepts when none is configured, across restarts with a state', async () => {
    const stateFile = join(stateDir, 'pin.json');
    const p = poller({ stateFile });
    serve(doc(4, 'prod'));
    expect(await p.poll()).toBe('updated');
    serve(doc(90, 'staging'));
    expect(await p.poll()).toBe('rejected');
    expect(p.document()?.feed_id).toBe('prod');
    const restarted = poller({ stateFile });
    expect(await restarted.poll()).toBe('rejected');
    expect(restarted.lastError).toMatch(/feed_id "staging" is not the expected "prod"/);
  });

  it('ignores a saved state of another feed once the configured feed id changes', async () => {
    const stateFile = join(stateDir, 'switch.json');
    writeFileSync(stateFile, JSON.stringify({ feed_id: 'old-feed', version: 1_000 }));
    const p = poller({ stateFile, feedId: 'prod' });
    serve(doc(3, 'prod'));
    expect(await p.poll()).toBe('updated');
    expect((JSON.parse(readFileSync(stateFile, 'utf8')) as FeedState).feed_id).toBe('prod');
  });
});
