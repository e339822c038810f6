// Fields every alert rule shares (name, scope, labels, window, severity, notifiers) and the
// baseline of the rules that compare a window with the time before it. Split out so each rule
// family can live in its own module without importing the whole alerts section.
import { z } from 'zod';
import { SCOPE_DIMENSIONS, type ScopeDimension } from './budget.js';
import { scopeSchema } from './config-budget.js';

/** Call dimensions a rule can filter on (scope) and group its alerts by (labels): a budget's. */
export const ALERT_LABELS = SCOPE_DIMENSIONS;
export type AlertLabel = ScopeDimension;

export const SEVERITIES = ['info', 'warning', 'critical'] as const;

export const name = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,128}$/, 'letters, digits, _ . - (1-128 chars)');

const scope = scopeSchema.describe('only calls matching every given dimension are evaluated');

/** Fields every rule has; `window_s` is how far back the current value is measured. */
export const base = {
  name,
  description: z.string().optional(),
  enabled: z.boolean().default(true),
  severity: z.enum(SEVERITIES).default('warning'),
  scope: scope.default({}),
  group_by: z
    .array(z.enum(ALERT_LABELS))
    .optional()
    .describe('labels of one alert; a default per kind'),
  /** How long the condition must hold before pending becomes firing (0: fire at once). */
  for_s: z.number().int().min(0).max(86_400).default(0),
  window_s: z
    .number()
    .int()
    .min(10)
    .max(31 * 86_400)
    .optional(),
  /** Groups with fewer calls in the window are not judged (noise on tiny samples). */
  min_calls: z.number().int().min(0).default(20),
  notifiers: z.array(name).default([]),
};

export const baselined = {
  /** Baseline: the `baseline_s` seconds before the current window. */
  baseline_s: z
    .number()
    .int()
    .min(60)
    .max(90 * 86_400)
    .default(86_400),
};
