// The closed-loop demo, in-process and short (18 demo minutes at 30x, ~36 s of traffic): the
// adaptive run's feed moves weight away from the region whose TTFT jumps, fewer users see
// slow first tokens or 429s than behind the static round-robin, the report table and the PNG
// chart are written, and the gateways' spans reached llm_calls.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemoCommand } from '../../src/demo/command.js';
import type { DemoResult } from '../../src/demo/run.js';
import { createLogger } from '../../src/shared/logger.js';

const dir = mkdtempSync(join(tmpdir(), 'llm-finops-demo-test-'));
const chart = join(dir, 'demo.png');
let result: DemoResult;
let stdout = '';
const progress: string[] = [];

beforeAll(async () => {
  result = await runDemoCommand(
    {
      scenario: 'ttft-incident',
      minutes: 18,
      scale: 30,
      seed: 7,
      chart,
      dataDir: join(dir, 'data'),
    },
    createLogger('silent'),
    {
      out: (t) => {
        stdout += t;
      },
      err: (t) => {
        progress.push(t);
      },
    },
  );
}, 90_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('llm-finops demo (ttft-incident)', () => {
  it('shifts the adaptive run away from the degraded target, detected and shifted in time', () => {
    const a = result.adaptive.timing;
    expect(a.detectMs).not.toBeNull();
    expect(a.shiftMs).not.toBeNull();
    // Shifted before the incident (a third of the run: 12 wall seconds, the feed's health
    // window is 10) was over.
    expect(a.shiftMs as number).toBeLessThan(result.runMs / 3);
    expect(result.static.timing.shiftMs).toBeNull();
  });

  it('lets fewer slow first tokens and 429s reach users than static weights, at higher goodput', () => {
    const a = result.adaptive;
    const s = result.static;
    expect(a.requests).toBe(s.requests);
    expect(a.slow + a.user429).toBeLessThan(s.slow + s.user429);
    expect(a.goodputPct).toBeGreaterThan(s.goodputPct);
    expect(a.p95TtftMs as number).toBeLessThan(s.p95TtftMs as number);
    expect(a.ptuUtilPct).toBeGreaterThan(s.ptuUtilPct);
  });

  it('prints the report table and writes the PNG chart', () => {
    for (const row of [
      'goodput',
      'p50 / p95 TTFT',
      '429s that reached users',
      'cost',
      'provisioned utilization',
      'time to detect',
      'time to shift',
    ])
      expect(stdout).toContain(row);
    expect(existsSync(chart)).toBe(true);
    const png = readFileSync(chart);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.length).toBeGreaterThan(20_000);
    expect(
      progress.some((l) =>
        /\[demo \d\d:\d\d\/18:00\] adaptive .* rps p95 .* 429s \d+ \| w ptu/.test(l),
      ),
    ).toBe(true);
  });

  it('delivered the gateways spans to llm_calls, one row per provider attempt', () => {
    expect(result.llmCalls['demo-adaptive']).toBeGreaterThanOrEqual(result.adaptive.requests);
    expect(result.llmCalls['demo-adaptive']).toBeGreaterThanOrEqual(
      Math.floor(result.adaptive.providerAttempts * 0.98),
    );
    expect(result.llmCalls['demo-static']).toBeGreaterThanOrEqual(
      Math.floor(result.static.requests * 0.98),
    );
  });
});
