// What every analytics router receives.
import type { Config } from '../../shared/config.js';
import type { Logger } from '../../shared/logger.js';
import type { QueryRunner } from '../../storage/runner.js';

export interface RouteDeps {
  storage: QueryRunner;
  logger: Logger;
  /** The validated configuration (SLOs, budgets, reservations...). */
  config: Config;
  /** Called before a read so rows acknowledged by this process are visible (single-process mode). */
  beforeRead?: () => Promise<void>;
  /** Injectable clock (tests). */
  now: () => Date;
}
