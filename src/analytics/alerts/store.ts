// Alert history in ClickHouse (alert_events, migration 0030): one row per transition. The
// active set is the latest event per fingerprint that is not resolved, so any API replica can
// answer GET /v1/alerts and a restarted scheduler resumes without re-notifying.
import { randomUUID } from 'node:crypto';
import type { QueryRunner } from '../../storage/runner.js';
import type { Alert, AlertState } from './state.js';

export interface AlertEventRow {
  event_id: string;
  time: string;
  fingerprint: string;
  rule: string;
  kind: string;
  severity: string;
  state: AlertState;
  tenant: string;
  labels: Record<string, string>;
  value: number;
  threshold: number;
  summary: string;
  started_at: string;
  notified: string[];
  notify_failed: string[];
}

export function toEventRow(
  alert: Alert,
  nowMs: number,
  notified: string[] = [],
  failed: string[] = [],
): AlertEventRow {
  return {
    event_id: randomUUID(),
    time: new Date(nowMs).toISOString(),
    fingerprint: alert.fingerprint,
    rule: alert.rule,
    kind: alert.kind,
    severity: alert.severity,
    state: alert.state,
    tenant: alert.labels.tenant ?? '',
    labels: alert.labels,
    value: Number.isFinite(alert.value) ? alert.value : 0,
    threshold: Number.isFinite(alert.threshold) ? alert.threshold : 0,
    summary: alert.summary,
    started_at: new Date(alert.startedAt).toISOString(),
    notified,
    notify_failed: failed,
  };
}

export async function insertEvents(storage: QueryRunner, rows: AlertEventRow[]): Promise<void> {
  if (rows.length === 0) return;
  await storage.insert('alert_events', `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
}

export interface EventFilter {
  tenant?: string | undefined;
  rule?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  limit: number;
}

const COLUMNS = `event_id, toUnixTimestamp64Milli(time) AS time_ms, fingerprint, rule, kind, severity, state, tenant, labels,
  value, threshold, summary, toUnixTimestamp64Milli(started_at) AS started_ms, notified, notify_failed`;

function filterSql(f: Omit<EventFilter, 'limit'>, params: Record<string, unknown>): string {
  const parts: string[] = ['1'];
  if (f.tenant !== undefined) {
    params.tenant = f.tenant;
    parts.push('tenant = {tenant:String}');
  }
  if (f.rule !== undefined) {
    params.rule = f.rule;
    parts.push('rule = {rule:String}');
  }
  if (f.from !== undefined) {
    params.from = f.from.getTime();
    parts.push("time >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')");
  }
  if (f.to !== undefined) {
    params.to = f.to.getTime();
    parts.push("time < fromUnixTimestamp64Milli({to:Int64}, 'UTC')");
  }
  return parts.join(' AND ');
}

/** Transitions, newest first. */
export async function queryHistory(storage: QueryRunner, f: EventFilter): Promise<AlertEventRow[]> {
  const params: Record<string, unknown> = { limit: f.limit };
  const sql = `SELECT ${COLUMNS} FROM alert_events WHERE ${filterSql(f, params)} ORDER BY time DESC, event_id LIMIT {limit:UInt32}`;
  return normalize(await storage.query<AlertEventRow>(sql, params));
}

/** Pending and firing alerts: the latest event of each fingerprint, when it is not `resolved`. */
export async function queryActive(
  storage: QueryRunner,
  f: Omit<EventFilter, 'limit' | 'from' | 'to'> = {},
): Promise<AlertEventRow[]> {
  const params: Record<string, unknown> = {};
  const sql = `SELECT * FROM (
      SELECT ${COLUMNS}, time AS t FROM alert_events WHERE ${filterSql(f, params)}
      ORDER BY fingerprint, t DESC, state = 'resolved' DESC LIMIT 1 BY fingerprint)
    WHERE state != 'resolved' ORDER BY t DESC`;
  return normalize(await storage.query<AlertEventRow>(sql, params));
}

function normalize<T extends AlertEventRow>(rows: T[]): T[] {
  const iso = (ms: unknown): string => new Date(Number(ms)).toISOString();
  return rows.map((raw) => {
    const {
      time_ms: timeMs,
      started_ms: startedMs,
      t: _t,
      ...r
    } = raw as T & { time_ms?: unknown; started_ms?: unknown; t?: unknown };
    return {
      ...r,
      time: iso(timeMs),
      started_at: iso(startedMs),
      value: Number(r.value),
      threshold: Number(r.threshold),
    } as T;
  });
}

/** Rebuild the in-memory active set from history (scheduler start). */
export function alertFromRow(row: AlertEventRow): Alert {
  const startedAt = Date.parse(row.started_at);
  return {
    fingerprint: row.fingerprint,
    rule: row.rule,
    kind: row.kind as Alert['kind'],
    severity: row.severity as Alert['severity'],
    labels: row.labels,
    state: row.state,
    startedAt,
    value: row.value,
    threshold: row.threshold,
    summary: row.summary,
    ...(row.state === 'firing'
      ? { firingAt: Date.parse(row.time), lastNotifiedAt: Date.parse(row.time) }
      : {}),
  };
}
