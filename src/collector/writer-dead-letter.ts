// The writer's last resort for rows the store refuses on their own (a bad value, not an
// outage): kept durably as JSON in the dead-letter directory, retried with backoff while the
// disk fails, so a refused row is in the store or in a file before the spool forgets it.
import { setTimeout as sleep } from 'node:timers/promises';
import { describeStoreError } from '../storage/errors.js';
import type { Logger } from '../shared/logger.js';
import type { RefusedRow } from './committer.js';
import { writeDeadLetters } from './dead-letter.js';
import { backoffMs, type BackoffPolicy } from './insert-policy.js';
import { deadLetterRows, type Table } from './writer-rows.js';

export interface DeadLetterContext {
  dir: string;
  backoff: BackoffPolicy;
  signal: AbortSignal;
  logger: Logger;
  now: () => number;
}

/** Keep refused rows durably (as JSON); resolves with how many once written (or throws if aborted). */
export async function deadLetterDurably(
  ctx: DeadLetterContext,
  table: Table,
  tsvOrJson: RefusedRow[],
): Promise<number> {
  const refused = deadLetterRows(table, tsvOrJson);
  for (let attempt = 0; ; attempt += 1) {
    ctx.signal.throwIfAborted();
    try {
      const file = await writeDeadLetters(ctx.dir, table, refused, new Date(ctx.now()));
      ctx.logger.error('the store refused rows; kept in the dead-letter directory', {
        table,
        rows: refused.length,
        file,
        reason: refused[0] !== undefined ? describeStoreError(refused[0].error) : '',
      });
      return refused.length;
    } catch (err) {
      ctx.logger.error('cannot write the dead-letter file; retrying', { table, err });
      await sleep(backoffMs(attempt, ctx.backoff), undefined, { signal: ctx.signal });
    }
  }
}
