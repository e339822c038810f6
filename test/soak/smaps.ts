// Where the server's resident pages are, by mapping (/proc/<pid>/smaps), taken a few times in a
// soak: what /metrics cannot tell apart. Classes, by what each kind of mapping looks like:
// - libchdb.so file pages (the engine's code: clean, reclaimable) and its own anonymous pages;
// - other files (node's binary, other libraries);
// - [heap]: glibc malloc's main arena (the main thread's allocations);
// - malloc arenas: glibc's other arenas, one per thread that contends, each in 64 MiB-aligned
//   64 MiB reservations (HEAP_MAX_SIZE), of which the touched part is resident;
// - V8 pages: V8's heap is allocated in 256 KiB pages;
// - 8 MiB stacks: thread stacks (the engine's and libuv's threads);
// - other anonymous: malloc's mmap-ed large chunks (Buffers, the engine's big blocks), V8's
//   large-object and code spaces.
import { readFileSync } from 'node:fs';

interface Mapping {
  start: bigint;
  end: bigint;
  perm: string;
  path: string;
  rssKiB: number;
  anonKiB: number;
}

const ARENA = 64n << 20n;

function parseSmaps(text: string): Mapping[] {
  const maps: Mapping[] = [];
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head !== null) {
      maps.push({
        start: BigInt(`0x${head[1]}`),
        end: BigInt(`0x${head[2]}`),
        perm: head[3]!,
        path: head[4]!.trim(),
        rssKiB: 0,
        anonKiB: 0,
      });
      continue;
    }
    const field = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line);
    const last = maps.at(-1);
    if (field === null || last === undefined) continue;
    if (field[1] === 'Rss') last.rssKiB = Number(field[2]);
    else last.anonKiB = Number(field[2]);
  }
  return maps;
}

function classOf(m: Mapping, next: Mapping | undefined): string {
  if (m.path.includes('libchdb')) return m.anonKiB > 0 ? 'libchdb anon' : 'libchdb file';
  if (m.path.startsWith('/')) return m.anonKiB > 0 ? 'files anon' : 'files';
  if (m.path !== '') return m.path;
  const size = m.end - m.start;
  const reserved =
    next !== undefined && next.perm === '---p' && next.start === m.end ? next.end - m.start : size;
  if (m.perm === 'rw-p' && m.start % ARENA === 0n && reserved === ARENA) return 'malloc arenas';
  if (m.perm === 'rw-p' && size === 256n << 10n) return 'V8 pages';
  if (m.perm === 'rw-p' && (size === 8n << 20n || size === (8n << 20n) + 4096n))
    return '8 MiB stacks';
  return 'other anon';
}

/** Resident MiB by class, largest first, with the number of mappings: one line. */
export function smapsSummary(pid: number | undefined): string {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return 'smaps: not readable';
  }
  const maps = parseSmaps(text);
  const byClass = new Map<string, { kib: number; n: number }>();
  maps.forEach((m, i) => {
    const c = classOf(m, maps[i + 1]);
    const entry = byClass.get(c) ?? { kib: 0, n: 0 };
    entry.kib += m.rssKiB;
    entry.n += 1;
    byClass.set(c, entry);
  });
  const total = maps.reduce((n, m) => n + m.rssKiB, 0);
  const parts = [...byClass]
    .filter(([, e]) => e.kib >= 1024)
    .sort((a, b) => b[1].kib - a[1].kib)
    .map(([c, e]) => `${c} ${Math.round(e.kib / 1024)} (${e.n})`);
  return `resident MiB by mapping (count), total ${Math.round(total / 1024)}: ${parts.join(', ')}`;
}
