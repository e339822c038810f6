// The `llm-finops demo` command: options, live progress on stderr (a status line per wall
// second), the comparison table on stdout, the chart written to a PNG file. src/cli.ts loads
// this module lazily, so the other commands never load the openai SDK or the PNG renderer.
import { resolve } from 'node:path';
import type { RuntimeOptions } from '../runtime.js';
import type { Logger } from '../shared/logger.js';
import { compareMoney, formatUsd } from '../shared/money.js';
import { demoReport, writeDemoReport } from './report-json.js';
import { DEFAULT_SCALE, runDemo, scenarioOf, type DemoResult } from './run.js';

export interface DemoCommandOptions {
  scenario: string;
  minutes?: number;
  scale?: number;
  seed?: number;
  rpm?: number;
  dataDir?: string;
  chart: string;
  /** Write the comparison as JSON (schemas/demo-report.schema.json) to this file. */
  reportJson?: string;
  /** A ClickHouse server instead of the embedded store (from CLICKHOUSE_URL in the CLI). */
  clickhouse?: RuntimeOptions['clickhouse'];
}

export interface DemoWriters {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultWriters: DemoWriters = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

export function summaryText(r: DemoResult): string {
  const calls = Object.entries(r.llmCalls)
    .map(([env, n]) => `${env} ${n}`)
    .join(', ');
  return [
    r.table,
    '',
    floorText(r),
    `chart: ${r.chartFile} (${r.chartBytes} bytes; SVG next to it)`,
    `llm_calls rows: ${calls || 'none'}; alerts fired: ${r.alerts.length}; wall time ${(r.wallMs / 1000).toFixed(0)} s`,
    '',
  ].join('\n');
}

/** The run's cost floor beside the two bills: says when "cost <= static" is out of reach. */
export function floorText(r: Pick<DemoResult, 'floor' | 'adaptive' | 'static'>): string {
  const s = r.static;
  const line = `cost floor (every one of ${s.requests} requests answered, the reservation packed perfectly): ${formatUsd(r.floor.costUsd)} (${formatUsd(r.floor.rankedCostUsd)} ranking by what a router knows); adaptive answered ${r.adaptive.ok} for ${formatUsd(r.adaptive.money.total)}, static ${s.ok} for ${formatUsd(s.money.total)}`;
  return compareMoney(r.floor.costUsd, s.money.total) > 0
    ? `${line}: static's bill is below the floor because it left ${s.requests - s.ok} requests unanswered; compare cost per answer`
    : line;
}

export async function runDemoCommand(
  opts: DemoCommandOptions,
  logger: Logger,
  writers: DemoWriters = defaultWriters,
): Promise<DemoResult> {
  const scenario = scenarioOf(opts.scenario);
  const minutes = opts.minutes ?? scenario.minutes;
  const scale = opts.scale ?? DEFAULT_SCALE;
  writers.err(`llm-finops demo: ${scenario.name}: ${scenario.description}\n`);
  writers.err(
    `${minutes} demo minutes at ${scale}x (~${Math.round((minutes * 60) / scale)} s of traffic); adaptive (routing feed) and static (round-robin) run side by side on the same seeded traffic\n`,
  );
  const result = await runDemo({
    scenario: scenario.name,
    minutes,
    scale,
    logger,
    chartFile: resolve(opts.chart),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.rpm !== undefined ? { baseRpm: opts.rpm } : {}),
    ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
    ...(opts.clickhouse?.url !== undefined ? { clickhouse: opts.clickhouse } : {}),
    progress: (line) => writers.err(`${line}\n`),
  });
  let reportLine = '';
  if (opts.reportJson !== undefined) {
    const path = resolve(opts.reportJson);
    writeDemoReport(
      path,
      demoReport({ ...result, scenario: result.scenario.name, runMs: result.runMs }),
    );
    reportLine = `report: ${path}\n`;
  }
  writers.out(summaryText(result) + reportLine);
  return result;
}
