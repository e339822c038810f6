// The alert lifecycle, pure: for-duration, deduplication, repeat interval, resolve, fingerprints.
import { describe, expect, it } from 'vitest';
import { advance, fingerprint, type Alert } from '../../src/analytics/alerts/state.js';
import { alertRuleSchema, alertsConfigSchema } from '../../src/shared/config-alerts.js';

const rule = alertRuleSchema.parse({ name: 'e', kind: 'error_rate', for_s: 60 });
const obs = (breached: boolean, provider = 'openai') => [
  { labels: { provider }, value: breached ? 0.2 : 0.01, threshold: 0.05, breached, summary: 's' },
];

describe('alert lifecycle', () => {
  it('pending -> firing after for_s -> resolved, notifying once each way', () => {
    const active = new Map<string, Alert>();
    expect(advance(active, rule, obs(true), 0, 0).map((t) => [t.alert.state, t.notify])).toEqual([
      ['pending', false],
    ]);
    expect(advance(active, rule, obs(true), 30_000, 0)).toEqual([]);
    expect(
      advance(active, rule, obs(true), 60_000, 0).map((t) => [t.alert.state, t.notify]),
    ).toEqual([['firing', true]]);
    expect(advance(active, rule, obs(true), 90_000, 0)).toEqual([]);
    expect(
      advance(active, rule, obs(false), 120_000, 0).map((t) => [t.alert.state, t.notify]),
    ).toEqual([['resolved', true]]);
    expect(active.size).toBe(0);
  });

  it('a pending alert that clears resolves silently; for_s 0 fires at once', () => {
    const active = new Map<string, Alert>();
    advance(active, rule, obs(true), 0, 0);
    expect(advance(active, rule, [], 10_000, 0).map((t) => [t.alert.state, t.notify])).toEqual([
      ['resolved', false],
    ]);
    const now = alertRuleSchema.parse({ name: 'n', kind: 'error_rate' });
    expect(advance(active, now, obs(true), 0, 0).map((t) => t.alert.state)).toEqual(['firing']);
  });

  it('re-notifies a still-firing alert only after the repeat interval', () => {
    const active = new Map<string, Alert>();
    const r = alertRuleSchema.parse({ name: 'r', kind: 'error_rate' });
    advance(active, r, obs(true), 0, 3_600_000);
    expect(advance(active, r, obs(true), 1_800_000, 3_600_000)).toEqual([]);
    expect(advance(active, r, obs(true), 3_600_000, 3_600_000).map((t) => t.repeat)).toEqual([
      true,
    ]);
  });

  it('one alert per rule + labels', () => {
    const active = new Map<string, Alert>();
    const r = alertRuleSchema.parse({ name: 'r', kind: 'error_rate' });
    advance(active, r, [...obs(true, 'a'), ...obs(true, 'b')], 0, 0);
    expect(active.size).toBe(2);
    expect(fingerprint('r', { a: '1', b: '2' })).toBe(fingerprint('r', { b: '2', a: '1' }));
    expect(fingerprint('r', { a: '1' })).not.toBe(fingerprint('s', { a: '1' }));
  });

  it('config: domain defaults, and errors that name the key', () => {
    const cfg = alertsConfigSchema.parse({});
    expect(cfg.rules.find((r) => r.name === 'provider-error-rate')).toMatchObject({
      kind: 'error_rate',
      threshold: 0.05,
      window_s: 60,
      group_by: ['provider'],
    });
    expect(
      cfg.rules
        .filter((r) => r.kind === 'ttft_drift')
        .map((r) => [
          r.kind === 'ttft_drift' && r.stat,
          r.kind === 'ttft_drift' && r.ratio,
          r.severity,
        ]),
    ).toEqual([
      ['p50', 1.2, 'warning'],
      ['p95', 1.5, 'critical'],
    ]);
    const bad = alertsConfigSchema.safeParse({
      rules: [{ name: 'x', kind: 'error_rate', notifiers: ['nope'] }],
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['rules', 0, 'notifiers', 0]);
  });
});
