// Config section for routing. Composed into the main schema by config.ts.
import { z } from 'zod';

export const routingConfigSchema = z.object({}).strict();
