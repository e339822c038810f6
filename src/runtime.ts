// The composition root: assembles one llm-finops process. It builds every service once (storage,
// migrations, the price catalog, the collector, the analytics services: feed and alert engine,
// the scheduler, the API) and passes each to what uses it; nothing below looks a service up.
// `llm-finops start` and the integration tests both use this, so the tests exercise exactly
// what users run.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp } from './analytics/http/app.js';
import { startScheduler, type Scheduler } from './analytics/scheduler.js';
import { createAnalyticsServices } from './analytics/services.js';
import type { Pipeline } from './collector/pipeline.js';
import { startCollector, type CollectorService } from './collector/service.js';
import { loadCatalog } from './pricing/index.js';
import type { OpenSegment } from './collector/spool.js';
import type { Config } from './shared/config.js';
import { checkExposure } from './shared/exposure.js';
import type { Logger } from './shared/logger.js';
import { createStorage } from './storage/client.js';
import type { QueryRunner } from './storage/runner.js';
import { migrate } from './storage/migrate.js';

export interface RuntimeOptions {
  config: Config;
  logger: Logger;
  clickhouse?: {
    url?: string | undefined;
    user?: string | undefined;
    password?: string | undefined;
  };
  /** Which parts to run; both by default. */
  collector?: boolean;
  api?: boolean;
  /** Run the background jobs (alerts, routing feed). One replica only in a scaled deployment. */
  scheduler?: boolean;
  /** Check every API answer against its documented response schema (tests). */
  checkResponses?: boolean;
  /** The file layer under the collector's spool (tests inject disk faults). */
  openSpoolSegment?: OpenSegment;
}

export interface Runtime {
  storage: QueryRunner;
  pipeline: Pipeline | undefined;
  otlpPort: number | undefined;
  apiPort: number | undefined;
  /** Drain: stop accepting, release held spans, commit everything acknowledged, close. */
  stop(): Promise<void>;
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config, logger } = options;
  // Before anything opens: a refused exposure must not leave a store or a port behind.
  const warnings = checkExposure(config, {
    collector: options.collector !== false,
    api: options.api !== false,
  });
  for (const warning of warnings) logger.warn(warning);
  const storage = await createStorage({
    url: options.clickhouse?.url,
    user: options.clickhouse?.user,
    password: options.clickhouse?.password,
    database: config.storage.database,
    dataDir: config.storage.data_dir,
  });
  const migrations = await migrate(storage, { ttl_days: config.storage.ttl_days });
  if (migrations.applied.length > 0)
    logger.info('migrations applied', { applied: migrations.applied });

  let draining = false;
  let collector: CollectorService | undefined;
  let api: Server | undefined;
  let scheduler: Scheduler | undefined;

  if (options.collector !== false) {
    const catalog = loadCatalog({
      pricesFile: config.pricing.prices_file,
      overridesFile: config.pricing.overrides_file,
      deploymentModels: config.pricing.deployment_models,
    });
    for (const warning of catalog.warnings) logger.warn('price catalog', { warning });
    collector = await startCollector(
      config,
      storage,
      logger,
      catalog,
      options.openSpoolSegment !== undefined ? { openSpoolSegment: options.openSpoolSegment } : {},
    );
    await listen(collector.receiver, config.collector.port, config.collector.host);
  }

  const c = collector;
  const analytics = createAnalyticsServices({
    storage,
    logger,
    config,
    // Bounded: a read never waits on a stalled writer (see CollectorService.readBarrier).
    ...(c !== undefined ? { beforeRead: () => c.readBarrier() } : {}),
  });
  // The scheduler needs no HTTP server: a dedicated `--no-api --no-collector` replica runs it alone.
  if (options.scheduler !== false) scheduler = startScheduler(analytics);
  if (options.api !== false) {
    const app = createApp({
      ...analytics,
      isReady: () => !draining && c?.notReadyReason() === undefined,
      notReadyReason: () => (draining ? 'draining' : c?.notReadyReason()),
      insecureWarnings: warnings,
      checkResponses: options.checkResponses === true,
      ...(collector !== undefined ? { collectorMetrics: collector.metrics } : {}),
    });
    api = await new Promise<Server>((resolve, reject) => {
      const server = app.listen(config.api.port, config.api.host, (err?: Error) =>
        err ? reject(err) : resolve(server),
      );
    });
  }

  const runtime: Runtime = {
    storage,
    pipeline: collector?.pipeline,
    otlpPort:
      collector !== undefined ? (collector.receiver.address() as AddressInfo).port : undefined,
    apiPort: api !== undefined ? (api.address() as AddressInfo).port : undefined,
    async stop() {
      draining = true;
      await scheduler?.stop();
      await collector?.stop();
      await close(api);
      await storage.close();
    },
  };
  logger.info('llm-finops started', {
    storage: storage.kind,
    otlp: runtime.otlpPort !== undefined ? `${config.collector.host}:${runtime.otlpPort}` : 'off',
    api: runtime.apiPort !== undefined ? `${config.api.host}:${runtime.apiPort}` : 'off',
  });
  return runtime;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: Server | undefined): Promise<void> {
  if (server === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
