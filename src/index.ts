// Public entry of the `llm-finops` package (the server side): run the collector, the analytics
// API and the scheduler in your own process, with a validated config. Services that only emit
// spans import `llm-finops/instrumentation` instead (no database, no express).
export { startRuntime } from './runtime.js';
export type { Runtime, RuntimeOptions } from './runtime.js';
export { loadConfig, parseConfig } from './shared/config.js';
export type { Config } from './shared/config.js';
export { createLogger } from './shared/logger.js';
export type { Logger, LogLevel } from './shared/logger.js';
