// What every analytics router receives: the services the composition root built.
import type { AnalyticsServices } from '../services.js';

export type RouteDeps = AnalyticsServices;
