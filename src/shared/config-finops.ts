// Config sections for FinOps money questions: provisioned reservations, budgets, outcomes.
// Composed into the main schema by config.ts. (Owned by the analytics work on costs/budgets.)
import { z } from 'zod';

export const finopsConfigSchema = z.object({}).strict();
