// CPU time of a process and of its threads, from /proc (Linux only): bench:ingest splits the
// collector's CPU into its JavaScript thread and the rest, by thread name.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** CPU seconds (user + system, all threads) a process has used so far, from /proc (Linux only). */
export function processCpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/** CPU seconds of a process's main thread alone: the JavaScript thread (the engine's are others). */
export function mainThreadCpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
}

/** CPU seconds per thread name (comm) of a process: which of the engine's pools, V8's or libuv's. */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  const read = (file: string): string | undefined => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined; // the thread (or the process) is gone
    }
  };
  const tasks = existsSync(`/proc/${pid}/task`) ? readdirSync(`/proc/${pid}/task`) : [];
  for (const tid of tasks) {
    const name = tid === String(pid) ? undefined : read(`/proc/${pid}/task/${tid}/comm`)?.trim();
    if (name === undefined) continue;
    // Numbered pools (e.g. "QueryPipelineEx", "V8 DefaultWorke") add up under one name.
    const seconds = statCpuSeconds(`/proc/${pid}/task/${tid}/stat`);
    if (!Number.isNaN(seconds)) byName.set(name, (byName.get(name) ?? 0) + seconds);
  }
  return byName;
}

/** The thread names that used the most CPU between two samples, as "name µs/span" text. */
export function topThreads(
  before: Map<string, number>,
  after: Map<string, number>,
  spans: number,
): string {
  return [...after]
    .map(([name, s]) => [name, ((s - (before.get(name) ?? 0)) * 1e6) / spans] as const)
    .filter(([, us]) => us >= 0.5)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([name, us]) => `${name} ${us.toFixed(1)}`)
    .join(', ');
}

function statCpuSeconds(file: string): number {
  try {
    const fields = readFileSync(file, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat(5); index 11 and 12 after the ") " split.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}
