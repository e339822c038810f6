// What a person sees when `llm-finops` cannot start: the real CLI in a child process, its exit
// code and stderr. Each failure ends in one line that says what is wrong and names the flag,
// config key or variable to change, with no engine or client stack; nothing is left half done.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, runCli, startCli, type CliResult } from '../helpers/cli.js';

const tmp = (prefix: string): string => mkdtempSync(join(tmpdir(), `llm-finops-${prefix}-`));

/** The last line, and no stack frame or engine/client dump anywhere on stderr. */
function lastLine(result: CliResult): string {
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).not.toContain('[@clickhouse/client]');
  expect(result.stderr).not.toContain('"level":"error"');
  const lines = result.stderr.trimEnd().split('\n');
  return lines[lines.length - 1]!;
}

const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

function occupy(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    servers.push(server);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

describe('start-up errors', () => {
  it('a bad prices file stops start before the store is touched (no half-migrated data dir)', async () => {
    const dir = tmp('badprices');
    const prices = join(dir, 'prices.json');
    writeFileSync(prices, '{"gpt-4o": {"input_cost_per_token": ');
    const dataDir = join(dir, 'data');
    const result = await runCli([
      'start',
      '--data-dir',
      dataDir,
      '--prices',
      prices,
      '--otlp-port',
      '0',
      '--otlp-grpc-port',
      '0',
      '--api-port',
      '0',
    ]);
    expect(result.code).toBe(2);
    expect(lastLine(result)).toMatch(/^llm-finops: .*prices\.json.*not valid JSON/);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('a bad overrides file in the config stops start before the store is touched', async () => {
    const dir = tmp('badoverrides');
    writeFileSync(
      join(dir, 'overrides.yaml'),
      'models:\n  gpt-4o:\n    input_cost_per_tokens: 1\n',
    );
    writeFileSync(join(dir, 'config.yaml'), 'pricing: { overrides_file: overrides.yaml }\n');
    const dataDir = join(dir, 'data');
    const result = await runCli([
      'start',
      '--config',
      join(dir, 'config.yaml'),
      '--data-dir',
      dataDir,
      '--otlp-port',
      '0',
      '--otlp-grpc-port',
      '0',
      '--api-port',
      '0',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('input_cost_per_tokens');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('an OTLP port in use names --otlp-port and collector.port', async () => {
    const port = await occupy();
    const result = await runCli([
      'start',
      '--data-dir',
      tmp('otlpport'),
      '--otlp-port',
      String(port),
      '--otlp-grpc-port',
      '0',
      '--api-port',
      '0',
    ]);
    expect(result.code).toBe(1);
    const line = lastLine(result);
    expect(line).toMatch(/^llm-finops: /);
    expect(line).toContain(`127.0.0.1:${port}`);
    expect(line).toContain('in use');
    expect(line).toContain('--otlp-port');
    expect(line).toContain('collector.port');
  });

  it('an OTLP/gRPC port in use names --otlp-grpc-port and collector.grpc_port', async () => {
    const port = await occupy();
    const result = await runCli([
      'start',
      '--data-dir',
      tmp('grpcport'),
      '--otlp-port',
      '0',
      '--otlp-grpc-port',
      String(port),
      '--api-port',
      '0',
    ]);
    expect(result.code).toBe(1);
    const line = lastLine(result);
    expect(line).toMatch(/^llm-finops: /);
    expect(line).toContain(`127.0.0.1:${port}`);
    expect(line).toContain('in use');
    expect(line).toContain('--otlp-grpc-port');
    expect(line).toContain('collector.grpc_port');
  });

  it('an API port in use names --api-port and api.port', async () => {
    const port = await occupy();
    const result = await runCli([
      'start',
      '--data-dir',
      tmp('apiport'),
      '--otlp-port',
      '0',
      '--otlp-grpc-port',
      '0',
      '--api-port',
      String(port),
    ]);
    expect(result.code).toBe(1);
    const line = lastLine(result);
    expect(line).toContain(`127.0.0.1:${port}`);
    expect(line).toContain('--api-port');
    expect(line).toContain('api.port');
  });

  it('a data directory held by a running server names --data-dir; the running one is unharmed', async () => {
    const dataDir = tmp('locked');
    const first = await startCli([
      '--data-dir',
      dataDir,
      '--otlp-port',
      '0',
      '--otlp-grpc-port',
      '0',
      '--api-port',
      '0',
    ]);
    try {
      const result = await runCli([
        'start',
        '--data-dir',
        dataDir,
        '--otlp-port',
        '0',
        '--otlp-grpc-port',
        '0',
        '--api-port',
        '0',
      ]);
      expect(result.code).toBe(1);
      const line = result.stderr.trimEnd().split('\n').pop()!;
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(line).toMatch(/^llm-finops: /);
      expect(line).toContain(dataDir);
      expect(line).toContain(`pid ${first.child.pid}`);
      expect(line).toContain('--data-dir');
      expect(line).toContain('storage.data_dir');
      const health = await fetch(`http://127.0.0.1:${first.apiPort}/readyz`);
      expect(health.status).toBe(200);
    } finally {
      expect(await first.stop()).toBe(0);
    }
  }, 240_000);

  it('an unreachable CLICKHOUSE_URL is named (start and migrate), its password never shown', async () => {
    const port = await freePort();
    const url = `http://llm:s3cret@127.0.0.1:${port}`;
    for (const args of [
      ['start', '--otlp-port', '0', '--otlp-grpc-port', '0', '--api-port', '0'],
      ['migrate'],
    ]) {
      const result = await runCli(args, { env: { CLICKHOUSE_URL: url } });
      expect(result.code, args[0]).toBe(1);
      const line = lastLine(result);
      expect(line).toMatch(/^llm-finops: /);
      expect(line).toContain('CLICKHOUSE_URL');
      expect(line).toContain(`127.0.0.1:${port}`);
      expect(line).toContain('ECONNREFUSED');
      expect(result.stderr + result.stdout).not.toContain('s3cret');
    }
  });

  it('an unknown host, or no http(s) scheme, in CLICKHOUSE_URL is named too', async () => {
    const unknown = await runCli(['migrate'], {
      env: { CLICKHOUSE_URL: 'http://no-such-host.invalid:8123' },
    });
    expect(unknown.code).toBe(1);
    expect(lastLine(unknown)).toMatch(/CLICKHOUSE_URL=.*no-such-host\.invalid.*ENOTFOUND/);
    const scheme = await runCli(['migrate'], { env: { CLICKHOUSE_URL: 'localhost:8123' } });
    expect(scheme.code).toBe(1);
    expect(lastLine(scheme)).toMatch(
      /CLICKHOUSE_URL=localhost:8123 is not an http\(s\) URL.*http:\/\/localhost:8123/,
    );
  });

  it('a data directory that cannot be created names --data-dir', async () => {
    const file = join(tmp('notadir'), 'file');
    writeFileSync(file, 'x');
    const result = await runCli(['migrate', '--data-dir', join(file, 'data')]);
    expect(result.code).toBe(1);
    const line = lastLine(result);
    expect(line).toContain('--data-dir');
    expect(line).toContain('storage.data_dir');
    expect(readdirSync(join(file, '..'))).toEqual(['file']);
  });
});
