// The alert lifecycle, pure: observations in, transitions out. pending -> firing once the
// condition held for `for_s`; firing -> resolved when it stops; a pending condition that
// clears is resolved without a notification. One alert per fingerprint (rule + labels), so
// re-evaluating a firing alert never notifies again (only after repeat_interval_s).
import { createHash } from 'node:crypto';
import type { AlertRule } from '../../shared/config-alerts.js';
import type { Observation } from './rule-kinds.js';

export type AlertState = 'pending' | 'firing' | 'resolved';

export interface Alert {
  fingerprint: string;
  rule: string;
  kind: AlertRule['kind'];
  severity: AlertRule['severity'];
  labels: Record<string, string>;
  state: AlertState;
  /** When the condition was first seen (ms). */
  startedAt: number;
  /** When it started firing (ms). */
  firingAt?: number;
  /** When it resolved (ms). */
  endedAt?: number;
  lastNotifiedAt?: number;
  value: number;
  threshold: number;
  summary: string;
}

export interface Transition {
  alert: Alert;
  /** Send to the rule's notifiers (firing, re-notification, or a resolved firing alert). */
  notify: boolean;
  /** A re-notification of an alert already firing (not a state change, not written to history). */
  repeat: boolean;
}

export function fingerprint(rule: string, labels: Record<string, string>): string {
  const canonical = [
    rule,
    ...Object.keys(labels)
      .sort()
      .map((k) => `${k}=${labels[k]}`),
  ].join('\u0000');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/**
 * Advance the active alerts of one rule. `active` holds pending and firing alerts of every rule,
 * keyed by fingerprint; it is updated in place (resolved alerts are removed).
 */
export function advance(
  active: Map<string, Alert>,
  rule: AlertRule,
  observations: Observation[],
  nowMs: number,
  repeatIntervalMs: number,
): Transition[] {
  const out: Transition[] = [];
  const seen = new Set<string>();
  for (const o of observations) {
    if (!o.breached) continue;
    const fp = fingerprint(rule.name, o.labels);
    seen.add(fp);
    const existing = active.get(fp);
    const alert: Alert = existing ?? {
      fingerprint: fp,
      rule: rule.name,
      kind: rule.kind,
      severity: rule.severity,
      labels: o.labels,
      state: 'pending',
      startedAt: nowMs,
      value: o.value,
      threshold: o.threshold,
      summary: o.summary,
    };
    Object.assign(alert, {
      value: o.value,
      threshold: o.threshold,
      summary: o.summary,
      severity: rule.severity,
    });
    active.set(fp, alert);
    if (alert.state === 'pending' && nowMs - alert.startedAt >= rule.for_s * 1000) {
      alert.state = 'firing';
      alert.firingAt = nowMs;
      alert.lastNotifiedAt = nowMs;
      out.push({ alert: { ...alert }, notify: true, repeat: false });
    } else if (alert.state === 'pending' && existing === undefined) {
      out.push({ alert: { ...alert }, notify: false, repeat: false });
    } else if (
      alert.state === 'firing' &&
      repeatIntervalMs > 0 &&
      nowMs - (alert.lastNotifiedAt ?? nowMs) >= repeatIntervalMs
    ) {
      alert.lastNotifiedAt = nowMs;
      out.push({ alert: { ...alert }, notify: true, repeat: true });
    }
  }
  for (const [fp, alert] of active) {
    if (alert.rule !== rule.name || seen.has(fp)) continue;
    active.delete(fp);
    const wasFiring = alert.state === 'firing';
    out.push({
      alert: { ...alert, state: 'resolved', endedAt: nowMs },
      notify: wasFiring,
      repeat: false,
    });
  }
  return out;
}
