// A Writer that retries a refused insert until it lands (the store's own refusals are what the
// exactly-once tests inject) and flushes only when told: what the writer-level tests on real
// chDB share; each passes what it varies (batch size, insert bytes, the llm_calls format).
import { join } from 'node:path';
import { Writer, type WriterOptions } from '../../src/collector/writer.js';
import { createLogger } from '../../src/shared/logger.js';
import type { QueryRunner } from '../../src/storage/runner.js';

export function retryingWriter(
  sink: Pick<QueryRunner, 'insert'>,
  dir: string,
  options: Partial<WriterOptions> = {},
): Writer {
  return new Writer(
    sink,
    {
      batchRows: 5000,
      flushIntervalMs: 1e9,
      maxRetries: 1000,
      deadLetterDir: join(dir, 'dead-letter'),
      backoff: { baseMs: 10, maxMs: 200 },
      ...options,
    },
    createLogger('error'),
  );
}
