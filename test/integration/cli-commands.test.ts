// Command-line papercuts, through the real CLI in a child process: flags that do not exist are
// answered with the ones that do, and `prices explain` says by its exit code whether a model is
// priced (scripts and CI checks read the code, not the text).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('llm-finops command line', () => {
  it('--port names the two real port flags instead of suggesting --host', async () => {
    const result = await runCli(['start', '--port', '9000']);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain('--host');
    const line = result.stderr.trimEnd().split('\n').pop()!;
    expect(line).toMatch(/--port/);
    expect(line).toContain('--otlp-port');
    expect(line).toContain('--api-port');
    // Not advertised: `start --help` lists only the real flags.
    const help = await runCli(['start', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--otlp-port');
    expect(help.stdout).not.toMatch(/^\s+--port/m);
  });

  it('prices explain exits 0 for a priced model and 1, saying UNPRICED, for an unknown one', async () => {
    const priced = await runCli(['prices', 'explain', 'gpt-4o', '--provider', 'openai']);
    expect(priced.code).toBe(0);
    expect(priced.stdout).toMatch(/^result: (openai:)?gpt-4o\b/m);
    const unpriced = await runCli(['prices', 'explain', 'no-such-model-xyz']);
    expect(unpriced.code).toBe(1);
    expect(unpriced.stdout).toContain('UNPRICED');
    expect(unpriced.stderr).toContain("llm-finops: no price for 'no-such-model-xyz'");
  });

  it('reprice --dry-run reports counts and the delta on a store, writing nothing; a bad range names the flag', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'llm-finops-cli-reprice-'));
    const range = ['--from', '2026-11-01T00:00:00Z', '--to', '2026-11-03T00:00:00Z'];
    const dry = await runCli(['reprice', ...range, '--dry-run', '--data-dir', dataDir]);
    expect(dry.stderr).not.toMatch(/error/i);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^price data: .+\(.+@.+\)$/m);
    expect(dry.stdout).toContain('dry run: nothing written. calls in range: 0');
    expect(dry.stdout).toMatch(/^delta: +0 USD$/m);
    expect(dry.stdout).not.toContain('rollups rebuilt');
    const bad = await runCli(['reprice', '--from', 'yesterday', '--to', '2026-11-03T00:00:00Z']);
    // commander refuses the value before the command runs (its exit code is 1).
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--from .*ISO-8601/);
    const backwards = await runCli(['reprice', '--from', range[3]!, '--to', range[1]!]);
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toContain('--to must be after --from');
  });
});
