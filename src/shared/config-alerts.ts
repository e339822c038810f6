// Config section for alerts. Composed into the main schema by config.ts.
import { z } from 'zod';

export const alertsConfigSchema = z.object({}).strict();
