// One alert evaluation pass: every enabled rule is evaluated at the injected clock's `now`, the
// lifecycle advanced, transitions written to alert_events and sent to the rule's notifiers.
// Passes never overlap; a rule whose query fails keeps its alerts untouched (no false resolve).
import type { AlertRule } from '../../shared/config-alerts.js';
import type { Config } from '../../shared/config.js';
import type { Logger } from '../../shared/logger.js';
import type { QueryRunner } from '../../storage/runner.js';
import type { FetchLike } from './deliver.js';
import { notify } from './notifiers.js';
import { evaluateRule } from './rules.js';
import { advance, type Alert, type Transition } from './state.js';
import {
  alertFromRow,
  insertEvents,
  queryActive,
  toEventRow,
  type AlertEventRow,
} from './store.js';

export interface AlertEngineDeps {
  storage: QueryRunner;
  logger: Logger;
  config: Config;
  now: () => Date;
  fetchImpl?: FetchLike;
}

export interface EvaluationSummary {
  at: string;
  rules: number;
  failedRules: string[];
  transitions: {
    fingerprint: string;
    rule: string;
    state: string;
    notified: string[];
    failed: string[];
    repeat: boolean;
  }[];
}

export class AlertEngine {
  private readonly active = new Map<string, Alert>();
  private restored = false;
  private running: Promise<EvaluationSummary> | undefined;

  constructor(private readonly deps: AlertEngineDeps) {}

  evaluate(): Promise<EvaluationSummary> {
    // Overlapping cron ticks share the pass in flight rather than double-notifying.
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async restore(): Promise<void> {
    if (this.restored) return;
    const rows = await queryActive(this.deps.storage);
    for (const row of rows) this.active.set(row.fingerprint, alertFromRow(row));
    this.restored = true;
  }

  private async pass(): Promise<EvaluationSummary> {
    const now = this.deps.now();
    const nowMs = now.getTime();
    const cfg = this.deps.config.alerts;
    await this.restore();
    const summary: EvaluationSummary = {
      at: now.toISOString(),
      rules: 0,
      failedRules: [],
      transitions: [],
    };
    const ctx = {
      storage: this.deps.storage,
      now,
      finopsBudgets: this.deps.config.finops.budgets,
      reservations: this.deps.config.finops.reservations,
    };
    const pending: Promise<void>[] = [];
    const changed = new Set<string>();
    const rules = cfg.rules.filter((r) => r.enabled);
    for (const rule of rules) {
      summary.rules++;
      let transitions: Transition[];
      try {
        transitions = advance(
          this.active,
          rule,
          await evaluateRule(rule, ctx),
          nowMs,
          cfg.repeat_interval_s * 1000,
        );
      } catch (err) {
        summary.failedRules.push(rule.name);
        this.deps.logger.warn('alert rule evaluation failed', { rule: rule.name, err });
        continue;
      }
      for (const t of transitions) {
        changed.add(t.alert.fingerprint);
        pending.push(this.dispatch(rule, t, nowMs, summary));
      }
    }
    for (const t of this.dropOrphans(new Set(rules.map((r) => r.name)), nowMs))
      pending.push(this.dispatch(undefined, t, nowMs, summary));
    pending.push(this.keepAlive(rules, nowMs, changed));
    await Promise.all(pending);
    return summary;
  }

  /** Alerts of rules removed from (or disabled in) the config are resolved, not left firing forever. */
  private dropOrphans(names: Set<string>, nowMs: number): Transition[] {
    const out: Transition[] = [];
    for (const [fp, alert] of this.active) {
      if (names.has(alert.rule)) continue;
      this.active.delete(fp);
      out.push({
        alert: { ...alert, state: 'resolved', endedAt: nowMs },
        notify: false,
        repeat: false,
      });
    }
    return out;
  }

  private async dispatch(
    rule: AlertRule | undefined,
    t: Transition,
    nowMs: number,
    summary: EvaluationSummary,
  ): Promise<void> {
    let ok: string[] = [];
    let failed: string[] = [];
    if (t.notify && rule !== undefined && rule.notifiers.length > 0) {
      const outcome = await notify({
        notifiers: this.deps.config.alerts.notifiers,
        names: rule.notifiers,
        alert: t.alert,
        repeat: t.repeat,
        nowMs,
        fetchImpl: this.deps.fetchImpl,
      });
      ({ ok, failed } = outcome);
      if (failed.length > 0)
        this.deps.logger.warn('alert notification failed', {
          rule: rule.name,
          failed,
          results: outcome.results,
        });
    }
    summary.transitions.push({
      fingerprint: t.alert.fingerprint,
      rule: t.alert.rule,
      state: t.alert.state,
      notified: ok,
      failed,
      repeat: t.repeat,
    });
    if (t.repeat) return;
    await this.write([toEventRow(t.alert, nowMs, ok, failed)]);
  }

  /**
   * Alertmanager expects a firing alert to be re-posted (it resolves alerts it stops hearing
   * about after resolve_timeout) and deduplicates by labels itself, so firing alerts are
   * re-sent to alertmanager notifiers every pass; people see no duplicate.
   */
  private async keepAlive(rules: AlertRule[], nowMs: number, changed: Set<string>): Promise<void> {
    const byName = new Map(rules.map((r) => [r.name, r]));
    const sends: Promise<unknown>[] = [];
    for (const alert of this.active.values()) {
      const rule = byName.get(alert.rule);
      if (alert.state !== 'firing' || rule === undefined || changed.has(alert.fingerprint))
        continue;
      const names = rule.notifiers.filter(
        (n) => this.deps.config.alerts.notifiers[n]?.type === 'alertmanager',
      );
      if (names.length > 0)
        sends.push(
          notify({
            notifiers: this.deps.config.alerts.notifiers,
            names,
            alert,
            repeat: true,
            nowMs,
            fetchImpl: this.deps.fetchImpl,
          }),
        );
    }
    await Promise.all(sends);
  }

  private async write(rows: AlertEventRow[]): Promise<void> {
    try {
      await insertEvents(this.deps.storage, rows);
    } catch (err) {
      this.deps.logger.error('alert history write failed', { err });
    }
  }
}
