// The start-up error translations that the CLI tests cannot reach cheaply: a status file a
// crashed server left behind must never be taken for a running one (start would refuse forever),
// and a URL's password never reaches a message.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StartupError } from '../../src/shared/errors.js';
import {
  COLLECTOR_SETTINGS,
  clickhouseFailure,
  dataDirHolder,
  listenFailure,
  safeUrl,
} from '../../src/shared/startup-errors.js';

const errno = (code: string, message = code): Error => Object.assign(new Error(message), { code });

describe('start-up errors', () => {
  it('a status file without a held lock is stale: no holder, even when its pid is alive', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-finops-stale-'));
    // The parent process is alive, but holds no lock on this file (a crashed server's leftover).
    writeFileSync(join(dir, 'status'), `PID: ${process.ppid}\nStarted at: 2026-01-01 00:00:00\n`);
    expect(dataDirHolder(dir)).toBeUndefined();
    writeFileSync(join(dir, 'status'), `PID: ${process.pid}\n`);
    expect(dataDirHolder(dir)).toBeUndefined();
    expect(dataDirHolder(join(dir, 'missing'))).toBeUndefined();
  });

  it('names the setting for a busy, privileged or foreign listen address; passes others through', () => {
    const at = { ...COLLECTOR_SETTINGS, host: '127.0.0.1', port: 4318 };
    const busy = listenFailure(errno('EADDRINUSE'), at);
    expect(busy).toBeInstanceOf(StartupError);
    expect((busy as Error).message).toMatch(
      /127\.0\.0\.1:4318.*in use.*--otlp-port \(config collector\.port\)/,
    );
    expect((listenFailure(errno('EACCES'), at) as Error).message).toContain('--otlp-port');
    expect((listenFailure(errno('EADDRNOTAVAIL'), at) as Error).message).toContain(
      '--host (config collector.host)',
    );
    const other = errno('EMFILE');
    expect(listenFailure(other, at)).toBe(other);
  });

  it('never shows the password of CLICKHOUSE_URL; tells refused credentials from an unreachable server', () => {
    expect(safeUrl('https://u:p4ss@ch.example:8443/x')).toBe('https://u:***@ch.example:8443/x');
    const refused = clickhouseFailure(
      Object.assign(new Error('Authentication failed: password is incorrect'), { code: '516' }),
      'http://u:p4ss@ch:8123',
    ) as Error;
    expect(refused.message).toMatch(
      /refused the credentials.*CLICKHOUSE_USER and CLICKHOUSE_PASSWORD/,
    );
    expect(refused.message).not.toContain('p4ss');
    const timeout = clickhouseFailure(new Error('Timeout error.'), 'http://ch:8123') as Error;
    expect(timeout.message).toMatch(/^cannot reach ClickHouse at CLICKHOUSE_URL=http:\/\/ch:8123/);
  });
});
