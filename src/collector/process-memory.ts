// The process's resident memory split the way a container's limit sees it (Linux
// /proc/self/status): anonymous pages (heap, malloc arenas, stacks: only freeing gives them
// back) versus file pages (code of the process and its libraries, libchdb.so's above all: clean,
// so the kernel can drop and re-read them under pressure). RSS alone adds both.

import { readFileSync } from 'node:fs';

export interface ResidentMemory {
  anonBytes: number;
  fileBytes: number;
  shmemBytes: number;
}

const FIELDS = { RssAnon: 'anonBytes', RssFile: 'fileBytes', RssShmem: 'shmemBytes' } as const;

/** Parses a /proc/<pid>/status text; undefined when it lacks the fields (not Linux). */
export function parseResidentMemory(status: string): ResidentMemory | undefined {
  const out: Partial<ResidentMemory> = {};
  for (const line of status.split('\n')) {
    const match = /^(RssAnon|RssFile|RssShmem):\s+(\d+) kB/.exec(line);
    if (match !== null) out[FIELDS[match[1] as keyof typeof FIELDS]] = Number(match[2]) * 1024;
  }
  const { anonBytes, fileBytes, shmemBytes } = out;
  if (anonBytes === undefined || fileBytes === undefined) return undefined;
  return { anonBytes, fileBytes, shmemBytes: shmemBytes ?? 0 };
}

/** This process's resident memory now; undefined where /proc is not there. */
export function readResidentMemory(pid: number | 'self' = 'self'): ResidentMemory | undefined {
  try {
    return parseResidentMemory(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined;
  }
}
