// routing_feed_versions (migration 0031): every published version with why its weights moved.
// The latest row seeds the next version number, weights and circuits after a restart, so
// versions stay monotonic and smoothing continues where it stopped.
import type { QueryRunner } from '../../storage/runner.js';
import type { FeedDocument, WeightChange } from '../../routing-client/types.js';
import type { Circuit } from './circuit.js';

export async function insertVersion(
  storage: QueryRunner,
  doc: FeedDocument,
  etag: string,
): Promise<void> {
  const row = {
    feed_id: doc.feed_id,
    version: doc.version,
    generated_at: doc.generated_at,
    etag,
    changes: JSON.stringify(doc.changes ?? []),
    document: JSON.stringify(doc),
  };
  await storage.insert('routing_feed_versions', `${JSON.stringify(row)}\n`);
}

export async function latestVersion(
  storage: QueryRunner,
  feedId: string,
): Promise<{ version: number; document: FeedDocument } | undefined> {
  const rows = await storage.query<{ version: string | number; document: string }>(
    'SELECT version, document FROM routing_feed_versions WHERE feed_id = {feed_id:String} ORDER BY version DESC LIMIT 1',
    { feed_id: feedId },
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return { version: Number(row.version), document: JSON.parse(row.document) as FeedDocument };
}

export interface VersionSummary {
  version: number;
  generated_at: string;
  etag: string;
  changes: WeightChange[];
}

export async function queryVersions(
  storage: QueryRunner,
  feedId: string,
  limit: number,
  beforeVersion?: number,
): Promise<VersionSummary[]> {
  const params: Record<string, unknown> = { feed_id: feedId, limit };
  const before =
    beforeVersion !== undefined
      ? ((params.before = beforeVersion), 'AND version < {before:UInt64}')
      : '';
  const rows = await storage.query<{
    version: string | number;
    at_ms: string | number;
    etag: string;
    changes: string;
  }>(
    `SELECT version, toUnixTimestamp64Milli(generated_at) AS at_ms, etag, changes FROM routing_feed_versions
      WHERE feed_id = {feed_id:String} ${before} ORDER BY version DESC LIMIT {limit:UInt32}`,
    params,
  );
  return rows.map((r) => ({
    version: Number(r.version),
    generated_at: new Date(Number(r.at_ms)).toISOString(),
    etag: r.etag,
    changes: JSON.parse(r.changes) as WeightChange[],
  }));
}

/** Weights (`<pool>/<target>`) and circuits as the stored document left them. */
export function restoreState(doc: FeedDocument): {
  weights: Map<string, number>;
  circuits: Map<string, Circuit>;
} {
  const weights = new Map<string, number>();
  for (const pool of doc.pools)
    for (const tier of pool.tiers)
      for (const t of tier.targets) weights.set(`${pool.pool}/${t.id}`, t.weight);
  const circuits = new Map<string, Circuit>();
  for (const [id, t] of Object.entries(doc.targets)) {
    if (t.circuit === undefined) continue;
    const since = Date.parse(t.circuit.since);
    circuits.set(id, {
      state: t.circuit.state,
      since: Number.isNaN(since) ? 0 : since,
      opens: t.circuit.state === 'closed' ? 0 : 1,
      ...(t.circuit.reason !== undefined ? { reason: t.circuit.reason } : {}),
    });
  }
  return { weights, circuits };
}
