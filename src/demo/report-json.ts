// `llm-finops demo --report-json FILE`: the comparison as data, so a user or a CI job can compare
// runs (seeds, rates, versions) without parsing the text table. One zod schema is the source of
// both the writer's check and schemas/demo-report.schema.json (JSON Schema 2020-12), which
// `npm run schemas` regenerates and a test keeps in step.
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { Money, moneyText } from '../shared/money.js';
import type { RunSummary } from './metrics.js';
import type { Timing } from './report.js';

const share = z.number().min(0).max(1);
const seconds = z.number().min(0).nullable();
const count = z.number().int().min(0);
const usd = z
  .string()
  .regex(/^\d+(\.\d+)?$/)
  .describe('US dollars as exact decimal text (no exponent), e.g. "3.8215"');

const targetSchema = z
  .object({
    answers: count.describe('answers this target served'),
    input_tokens: count,
    cached_tokens: count.describe('input tokens read from the provider prompt cache'),
    output_tokens: count,
    cost_usd: usd.describe('on-demand spend of those answers ("0" on the reservation)'),
  })
  .strict();

const runSchema = z
  .object({
    requests: count.describe('user requests (the same seeded traffic in both runs)'),
    goodput: share.describe('share of requests answered with a first token within the 10 s SLO'),
    p50_ttft_s: seconds.describe('median time to first token of answered requests, demo seconds'),
    p95_ttft_s: seconds.describe('95th percentile time to first token, demo seconds'),
    user_429: count.describe('429 answers that reached users'),
    user_5xx: count.describe('5xx answers and timeouts that reached users'),
    attempts: count.describe('provider attempts (retries and overflows included)'),
    cost_usd: usd.describe('on-demand spend plus the reservation, exact decimal text'),
    answered: count
      .optional()
      .describe('requests answered (200), whatever their time to first token'),
    cost_per_answered_usd: usd
      .nullable()
      .optional()
      .describe(
        'cost_usd over answered, rounded half-even to 9 decimals: what a delivered answer cost (a refused request bills nothing, so cost_usd alone favours the run that answers less); null: nothing answered',
      ),
    reserved_cost_usd: usd.describe("the reservation's flat price for the run, exact decimal text"),
    ptu_utilization: share.describe(
      'converted tokens served by the provisioned deployment over what it could serve (0..1)',
    ),
    detect_minutes: z
      .number()
      .nullable()
      .describe('demo minutes from incident onset to the first alert or weight move; null: never'),
    shift_minutes: z
      .number()
      .nullable()
      .describe(
        "demo minutes from onset until the degraded target held < 10% of its tier's weight; null: never (or no incident target)",
      ),
    by_target: z
      .record(z.string(), targetSchema)
      .optional()
      .describe('per target id: what it answered and what that cost (where the bill comes from)'),
  })
  .strict();

const floorSchema = z
  .object({
    cost_usd: usd.describe(
      "the least any gateway answering every request could pay (src/demo/floor.ts: each request's exact usage, the reservation filled to its capacity with the answers worth most on demand), reservation included",
    ),
    ranked_cost_usd: usd.describe(
      'the same bound with the reservation filled by what a router can know before the answer (expected output length)',
    ),
    cost_per_request_usd: usd.describe('cost_usd over requests, rounded half-even to 9 decimals'),
  })
  .strict();

export const demoReportSchema = z
  .object({
    schema: z.literal('llm-finops-demo-report/v1'),
    scenario: z.string(),
    seed: z.number().int(),
    rpm: z.number().positive().describe('base load, requests per demo minute'),
    minutes: z.number().positive().describe('demo-clock minutes of traffic'),
    scale: z.number().positive().describe('demo seconds per wall second'),
    adaptive: runSchema,
    static: runSchema,
    floor: floorSchema
      .optional()
      .describe(
        'cost floor of the run: when it is above static.cost_usd, "adaptive cost <= static cost" cannot hold for a gateway answering what static refused; compare cost_per_answered_usd instead',
      ),
  })
  .strict();
export type DemoReport = z.infer<typeof demoReportSchema>;
export type DemoRunReport = z.infer<typeof runSchema>;

/** The report's JSON Schema (schemas/demo-report.schema.json). */
export function demoReportJsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(demoReportSchema, { target: 'draft-2020-12' }) as Record<string, unknown>),
    $id: 'https://llm-finops.dev/schemas/demo-report.schema.json',
    title: 'llm-finops demo report (--report-json)',
  };
}

/** Per-unit amounts (a cost per answer) keep 9 decimals: exact enough, never an endless fraction. */
const PER_UNIT_DP = 9;
const perUnit = (total: string, n: number): string | null =>
  n > 0 ? moneyText(new Money(total).div(n).toDecimalPlaces(PER_UNIT_DP)) : null;

const round = (x: number, digits: number): number => Number(x.toFixed(digits));
const toS = (ms: number | null): number | null => (ms === null ? null : round(ms / 1000, 3));
const toMin = (ms: number | null): number | null => (ms === null ? null : round(ms / 60_000, 3));

export function runReport(r: RunSummary, t: Timing): DemoRunReport {
  return {
    requests: r.requests,
    goodput: r.requests > 0 ? round(r.good / r.requests, 6) : 0,
    p50_ttft_s: toS(r.p50TtftMs),
    p95_ttft_s: toS(r.p95TtftMs),
    user_429: r.user429,
    user_5xx: r.userErrors,
    attempts: r.providerAttempts,
    cost_usd: r.money.total,
    answered: r.ok,
    cost_per_answered_usd: perUnit(r.money.total, r.ok),
    reserved_cost_usd: r.money.reserved,
    ptu_utilization: round(Math.min(1, r.ptuUtilPct / 100), 6),
    detect_minutes: toMin(t.detectMs),
    shift_minutes: t.shiftApplies ? toMin(t.shiftMs) : null,
    ...(r.byTarget !== undefined
      ? {
          by_target: Object.fromEntries(
            Object.entries(r.byTarget).map(([id, x]) => [
              id,
              {
                answers: x.answers,
                input_tokens: x.inputTokens,
                cached_tokens: x.cachedTokens,
                output_tokens: x.outputTokens,
                cost_usd: x.costUsd,
              },
            ]),
          ),
        }
      : {}),
  };
}

export interface ReportInput {
  scenario: string;
  seed: number;
  rpm: number;
  runMs: number;
  scale: number;
  adaptive: RunSummary & { timing: Timing };
  static: RunSummary & { timing: Timing };
  /** The run's cost floor (src/demo/floor.ts), reservation included; omitted when not computed. */
  floor?: { costUsd: string; rankedCostUsd: string };
}

export function demoReport(i: ReportInput): DemoReport {
  return demoReportSchema.parse({
    schema: 'llm-finops-demo-report/v1',
    scenario: i.scenario,
    seed: i.seed,
    rpm: i.rpm,
    minutes: i.runMs / 60_000,
    scale: i.scale,
    adaptive: runReport(i.adaptive, i.adaptive.timing),
    static: runReport(i.static, i.static.timing),
    ...(i.floor !== undefined
      ? {
          floor: {
            cost_usd: i.floor.costUsd,
            ranked_cost_usd: i.floor.rankedCostUsd,
            cost_per_request_usd: perUnit(i.floor.costUsd, i.adaptive.requests) ?? '0',
          },
        }
      : {}),
  });
}

export function writeDemoReport(path: string, report: DemoReport): void {
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}
