// The collector's own JavaScript work per span, measured in this process: the same path a
// request takes in `llm-finops start` (decodeRequest with admission -> Pipeline.ingest ->
// attribution, pricing -> the writer's row serialization and insert body), with the engine
// call itself replaced by a sink that only keeps the body. What is left out is the engine's
// parsing (measured by the baseline), the HTTP server and the spool's disk write.
//
// Run alone to profile it: `BENCH_PROFILE=<file>.cpuprofile node --import tsx
// test/bench/ingest-js.ts` (BENCH_SPANS); `BENCH_HEAP_PROFILE=<file>.heapprofile` samples the
// measured round's allocations, the objects the scavenges freed included (what --heap-prof
// leaves out), and prints the bytes allocated a span.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { Pipeline } from '../../src/collector/pipeline.js';
import { decodeRequest } from '../../src/collector/receiver/decode.js';
import { encodeProtoRequest } from '../../src/collector/receiver/otlp-proto.js';
import { Writer } from '../../src/collector/writer.js';
import { callInsertFormat, type CallFormat } from '../../src/collector/writer-rows.js';
import { createPricingProcessor, loadCatalog } from '../../src/pricing/index.js';
import { parseConfig } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';
import type { InsertBody } from '../../src/storage/runner.js';
import { makeSpans } from './spans.js';

export interface JsPathResult {
  /** CPU µs (user + system, this thread and GC) per span. */
  cpuUsPerSpan: number;
  /** Sampled bytes allocated a span (only with a heap profile). */
  allocatedPerSpan?: number;
  /** Bytes of insert body produced, a check that the work was done. */
  bodyBytes: number;
  rows: number;
}

/** Push `requests` through the collector's JS path `rounds` times; the last round is measured. */
export async function measureJsPath(
  requests: Uint8Array[],
  rounds = 2,
  profileFile?: string,
  heapFile?: string,
): Promise<JsPathResult> {
  const config = parseConfig({ collector: { attribution: { root_grace_ms: 0, wait_ms: 0 } } });
  let result: JsPathResult = { cpuUsPerSpan: Number.NaN, bodyBytes: 0, rows: 0 };
  for (let round = 0; round < rounds; round += 1) {
    let bodyBytes = 0;
    let rows = 0;
    const sink = {
      insert: (_table: string, body: InsertBody): Promise<void> => {
        bodyBytes +=
          typeof body === 'string'
            ? Buffer.byteLength(body)
            : 'byteLength' in body
              ? body.byteLength
              : 0;
        return Promise.resolve();
      },
    };
    const writer = new Writer(
      sink,
      {
        batchRows: config.collector.writer.batch_rows,
        flushIntervalMs: 1e9,
        maxRetries: 1,
        deadLetterDir: '/nonexistent',
        // The llm_calls rows the collector under test writes (BENCH_INSERT_FORMAT, as bench:ingest).
        callFormat: callInsertFormat(
          {
            ...config.storage,
            insert_format:
              (process.env.BENCH_INSERT_FORMAT as CallFormat | undefined) ??
              config.storage.insert_format,
          },
          'embedded',
        ),
      },
      createLogger('error'),
    );
    const pipeline = new Pipeline({
      config: config.collector,
      writer,
      price: createPricingProcessor(loadCatalog({}), { inPlace: true }),
      seenCapacity: 1_000_000,
    });
    let spans = 0;
    const last = round === rounds - 1;
    const profiler = last && profileFile !== undefined ? await startProfile() : undefined;
    const heap = last && heapFile !== undefined ? await startHeapProfile() : undefined;
    const cpu = process.cpuUsage();
    for (const body of requests) {
      const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      const { batch } = decodeRequest(
        'protobuf',
        buffer,
        { admission: config.collector.admission, maxDecodedBytes: 256 * 1024 * 1024 },
        Date.now(),
      );
      const ingested = pipeline.ingest(batch);
      rows += ingested.accepted;
      spans += batch.spans.length;
      pipeline.pump(true);
    }
    await writer.flush();
    const used = process.cpuUsage(cpu);
    if (profiler !== undefined && profileFile !== undefined) {
      const stopped = await profiler.post('Profiler.stop');
      writeFileSync(profileFile, JSON.stringify(stopped.profile));
      profiler.disconnect();
    }
    result = { cpuUsPerSpan: (used.user + used.system) / spans, bodyBytes, rows };
    if (heap !== undefined && heapFile !== undefined)
      result.allocatedPerSpan = (await stopHeapProfile(heap, heapFile)) / spans;
  }
  return result;
}

/** A CPU profile of the measured round only (no setup, no warm-up), for `--cpu-prof`-like output. */
async function startProfile(): Promise<Session> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return session;
}

/** Sampled allocations, those already collected included (a scavenge frees most of them). */
async function startHeapProfile(): Promise<Session> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return session;
}

interface HeapNode {
  selfSize: number;
  children: HeapNode[];
}

/** Write the profile; the total sampled bytes. */
async function stopHeapProfile(session: Session, file: string): Promise<number> {
  const { profile } = await session.post('HeapProfiler.stopSampling');
  session.disconnect();
  writeFileSync(file, JSON.stringify(profile));
  const total = (node: HeapNode): number =>
    node.children.reduce((sum, child) => sum + total(child), node.selfSize);
  return total(profile.head as HeapNode);
}

async function main(): Promise<void> {
  const total = Number(process.env.BENCH_SPANS ?? 100_000);
  const batch = Number(process.env.BENCH_BATCH ?? 500);
  const requests: Uint8Array[] = [];
  for (let i = 0; i < total; i += batch)
    requests.push(encodeProtoRequest(makeSpans(Math.min(batch, total - i))));
  const r = await measureJsPath(
    requests,
    Number(process.env.BENCH_ROUNDS ?? 2),
    process.env.BENCH_PROFILE,
    process.env.BENCH_HEAP_PROFILE,
  );
  const allocated =
    r.allocatedPerSpan !== undefined
      ? `; allocated ${(r.allocatedPerSpan / 1000).toFixed(1)} kB/span (sampled)`
      : '';
  process.stdout.write(
    `collector JS path (decode -> rows, engine excluded): ${r.cpuUsPerSpan.toFixed(1)} µs/span cpu; rows=${r.rows} body=${(r.bodyBytes / 1e6).toFixed(1)} MB${allocated}\n`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
