// Where the soak's RSS goes: every 5 s the server's /metrics (on its OTLP port) is read for the
// V8 heap, memory outside the heap that V8 knows of (Buffers, ArrayBuffers), the embedded
// engine's own account (MemoryTracking) and the process's RSS. RSS minus heap, external and
// engine is what no allocator reports: allocator slack, thread stacks, code, mapped files.

const NAMES = {
  rss: 'llm_finops_process_resident_memory_bytes',
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
  const lines = ['MiB every 30 s: rss / heap used (total) / external / engine / rest'];
  const row = (s: MemorySample): string =>
    `${s.rss} / ${s.heapUsed} (${s.heapTotal}) / ${s.external} / ${s.engine} / ${s.rss - s.heapTotal - s.external - s.engine}`;
  samples.forEach((s, i) => {
    if (i % 6 === 5 || i === samples.length - 1)
      lines.push(`  ${((i + 1) * 5).toString().padStart(4)} s: ${row(s)}`);
  });
  const max = (key: keyof MemorySample, from = 0): number =>
    Math.max(0, ...samples.slice(from).map((s) => s[key]));
  const min = (key: keyof MemorySample, from = 0): number =>
    Math.min(...samples.slice(from).map((s) => s[key]));
  const tail = Math.max(0, samples.length - 24);
  lines.push(
    `max: rss ${max('rss')}, heap used ${max('heapUsed')} (total ${max('heapTotal')}), external ${max('external')}, engine ${max('engine')}`,
    `last 2 min: rss ${min('rss', tail)}-${max('rss', tail)}, heap total ${min('heapTotal', tail)}-${max('heapTotal', tail)}, engine ${min('engine', tail)}-${max('engine', tail)}`,
  );
  return lines;
}
