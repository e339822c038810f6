// Where the soak's RSS goes: every 5 s the server's /metrics (on its OTLP port) is read for the
// V8 heap, memory outside the heap that V8 knows of (Buffers, ArrayBuffers), the embedded
// engine's own account (MemoryTracking) and the process's RSS, split into anonymous and file
// pages. File pages are code (libchdb.so's above all), clean and reclaimable; anonymous minus
// heap, external and engine is what no allocator reports: malloc's free-but-kept pages, thread
// stacks. smaps.ts splits both by mapping a few times a run.

import { readFileSync } from 'node:fs';

const NAMES = {
  rss: 'llm_finops_process_resident_memory_bytes',
  anon: 'llm_finops_process_resident_memory_anon_bytes',
  file: 'llm_finops_process_resident_memory_file_bytes',
  heapUsed: 'llm_finops_nodejs_heap_size_used_bytes',
  heapTotal: 'llm_finops_nodejs_heap_size_total_bytes',
  external: 'llm_finops_nodejs_external_memory_bytes',
  engine: 'llm_finops_engine_memory_bytes',
} as const;

export type MemorySample = Record<keyof typeof NAMES, number>;

const MiB = 1024 * 1024;

export async function sampleMemory(metricsUrl: string): Promise<MemorySample | undefined> {
  const text = await fetch(metricsUrl).then(
    (r) => (r.ok ? r.text() : ''),
    () => '',
  );
  if (text === '') return undefined;
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const [name, value] = line.split(' ');
    if (name !== undefined && value !== undefined) values.set(name, Number(value));
  }
  const sample = {} as MemorySample;
  for (const [key, name] of Object.entries(NAMES) as [keyof typeof NAMES, string][])
    sample[key] = Math.round((values.get(name) ?? 0) / MiB);
  return sample;
}

/** One line per 30 s (every sixth sample), then the maximum and the last two minutes' range. */
export function memoryReport(samples: MemorySample[]): string[] {
  const lines = [
    'MiB every 30 s: rss (anon + file) / heap used (total) / external / engine / anon rest',
  ];
  const rest = (s: MemorySample): number => s.anon - s.heapTotal - s.external - s.engine;
  const row = (s: MemorySample): string =>
    `${s.rss} (${s.anon} + ${s.file}) / ${s.heapUsed} (${s.heapTotal}) / ${s.external} / ${s.engine} / ${rest(s)}`;
  samples.forEach((s, i) => {
    if (i % 6 === 5 || i === samples.length - 1)
      lines.push(`  ${((i + 1) * 5).toString().padStart(4)} s: ${row(s)}`);
  });
  const withRest = samples.map((s) => ({ ...s, rest: rest(s) }));
  type Key = keyof (typeof withRest)[number];
  const max = (key: Key, from = 0): number =>
    Math.max(0, ...withRest.slice(from).map((s) => s[key]));
  const min = (key: Key, from = 0): number => Math.min(...withRest.slice(from).map((s) => s[key]));
  const tail = Math.max(0, samples.length - 24);
  const range = (key: Key): string => `${min(key, tail)}-${max(key, tail)}`;
  lines.push(
    `max: rss ${max('rss')} (anon ${max('anon')}, file ${max('file')}), heap used ${max('heapUsed')} (total ${max('heapTotal')}), external ${max('external')}, engine ${max('engine')}`,
    `last 2 min: rss ${range('rss')}, anon ${range('anon')}, file ${range('file')}, heap total ${range('heapTotal')}, external ${range('external')}, engine ${range('engine')}, anon rest ${range('rest')}`,
  );
  return lines;
}

/**
 * V8's collections so far by kind (count, seconds in pauses), from the server's /metrics: what a
 * heap setting costs shows here before it shows in the CPU a span of a shared machine.
 */
export async function gcReport(metricsUrl: string): Promise<string> {
  const text = await fetch(metricsUrl).then(
    (r) => (r.ok ? r.text() : ''),
    () => '',
  );
  const kinds = new Map<string, { count: number; sum: number }>();
  for (const line of text.split('\n')) {
    const m = /^llm_finops_nodejs_gc_duration_seconds_(sum|count)\{kind="(\w+)"\} (\S+)$/.exec(
      line,
    );
    if (m === null) continue;
    const entry = kinds.get(m[2]!) ?? { count: 0, sum: 0 };
    if (m[1] === 'count') entry.count = Number(m[3]);
    else entry.sum = Number(m[3]);
    kinds.set(m[2]!, entry);
  }
  const parts = [...kinds].map(([k, e]) => `${k} ${e.count} (${e.sum.toFixed(1)} s)`);
  return `GC in the load, by kind: ${parts.length > 0 ? parts.join(', ') : 'not reported'}`;
}

/** The server's RSS from /proc (also when its /metrics does not answer). */
export function rssMiB(pid: number | undefined): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return Math.round(Number(line?.replace(/\D+/g, '') ?? 0) / 1024);
  } catch {
    return 0;
  }
}

/**
 * The server's CPU seconds so far (user + system, /proc/<pid>/stat): per acknowledged span it
 * compares runs on a shared machine, where the rate follows the other load.
 */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime, the 14th and 15th fields (the 3rd, state, is this split's first), in
    // clock ticks: 100 a second on Linux.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
