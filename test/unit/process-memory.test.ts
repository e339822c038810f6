// The RSS split /metrics reports (anonymous vs file pages) is read from /proc/<pid>/status.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseResidentMemory, readResidentMemory } from '../../src/collector/process-memory.js';

describe('resident memory split', () => {
  it('parses RssAnon, RssFile and RssShmem from a status text', () => {
    const status = [
      'Name:\tnode',
      'VmRSS:\t  443000 kB',
      'RssAnon:\t  189000 kB',
      'RssFile:\t  254000 kB',
      'RssShmem:\t       0 kB',
      'Threads:\t33',
    ].join('\n');
    expect(parseResidentMemory(status)).toEqual({
      anonBytes: 189000 * 1024,
      fileBytes: 254000 * 1024,
      shmemBytes: 0,
    });
    expect(parseResidentMemory('Name:\tnode\nVmRSS:\t1 kB\n')).toBeUndefined();
  });

  it('adds up to this process VmRSS on Linux (and is absent elsewhere)', () => {
    const own = readResidentMemory();
    if (process.platform !== 'linux') return expect(own).toBeUndefined();
    const vmRss = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
    expect(own).toBeDefined();
    expect(own!.anonBytes).toBeGreaterThan(0);
    expect(own!.fileBytes).toBeGreaterThan(0);
    const sum = (own!.anonBytes + own!.fileBytes + own!.shmemBytes) / 1024;
    expect(Math.abs(sum - vmRss)).toBeLessThan(vmRss * 0.1);
  });
});
