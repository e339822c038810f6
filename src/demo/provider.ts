// Mock providers speaking the OpenAI chat-completions API, one HTTP server per fleet with one
// base URL per deployment (`/<target>/v1`). Each deployment runs its TargetModel on the demo
// clock; the server turns decisions into wall-time waits, SSE streams with a final usage chunk,
// and 429 / 5xx answers carrying `retry-after-ms` (wall ms, so SDKs wait the scaled time).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom, type DemoClock } from './clock.js';
import { completionBody, countTokens, errorBody, hash32, streamChunks } from './payload.js';
import type { FleetTarget, Scenario } from './scenario.js';
import { TargetModel, type Decision, type ModelRequest } from './target-model.js';

export interface MockFleetOptions {
  clock: DemoClock;
  scenario: Scenario;
  runMs: number;
  fleet: FleetTarget[];
  seed: number;
}

export interface MockFleet {
  url: string;
  baseURL(targetId: string): string;
  models: Map<string, TargetModel>;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let nextId = 0;

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
}

/** Reads what the capacity model needs from a chat request. */
export function modelRequest(body: Record<string, unknown>): ModelRequest {
  const messages = Array.isArray(body['messages'])
    ? (body['messages'] as { role?: string; content?: unknown }[])
    : [];
  const texts = messages.map((m) => (typeof m.content === 'string' ? m.content : ''));
  const system = texts[0] ?? '';
  const last = texts[texts.length - 1] ?? '';
  const inputTokens = texts.reduce((sum, t) => sum + countTokens(t) + 4, 3);
  return {
    inputTokens,
    prefixKey: String(hash32(system)) + system.slice(0, 64),
    prefixTokens: countTokens(system),
    maxTokens:
      typeof body['max_tokens'] === 'number'
        ? body['max_tokens']
        : typeof body['max_completion_tokens'] === 'number'
          ? body['max_completion_tokens']
          : 1_024,
    outputTokens: 80 + (hash32(last) % 320),
  };
}

function reject(
  res: ServerResponse,
  clock: DemoClock,
  d: Extract<Decision, { kind: 'reject' }>,
): void {
  const wallMs = Math.max(1, Math.round(clock.toWall(d.retryAfterMs)));
  res.writeHead(d.status, {
    'content-type': 'application/json',
    'retry-after-ms': String(wallMs),
    'retry-after': String(Math.max(1, Math.ceil(wallMs / 1000))),
    'x-request-id': `req_demo_${++nextId}`,
  });
  res.end(JSON.stringify(errorBody(d.status, d.message)));
}

async function serve(
  res: ServerResponse,
  clock: DemoClock,
  model: TargetModel,
  d: Extract<Decision, { kind: 'serve' }>,
  body: Record<string, unknown>,
): Promise<void> {
  const id = `chatcmpl-demo${++nextId}`;
  const created = Math.floor(Date.now() / 1000);
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  const stream = body['stream'] === true;
  if (stream)
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-request-id': id,
    });
  await sleep(clock.toWall(d.ttftMs));
  if (!stream) {
    await sleep(clock.toWall(d.streamMs));
    model.finish(clock.now(), d, !closed);
    if (closed) return;
    res
      .writeHead(200, { 'content-type': 'application/json', 'x-request-id': id })
      .end(JSON.stringify(completionBody(id, created, d.usage)));
    return;
  }
  const includeUsage =
    (body['stream_options'] as { include_usage?: boolean } | undefined)?.include_usage === true;
  const chunks = streamChunks(id, created, d.usage, 5, includeUsage);
  const gap = clock.toWall(d.streamMs) / chunks.length;
  for (const [i, chunk] of chunks.entries()) {
    if (closed) break;
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    if (i < chunks.length - 1 && gap >= 1) await sleep(gap);
  }
  model.finish(clock.now(), d, !closed);
  if (!closed) res.end('data: [DONE]\n\n');
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  opts: MockFleetOptions,
  models: Map<string, TargetModel>,
): Promise<void> {
  const match = /^\/([^/]+)\/v1\/chat\/completions$/.exec((req.url ?? '').split('?')[0] ?? '');
  const model = match !== null ? models.get(match[1] as string) : undefined;
  if (model === undefined || req.method !== 'POST') {
    res
      .writeHead(404, { 'content-type': 'application/json' })
      .end(JSON.stringify(errorBody(404, `no demo deployment at ${req.url ?? ''}`)));
    return;
  }
  const body = await readJson(req);
  const decision = model.decide(opts.clock.now(), modelRequest(body));
  if (decision.kind === 'reject') return reject(res, opts.clock, decision);
  await serve(res, opts.clock, model, decision, body);
}

export async function startMockFleet(opts: MockFleetOptions): Promise<MockFleet> {
  const models = new Map(
    opts.fleet.map((t, i) => [
      t.id,
      new TargetModel(t, opts.scenario, opts.runMs, seededRandom(opts.seed * 131 + i)),
    ]),
  );
  const server = createServer((req, res) => {
    handle(req, res, opts, models).catch((err: unknown) => {
      if (!res.headersSent)
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify(errorBody(500, String(err))));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    baseURL: (targetId) => `${url}/${targetId}/v1`,
    models,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
