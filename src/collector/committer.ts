// Commits one table's rows so that a refused row never blocks the others: rows go in as
// partition-bounded inserts; an insert the engine refuses for its data is split until the
// refused rows stand alone (they come back as `refused`, for the dead-letter directory) and
// everything else commits; an outage is retried through the shared retry policy (retry.ts
// decides on the typed error: StoreRefusedError is permanent, StoreOutageError is not), under
// the same deduplication token, so a retry after a timed-out-but-committed insert writes
// nothing twice. The token covers the views too (client.ts, migration 0045): on chDB an insert
// that fails in one view (MEMORY_LIMIT_EXCEEDED) has already committed llm_calls and the views
// before it, so an outage is never split under new tokens, only retried whole.
import { createHash } from 'node:crypto';
import { retry, type RetryPolicy } from '../shared/retry.js';
import {
  StoreOutageError,
  StoreRefusedError,
  storeFailure,
  type StoreError,
} from '../storage/errors.js';
import type { InsertOptions, QueryRunner } from '../storage/runner.js';
import { partitionChunks, type QueuedRow } from './insert-plan.js';
import { byRowFormat, hashRowIds, insertOf, rowBodyBytes } from './row-slabs.js';
import {
  decideRefusal,
  splitRows,
  storeRetryPolicy,
  type BackoffPolicy,
  type Refusal,
} from './insert-policy.js';

/** The insert format of a table's queued rows (default JSONEachRow). */
export type RowFormat = Pick<InsertOptions, 'format' | 'columns'>;

export interface RefusedRow {
  row: QueuedRow;
  error: StoreError;
}

export interface CommitResult {
  committed: QueuedRow[];
  refused: RefusedRow[];
}

export interface CommitterOptions {
  /** Partitions one insert may touch (keep at or below the engine's max_partitions_per_insert_block). */
  maxPartitions: number;
  maxRows: number;
  /**
   * Most body bytes one insert carries (storage.max_memory's insert share, memory.ts): a batch is
   * cut before its first attempt, so a retry repeats the same rows under the same token.
   */
  maxBytes?: number;
  backoff: BackoffPolicy;
  /** Throw StoreUnavailableError after this many failed attempts of one insert (default: never). */
  maxAttempts?: number;
  /** Stops the retry loop (shutdown): commit() then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Every failed attempt (for stats and logs). */
  onFailure?: (failure: {
    table: string;
    error: StoreError;
    attempt: number;
    rows: number;
  }) => void;
  /** Every insert that went through. */
  onSuccess?: (rows: number) => void;
}

/** A retryable failure outlasted `maxAttempts` (used where waiting forever is wrong, e.g. a CLI). */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(readonly error: StoreError) {
    super(`the store keeps failing: ${error.message}`);
  }
}

export class Committer {
  private readonly policy: RetryPolicy;

  constructor(
    private readonly storage: Pick<QueryRunner, 'insert'>,
    private readonly options: CommitterOptions,
  ) {
    this.policy = storeRetryPolicy(options.backoff, options.maxAttempts);
  }

  /** Commit `rows` (lines in `format`: JSONEachRow unless a TSV format and columns are given). */
  async commit(table: string, rows: QueuedRow[], format: RowFormat = {}): Promise<CommitResult> {
    const result: CommitResult = { committed: [], refused: [] };
    const { maxPartitions, maxRows, maxBytes = Infinity } = this.options;
    for (const part of byteChunks(rows, maxBytes)) {
      for (const chunk of partitionChunks(part, maxPartitions, maxRows)) {
        // A TSV row among RowBinary ones (row-slabs.ts) is its own insert: no body converted.
        for (const rowsOfFormat of byRowFormat(chunk))
          await this.commitChunk(table, rowsOfFormat, result, format);
      }
    }
    return result;
  }

  /** Depth-first over the splits (an explicit stack: no recursion depth to worry about). */
  private async commitChunk(
    table: string,
    rows: QueuedRow[],
    result: CommitResult,
    format: RowFormat,
  ): Promise<void> {
    const stack: QueuedRow[][] = [rows];
    while (stack.length > 0) {
      const part = stack.pop() ?? [];
      const outcome = await this.insertWithRetry(table, part, format);
      if (outcome.action === 'committed') result.committed.push(...part);
      else if (outcome.action === 'split') stack.push(...splitRows(part, outcome.at).reverse());
      else for (const row of part) result.refused.push({ row, error: outcome.error });
    }
  }

  private async insertWithRetry(
    table: string,
    rows: QueuedRow[],
    format: RowFormat,
  ): Promise<{ action: 'committed' } | Refusal> {
    const { signal } = this.options;
    // RowBinary rows with a TSV row among them go as TSV (row-slabs.ts); the token is the rows'.
    const { body, format: as } = insertOf(rows, format);
    const dedupToken = tokenFor(rows);
    const attempt = async (n: number): Promise<void> => {
      try {
        await this.storage.insert(table, body, { dedupToken, ...as });
      } catch (err) {
        const failure = storeFailure(err);
        this.options.onFailure?.({
          table,
          error: failure.error,
          attempt: n - 1,
          rows: rows.length,
        });
        throw failure;
      }
    };
    signal?.throwIfAborted();
    try {
      await retry(attempt, this.policy, { signal });
    } catch (err) {
      // Stopped while waiting out a backoff: the rows stay queued (and in the spool).
      signal?.throwIfAborted();
      if (err instanceof StoreRefusedError) return decideRefusal(err.error, rows.length);
      if (err instanceof StoreOutageError) throw new StoreUnavailableError(err.error);
      throw err;
    }
    this.options.onSuccess?.(rows.length);
    return { action: 'committed' };
  }
}

/** `rows` in order, cut so each run's bodies add up to `maxBytes` at most (a larger row alone). */
export function byteChunks(rows: QueuedRow[], maxBytes: number): QueuedRow[][] {
  if (maxBytes === Infinity) return [rows];
  const chunks: QueuedRow[][] = [];
  let chunk: QueuedRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = rowBodyBytes(row);
    if (chunk.length > 0 && bytes + size > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(row);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

function tokenFor(rows: QueuedRow[]): string {
  const hash = createHash('sha256');
  hashRowIds(hash, rows);
  return hash.digest('hex');
}
