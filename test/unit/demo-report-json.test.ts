// The demo's JSON report: the committed JSON Schema is the one the code generates, a report
// built from run summaries validates against it (ajv, an independent validator), money stays
// exact decimal text, and a malformed report is refused naming the field.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { demoReport, demoReportJsonSchema, demoReportSchema } from '../../src/demo/report-json.js';
import type { RunSummary } from '../../src/demo/metrics.js';
import { DEMO_REPORT_SCHEMA_PATH } from '../../src/schemas.js';

const committed = JSON.parse(readFileSync(DEMO_REPORT_SCHEMA_PATH, 'utf8')) as object;
const validate = new Ajv2020({ strict: false }).compile(committed);

function summary(extra: Partial<RunSummary> = {}): RunSummary {
  return {
    name: 'adaptive',
    requests: 200,
    ok: 199,
    good: 199,
    goodputPct: 99.5,
    p50TtftMs: 1_800,
    p95TtftMs: 4_250,
    slow: 0,
    user429: 0,
    userErrors: 1,
    onDemandUsd: 0.1,
    reservedUsd: 0.2,
    costUsd: 0.3,
    money: { onDemand: '0.1', reserved: '0.2', total: '0.3' },
    costPerGoodUsd: 0.0015,
    ptuUtilPct: 93.25,
    providerAttempts: 230,
    ...extra,
  };
}

const timing = { detectMs: 30_000, detectBy: 'x', shiftMs: 75_000, shiftApplies: true };

describe('demo --report-json', () => {
  it('commits the schema the code generates', () => {
    expect(committed).toEqual(demoReportJsonSchema());
  });

  it('builds a report that validates against the committed schema', () => {
    const report = demoReport({
      scenario: 'all',
      seed: 7,
      rpm: 40,
      runMs: 50 * 60_000,
      scale: 20,
      adaptive: { ...summary(), timing },
      static: {
        ...summary({
          name: 'static',
          ptuUtilPct: 71,
          money: { onDemand: '7.47', reserved: '2.375', total: '9.845' },
        }),
        timing: { detectMs: null, detectBy: 'not detected', shiftMs: null, shiftApplies: true },
      },
    });
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.adaptive).toMatchObject({
      goodput: 0.995,
      p95_ttft_s: 4.25,
      ptu_utilization: 0.9325,
      detect_minutes: 0.5,
      shift_minutes: 1.25,
      cost_usd: '0.3',
    });
    expect(report.static).toMatchObject({
      detect_minutes: null,
      shift_minutes: null,
      cost_usd: '9.845',
    });
  });

  it('refuses what the schema refuses, naming the field', () => {
    const bad = { ...summary(), timing, money: { onDemand: '1', reserved: '1', total: '1e-7' } };
    const input = {
      scenario: 'x',
      seed: 1,
      rpm: 40,
      runMs: 60_000,
      scale: 20,
      adaptive: bad,
      static: bad,
    };
    expect(() => demoReport(input)).toThrow(/cost_usd/);
    const wrong = {
      ...demoReport({
        ...input,
        adaptive: { ...summary(), timing },
        static: { ...summary(), timing },
      }),
    };
    expect(validate({ ...wrong, adaptive: { ...wrong.adaptive, goodput: 1.2 } })).toBe(false);
    expect(demoReportSchema.safeParse({ ...wrong, extra: 1 }).success).toBe(false);
  });

  it('reports cost per answered request and the floor, as exact decimal text', () => {
    const report = demoReport({
      scenario: 'cache-break',
      seed: 7,
      rpm: 60,
      runMs: 30 * 60_000,
      scale: 10,
      // 3 answers for $1: a repeating fraction, rounded half-even to 9 decimals.
      adaptive: {
        ...summary({
          requests: 3,
          ok: 3,
          good: 3,
          money: { onDemand: '0.5', reserved: '0.5', total: '1' },
        }),
        timing,
      },
      static: {
        ...summary({
          name: 'static',
          requests: 3,
          ok: 0,
          good: 0,
          money: { onDemand: '0', reserved: '0.5', total: '0.5' },
        }),
        timing,
      },
      floor: { costUsd: '0.9', rankedCostUsd: '0.95' },
    });
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.adaptive).toMatchObject({ answered: 3, cost_per_answered_usd: '0.333333333' });
    expect(report.static).toMatchObject({ answered: 0, cost_per_answered_usd: null });
    expect(report.floor).toEqual({
      cost_usd: '0.9',
      ranked_cost_usd: '0.95',
      cost_per_request_usd: '0.3',
    });
    // Reports written before these fields existed still validate.
    const { floor: _floor, ...old } = report;
    const { answered: _a, cost_per_answered_usd: _c, ...oldRun } = report.adaptive;
    expect(validate({ ...old, adaptive: oldRun }), JSON.stringify(validate.errors)).toBe(true);
  });
});
