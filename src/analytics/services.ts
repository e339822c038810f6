// The analytics services, built once by the composition root (src/runtime.ts) and handed to
// both the HTTP API and the scheduler, so the feed the API serves is the one the scheduler
// computes and the alert engine's active set is one set.
import { parseConfig, type Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import type { QueryRunner } from '../storage/runner.js';
import type { FetchLike } from './alerts/deliver.js';
import { AlertEngine } from './alerts/engine.js';
import { FeedService } from './routing/feed.js';

/** What every analytics part reads: the store, the validated config, a logger and a clock. */
export interface AnalyticsContext {
  storage: QueryRunner;
  logger: Logger;
  /** The validated configuration (SLOs, budgets, reservations...). */
  config: Config;
  /** Injectable clock (tests). */
  now: () => Date;
  /** Called before a read so rows acknowledged by this process are visible (single-process mode). */
  beforeRead?: () => Promise<void>;
}

export interface AnalyticsServices extends AnalyticsContext {
  feed: FeedService;
  alerts: AlertEngine;
}

export interface AnalyticsOptions {
  storage: QueryRunner;
  logger: Logger;
  /** Defaults to the defaults of an empty config file. */
  config?: Config;
  now?: () => Date;
  beforeRead?: () => Promise<void>;
  /** Notifier transport (tests). */
  fetchImpl?: FetchLike;
}

export function createAnalyticsServices(options: AnalyticsOptions): AnalyticsServices {
  const context: AnalyticsContext = {
    storage: options.storage,
    logger: options.logger,
    config: options.config ?? parseConfig({}),
    now: options.now ?? (() => new Date()),
    ...(options.beforeRead !== undefined ? { beforeRead: options.beforeRead } : {}),
  };
  return {
    ...context,
    feed: new FeedService(context),
    alerts: new AlertEngine({
      ...context,
      ...(options.fetchImpl !== undefined ? { fetchImpl: options.fetchImpl } : {}),
    }),
  };
}
