// The composition root: assembles one llm-finops process. It builds every service once (storage,
// migrations, the price catalog, the collector, the analytics services: feed and alert engine,
// the scheduler, the API) and passes each to what uses it; nothing below looks a service up.
// `llm-finops start` and the integration tests both use this, so the tests exercise exactly
// what users run.
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { createApp } from './analytics/http/app.js';
import { createMetricsEndpoint } from './analytics/http/metrics-endpoint.js';
import { loadSigningKey } from './analytics/routing/keys.js';
import { startScheduler, type Scheduler } from './analytics/scheduler.js';
import { createAnalyticsServices } from './analytics/services.js';
import type { Pipeline } from './collector/pipeline.js';
import { startCollector, type CollectorService } from './collector/service.js';
import type { OpenSegment } from './collector/spool.js';
import { loadCatalogFor, type PriceCatalog } from './pricing/index.js';
import type { Config } from './shared/config.js';
import { checkExposure } from './shared/exposure.js';
import type { Logger } from './shared/logger.js';
import {
  API_SETTINGS,
  COLLECTOR_SETTINGS,
  GRPC_SETTINGS,
  clickhouseFailure,
  dataDirHolder,
  dataDirInUse,
  embeddedStoreFailure,
  listenFailure,
  serverUrlProblem,
  type Listener,
} from './shared/startup-errors.js';
import { createStorage } from './storage/client.js';
import { planMemory } from './storage/memory.js';
import { configurePlanner } from './storage/planner/tenant-size.js';
import { migrate } from './storage/migrate.js';
import { probeServer } from './storage/probe.js';
import type { QueryRunner } from './storage/runner.js';

export interface ClickHouseServer {
  url?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
}

export interface RuntimeOptions {
  config: Config;
  logger: Logger;
  clickhouse?: ClickHouseServer;
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
  /** The OTLP/gRPC port, unless collector.grpc_port is false or no collector runs. */
  otlpGrpcPort: number | undefined;
  apiPort: number | undefined;
  /** Drain: stop accepting, release held spans, commit everything acknowledged, close. */
  stop(): Promise<void>;
}

/**
 * Open the store: the ClickHouse server in `clickhouse.url`, else the embedded engine in
 * storage.data_dir. A failure a person can fix (unreachable server, refused credentials, a data
 * directory another process holds) becomes a StartupError naming what to change.
 */
export async function openStorage(
  config: Config,
  clickhouse?: ClickHouseServer,
): Promise<QueryRunner> {
  const storage = await openStore(config, clickhouse);
  configurePlanner(storage, { rawTenantCalls: config.storage.planner.raw_tenant_calls });
  return storage;
}

async function openStore(config: Config, clickhouse?: ClickHouseServer): Promise<QueryRunner> {
  const { url, user, password } = clickhouse ?? {};
  if (url !== undefined) {
    const problem = serverUrlProblem(url);
    if (problem !== undefined) throw problem;
    try {
      await probeServer({ url, user, password });
      return await createStorage({
        url,
        user,
        password,
        database: config.storage.database,
        dataDir: config.storage.data_dir,
      });
    } catch (err) {
      throw clickhouseFailure(err, url);
    }
  }
  const dataDir = config.storage.data_dir;
  // Refused before the engine tries (and prints its own lock error) when a live process holds it.
  const holder = dataDirHolder(dataDir);
  if (holder !== undefined) throw dataDirInUse(dataDir, holder);
  try {
    return await createStorage({
      database: config.storage.database,
      dataDir,
      memory: planMemory(config.storage.max_memory),
      insertMode: config.storage.insert_mode,
      insertConnection: config.storage.insert_connection,
    });
  } catch (err) {
    throw embeddedStoreFailure(err, dataDir);
  }
}

/**
 * Everything that can be refused without the store, loaded before the store is opened: a bad
 * price file, overrides file or signing key must not leave a freshly migrated data directory.
 */
function loadBeforeStore(options: RuntimeOptions): PriceCatalog | undefined {
  const { config } = options;
  const signing = config.routing.signing;
  if (signing.key_file !== undefined)
    loadSigningKey({
      keyFile: signing.key_file,
      kid: signing.kid,
      dataDir: config.storage.data_dir,
    });
  if (options.collector === false) return undefined;
  const catalog = loadCatalogFor(config);
  options.logger.info('price catalog', { prices: catalog.label, version: catalog.version });
  for (const warning of catalog.warnings) options.logger.warn('price catalog', { warning });
  return catalog;
}

interface Parts {
  storage?: QueryRunner;
  collector?: CollectorService;
  api?: Server;
  scheduler?: Scheduler;
  draining: boolean;
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config, logger } = options;
  // Before anything opens: a refused exposure must not leave a store or a port behind.
  const warnings = checkExposure(config, {
    collector: options.collector !== false,
    api: options.api !== false,
  });
  for (const warning of warnings) logger.warn(warning);
  const catalog = loadBeforeStore(options);
  const parts: Parts = { draining: false };
  try {
    await startParts(options, parts, catalog, warnings);
  } catch (err) {
    // A port in use after the store opened: release what was started, then report.
    await stopParts(parts).catch(() => undefined);
    throw err;
  }
  const { storage, collector, api } = parts as Parts & { storage: QueryRunner };
  const runtime: Runtime = {
    storage,
    pipeline: collector?.pipeline,
    otlpPort:
      collector !== undefined ? (collector.receiver.address() as AddressInfo).port : undefined,
    otlpGrpcPort: collector?.grpc?.port,
    apiPort: api !== undefined ? (api.address() as AddressInfo).port : undefined,
    stop: () => stopParts(parts),
  };
  logger.info('llm-finops started', {
    storage: storage.kind,
    otlp: runtime.otlpPort !== undefined ? `${config.collector.host}:${runtime.otlpPort}` : 'off',
    otlp_grpc:
      runtime.otlpGrpcPort !== undefined
        ? `${config.collector.host}:${runtime.otlpGrpcPort}`
        : 'off',
    api: runtime.apiPort !== undefined ? `${config.api.host}:${runtime.apiPort}` : 'off',
  });
  return runtime;
}

async function startParts(
  options: RuntimeOptions,
  parts: Parts,
  catalog: PriceCatalog | undefined,
  warnings: string[],
): Promise<void> {
  const { config, logger } = options;
  const storage = (parts.storage = await openStorage(config, options.clickhouse));
  const migrations = await migrate(storage, { ttl_days: config.storage.ttl_days });
  if (migrations.applied.length > 0)
    logger.info('migrations applied', { applied: migrations.applied });

  if (catalog !== undefined) {
    // Every collector serves /metrics on its OTLP/HTTP port, also without the API (a replica).
    // Read at scrape time, when parts.collector is set.
    const metrics = createMetricsEndpoint(config.security, () => parts.collector!.metrics());
    parts.collector = await startCollector(config, storage, logger, catalog, {
      metrics,
      ...(options.openSpoolSegment !== undefined
        ? { openSpoolSegment: options.openSpoolSegment }
        : {}),
    });
    await listen(parts.collector.receiver, {
      ...COLLECTOR_SETTINGS,
      host: config.collector.host,
      port: config.collector.port,
    });
    const grpc = parts.collector.grpc;
    if (grpc !== undefined && config.collector.grpc_port !== false) {
      const at = {
        ...GRPC_SETTINGS,
        host: config.collector.host,
        port: config.collector.grpc_port,
      };
      await grpc.listen(at.host, at.port).catch((err: unknown) => {
        throw listenFailure(err, at);
      });
    }
  }
  const c = parts.collector;
  const analytics = createAnalyticsServices({
    storage,
    logger,
    config,
    // Bounded: a read never waits on a stalled writer (see CollectorService.readBarrier).
    ...(c !== undefined ? { beforeRead: () => c.readBarrier() } : {}),
  });
  // The scheduler needs no HTTP server: a dedicated `--no-api --no-collector` replica runs it alone.
  if (options.scheduler !== false) parts.scheduler = startScheduler(analytics);
  if (options.api !== false) {
    const collector = parts.collector;
    const app = createApp({
      ...analytics,
      isReady: () => !parts.draining && c?.notReadyReason() === undefined,
      notReadyReason: () => (parts.draining ? 'draining' : c?.notReadyReason()),
      insecureWarnings: warnings,
      checkResponses: options.checkResponses === true,
      ...(collector !== undefined ? { collectorMetrics: collector.metrics } : {}),
    });
    const api = createServer(app);
    await listen(api, { ...API_SETTINGS, host: config.api.host, port: config.api.port });
    parts.api = api;
  }
}

/** Drain: stop accepting, release held spans, commit everything acknowledged, close. */
async function stopParts(parts: Parts): Promise<void> {
  parts.draining = true;
  await parts.scheduler?.stop();
  await parts.collector?.stop();
  await close(parts.api);
  await parts.storage?.close();
}

function listen(server: Server, at: Listener): Promise<void> {
  return new Promise((resolve, reject) => {
    const refused = (err: unknown): void => reject(listenFailure(err, at));
    server.once('error', refused);
    server.listen(at.port, at.host, () => {
      server.off('error', refused);
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
