// Config sections for latency, TTFT drift, cache and capacity questions: per-route SLOs and
// token budgets, drift thresholds. Composed into the main schema by config.ts.
import { z } from 'zod';

export const performanceConfigSchema = z.object({}).strict();
