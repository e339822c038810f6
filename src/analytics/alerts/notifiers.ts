// Notifiers: generic webhook (JSON, HMAC-SHA256 signed), Slack incoming webhook, Prometheus
// Alertmanager (POST /api/v2/alerts). Each notifier is delivered independently (allSettled),
// so one failing receiver never blocks or delays the verdict of the others.
import { createHmac } from 'node:crypto';
import type { NotifierConfig } from '../../shared/config-notifiers.js';
import { deliver, type DeliveryResult, type FetchLike } from './deliver.js';
import type { Alert } from './state.js';

export const SIGNATURE_HEADER = 'x-finops-signature';
export const TIMESTAMP_HEADER = 'x-finops-timestamp';

export interface NotificationOutcome {
  ok: string[];
  failed: string[];
  results: Record<string, DeliveryResult>;
}

/** The JSON the generic webhook receives. */
export function webhookPayload(
  alert: Alert,
  repeat: boolean,
  nowMs: number,
): Record<string, unknown> {
  return {
    schema: 'llm-finops-alert/v1',
    status: alert.state === 'resolved' ? 'resolved' : 'firing',
    repeat,
    sent_at: new Date(nowMs).toISOString(),
    alert: {
      fingerprint: alert.fingerprint,
      rule: alert.rule,
      kind: alert.kind,
      severity: alert.severity,
      labels: alert.labels,
      value: alert.value,
      threshold: alert.threshold,
      summary: alert.summary,
      starts_at: new Date(alert.firingAt ?? alert.startedAt).toISOString(),
      ...(alert.endedAt !== undefined ? { ends_at: new Date(alert.endedAt).toISOString() } : {}),
    },
  };
}

/** `sha256=<hex>` of HMAC-SHA256(secret, `<timestamp>.<body>`): the timestamp stops replays. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

function slackPayload(
  alert: Alert,
  n: Extract<NotifierConfig, { type: 'slack' }>,
): Record<string, unknown> {
  const resolved = alert.state === 'resolved';
  const icon = resolved
    ? ':large_green_circle:'
    : alert.severity === 'critical'
      ? ':red_circle:'
      : ':large_yellow_circle:';
  const labels = Object.entries(alert.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return {
    text: `${icon} [${resolved ? 'RESOLVED' : 'FIRING'}] ${alert.rule} (${alert.severity}): ${alert.summary}`,
    ...(n.channel !== undefined ? { channel: n.channel } : {}),
    ...(n.username !== undefined ? { username: n.username } : {}),
    attachments: [
      {
        color: resolved ? 'good' : alert.severity === 'critical' ? 'danger' : 'warning',
        fields: [
          { title: 'labels', value: labels || '(none)', short: false },
          { title: 'value', value: String(alert.value), short: true },
          { title: 'threshold', value: String(alert.threshold), short: true },
        ],
      },
    ],
  };
}

/** Alertmanager API v2 alert; labels identify the alert there, so they mirror our fingerprint. */
export function alertmanagerAlert(alert: Alert): Record<string, unknown> {
  return {
    labels: { alertname: alert.rule, severity: alert.severity, kind: alert.kind, ...alert.labels },
    annotations: {
      summary: alert.summary,
      value: String(alert.value),
      threshold: String(alert.threshold),
      fingerprint: alert.fingerprint,
    },
    startsAt: new Date(alert.firingAt ?? alert.startedAt).toISOString(),
    ...(alert.endedAt !== undefined ? { endsAt: new Date(alert.endedAt).toISOString() } : {}),
  };
}

function request(
  n: NotifierConfig,
  alert: Alert,
  repeat: boolean,
  nowMs: number,
): { url: string; body: string; headers: Record<string, string> } {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'llm-finops-alerts',
    ...n.headers,
  };
  if (n.type === 'slack')
    return { url: n.url, body: JSON.stringify(slackPayload(alert, n)), headers };
  if (n.type === 'alertmanager')
    return {
      url: `${n.url.replace(/\/+$/, '')}/api/v2/alerts`,
      body: JSON.stringify([alertmanagerAlert(alert)]),
      headers,
    };
  const body = JSON.stringify(webhookPayload(alert, repeat, nowMs));
  if (n.secret !== undefined) {
    const ts = String(Math.floor(nowMs / 1000));
    headers[TIMESTAMP_HEADER] = ts;
    headers[SIGNATURE_HEADER] = signWebhook(n.secret, ts, body);
  }
  return { url: n.url, body, headers };
}

export interface NotifyOptions {
  notifiers: Record<string, NotifierConfig>;
  names: string[];
  alert: Alert;
  repeat: boolean;
  nowMs: number;
  fetchImpl?: FetchLike | undefined;
}

export async function notify(opts: NotifyOptions): Promise<NotificationOutcome> {
  const outcome: NotificationOutcome = { ok: [], failed: [], results: {} };
  const settled = await Promise.allSettled(
    opts.names.map(async (name) => {
      const n = opts.notifiers[name];
      if (n === undefined)
        return {
          name,
          result: { ok: false, attempts: 0, error: 'unknown notifier' } as DeliveryResult,
        };
      const req = request(n, opts.alert, opts.repeat, opts.nowMs);
      const result = await deliver(
        { ...req, timeoutMs: n.timeout_ms, retries: n.retries, backoffMs: n.backoff_ms },
        opts.fetchImpl,
      );
      return { name, result };
    }),
  );
  settled.forEach((s, i) => {
    const name = opts.names[i] as string;
    const result =
      s.status === 'fulfilled'
        ? s.value.result
        : { ok: false, attempts: 0, error: String(s.reason) };
    outcome.results[name] = result;
    (result.ok ? outcome.ok : outcome.failed).push(name);
  });
  return outcome;
}
