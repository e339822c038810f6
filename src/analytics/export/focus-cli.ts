// `llm-finops export focus`: option parsing and the progress bar around exportFocusToFile.
// cli-progress draws on stderr so `--out -` style piping of stdout stays clean.
import { InvalidArgumentError } from 'commander';
import type { Config } from '../../shared/config.js';
import type { QueryRunner } from '../../storage/runner.js';
import { FOCUS_FORMATS, type FocusFormat } from '../queries/focus.js';
import { exportFocusToFile, type ExportFileResult } from './focus-export.js';

export interface FocusCliOptions {
  from: string;
  to: string;
  format: string;
  out: string;
  tenant?: string;
}

/** commander argument parser for --from/--to: ISO-8601 with a zone, like the API. */
export function isoOption(value: string): string {
  if (
    !/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value) ||
    Number.isNaN(Date.parse(value))
  ) {
    throw new InvalidArgumentError(
      'must be an ISO-8601 timestamp with a time zone, e.g. 2026-11-01T00:00:00Z',
    );
  }
  return value;
}

export function formatOption(value: string): FocusFormat {
  if (!(FOCUS_FORMATS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`must be one of: ${FOCUS_FORMATS.join(', ')}`);
  return value as FocusFormat;
}

export async function runFocusExport(
  storage: QueryRunner,
  config: Config,
  o: FocusCliOptions,
): Promise<ExportFileResult> {
  const from = new Date(o.from);
  const to = new Date(o.to);
  if (from.getTime() >= to.getTime()) throw new InvalidArgumentError('--to must be after --from');
  const { default: progress } = await import('cli-progress');
  const bar = new progress.SingleBar(
    {
      format: 'FOCUS export [{bar}] {percentage}% | {value}/{total} steps | {eta_formatted} left',
      stream: process.stderr,
      hideCursor: true,
    },
    progress.Presets.shades_classic,
  );
  let started = false;
  try {
    return await exportFocusToFile(
      storage,
      {
        from,
        to,
        tenant: o.tenant,
        format: formatOption(o.format),
        out: o.out,
        onProgress: (done, total) => {
          if (!started) {
            bar.start(total, 0);
            started = true;
          }
          bar.update(done);
        },
      },
      config.finops,
    );
  } finally {
    if (started) bar.stop();
  }
}
