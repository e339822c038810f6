// Background jobs of the analytics service: alert evaluation (node-cron, `alerts.schedule`) and
// routing-feed recomputation (every `routing.recompute_every_s`). Exactly one process should run
// them at a time (`scheduler: true` in one replica); API replicas serve what it stored.
// The jobs are the services the composition root built (the API serves the same feed service),
// and they read the clock those services were given, so tests drive them with an injected clock.
import cron, { type ScheduledTask } from 'node-cron';
import { ConfigError } from '../shared/errors.js';
import type { AnalyticsServices } from './services.js';

export interface Scheduler {
  stop(): Promise<void>;
}

export type SchedulerDeps = Pick<AnalyticsServices, 'config' | 'logger' | 'feed' | 'alerts'>;

export function startScheduler(deps: SchedulerDeps): Scheduler {
  const { config, logger, feed, alerts: engine } = deps;
  let alertTask: ScheduledTask | undefined;
  let feedTimer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>): void => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  if (config.alerts.enabled && config.alerts.rules.length > 0) {
    if (!cron.validate(config.alerts.schedule))
      throw new ConfigError(
        `alerts.schedule: "${config.alerts.schedule}" is not a valid cron expression (5 or 6 fields)`,
      );
    alertTask = cron.schedule(
      config.alerts.schedule,
      () => {
        track(
          engine
            .evaluate()
            .catch((err: unknown) => logger.error('alert evaluation failed', { err })),
        );
      },
      { name: 'llm-finops-alerts', noOverlap: true },
    );
  }

  if (config.routing.enabled) {
    feed.lead();
    logger.info('routing feed signing key', {
      kid: feed.signingKey.kid,
      source: feed.signingKey.source,
      path: feed.signingKey.path,
    });
    const tick = (): void => {
      track(
        feed
          .recompute()
          .catch((err: unknown) => logger.error('routing feed recomputation failed', { err })),
      );
    };
    tick();
    feedTimer = setInterval(tick, config.routing.recompute_every_s * 1000);
    feedTimer.unref();
  }

  return {
    async stop() {
      if (feedTimer !== undefined) clearInterval(feedTimer);
      await alertTask?.destroy();
      await Promise.allSettled([...inFlight]);
    },
  };
}
