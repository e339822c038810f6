// Chaos: slow clients (slowloris) against the real service. 256 connections that send their
// headers and then a byte every half second used to hold every in-flight slot, so every other
// key got 429 for as long as the sockets stayed open. Now one key and one peer address hold at
// most their share of the slots (the rest get 429 at once), the body timeout frees the slots
// they do hold (408), and another key from another address is served throughout; what it had
// acknowledged is exactly what is stored. Loopback has all of 127.0.0.0/8, so each client
// binds its own source address.
import { request, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/shared/keys.js';
import { genAiAttrs, storedCalls } from '../helpers/chaos-edge.js';
import { requestJson, spanJson } from '../helpers/otlp.js';
import { eventually, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';

const KEY = { a: 'slow-attacker-key-0001', b: 'victim-key-000000002', c: 'second-attacker-003' };
// Long enough that every slow connection of a test has arrived before the first is cut off,
// even on a loaded machine: the share is about how many are held at once.
const BODY_TIMEOUT_MS = 6_000;
let t: TestRuntime;

beforeAll(async () => {
  t = await startTestRuntime({
    collector: { body_timeout_ms: BODY_TIMEOUT_MS },
    security: {
      ingest_keys: [
        { name: 'a', key_sha256: sha256Hex(KEY.a), tenant: 'attacker', rate_limit_rps: 10_000 },
        { name: 'b', key_sha256: sha256Hex(KEY.b), tenant: 'victim', rate_limit_rps: 10_000 },
        { name: 'c', key_sha256: sha256Hex(KEY.c), tenant: 'attacker-2', rate_limit_rps: 10_000 },
      ],
    },
  });
});
afterAll(async () => t.runtime.stop());

interface Answer {
  status: number;
  text: string;
}

/** Open a POST from `from`, send the headers and one byte, then trickle a byte every 500 ms. */
function trickle(from: string, key: string): { answer: Promise<Answer>; status: () => number } {
  let status = 0;
  const url = new URL(t.otlpUrl);
  const req = request({
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    agent: false,
    localAddress: from,
    headers: {
      'content-type': 'application/json',
      'content-length': '4096',
      authorization: `Bearer ${key}`,
    },
  });
  const timer = setInterval(() => req.write(' '), 500);
  const answer = new Promise<Answer>((resolve) => {
    req.on('response', (res: IncomingMessage) => {
      clearInterval(timer);
      status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
      );
      res.on('error', () => resolve({ status: res.statusCode ?? 0, text: '' }));
    });
    req.on('error', () => {
      clearInterval(timer);
      resolve({ status: -1, text: 'socket closed without an answer' });
    });
  });
  req.write('{');
  return { answer, status: () => status };
}

/** One normal request (a single call span) from `from` with `key`. */
function post(from: string, key: string, tenant: string): Promise<Answer> {
  const body = JSON.stringify(requestJson([spanJson({ attributes: genAiAttrs(tenant) })]));
  const url = new URL(t.otlpUrl);
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent: false,
        localAddress: from,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const count = (answers: Answer[], status: number): number =>
  answers.filter((a) => a.status === status).length;

/** Wait until every slow request past the share was refused: the rest hold their slots now. */
async function refusedAtOnce(slow: ReturnType<typeof trickle>[], expected: number): Promise<void> {
  const refused = await eventually(
    () => Promise.resolve(slow.filter((s) => s.status() === 429).length),
    (n) => n >= expected,
    BODY_TIMEOUT_MS - 1_000,
  );
  expect(refused).toBe(expected);
  expect(slow.filter((s) => s.status() !== 429 && s.status() !== 0)).toEqual([]); // still held
}

/** While the slow clients hold their slots, the victim posts `n` requests: all must be 200. */
async function victimDuring(n: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < n; i += 1) answers.push(await post('127.0.0.3', KEY.b, 'victim'));
  return answers;
}

describe('slow clients', () => {
  it('256 slow connections from one address and key do not make another key get 429', async () => {
    const slow = Array.from({ length: 256 }, () => trickle('127.0.0.2', KEY.a));
    await refusedAtOnce(slow, 256 - 64);
    const victim = await victimDuring(10);
    expect(victim.map((a) => a.status)).toEqual(Array(10).fill(200));
    const answers = await Promise.all(slow.map((s) => s.answer));
    // 64 = max_inflight_requests 256 x share 0.25: the rest were refused at once.
    expect(count(answers, 429)).toBe(256 - 64);
    expect(answers.find((a) => a.status === 429)?.text).toMatch(
      /max_inflight_share_per_(peer|key)/,
    );
    // The slots they held were freed by the body timeout, not by the client.
    expect(count(answers, 408)).toBe(64);
    expect(answers.find((a) => a.status === 408)?.text).toMatch(/collector\.body_timeout_ms/);
    expect((await post('127.0.0.2', KEY.a, 'attacker')).status).toBe(200);
  }, 60_000);

  it('one key spread over many addresses holds at most its share', async () => {
    const slow = Array.from({ length: 160 }, (_, i) => trickle(`127.0.1.${10 + (i % 20)}`, KEY.a));
    await refusedAtOnce(slow, 160 - 64);
    const victim = await victimDuring(5);
    expect(victim.map((a) => a.status)).toEqual(Array(5).fill(200));
    const answers = await Promise.all(slow.map((s) => s.answer));
    expect(count(answers, 429)).toBe(160 - 64);
    expect(answers.find((a) => a.status === 429)?.text).toMatch(/max_inflight_share_per_key/);
    expect(count(answers, 408)).toBe(64);
  }, 60_000);

  it('one address with several keys holds at most its share', async () => {
    const slow = [
      ...Array.from({ length: 48 }, () => trickle('127.0.2.2', KEY.a)),
      ...Array.from({ length: 48 }, () => trickle('127.0.2.2', KEY.c)),
    ];
    await refusedAtOnce(slow, 96 - 64);
    const victim = await victimDuring(5);
    expect(victim.map((a) => a.status)).toEqual(Array(5).fill(200));
    const answers = await Promise.all(slow.map((s) => s.answer));
    expect(count(answers, 429)).toBe(96 - 64);
    expect(answers.find((a) => a.status === 429)?.text).toMatch(/max_inflight_share_per_peer/);
    expect(count(answers, 408)).toBe(64);
  }, 60_000);

  it('stored exactly what was acknowledged, and nothing of the slow bodies', async () => {
    // 10 + 5 + 5 victim requests of one call each were acknowledged.
    expect(
      await eventually(
        () => storedCalls(t, 'victim'),
        (rows) => rows.length >= 20,
      ),
    ).toHaveLength(20);
    expect(await storedCalls(t, 'attacker')).toHaveLength(1);
    expect(await storedCalls(t, 'attacker-2')).toHaveLength(0);
  });
});
