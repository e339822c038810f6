// Config of the alert notifiers (webhook, Slack, Alertmanager): where an alert goes and how its
// delivery is retried. Split from config-alerts.ts, which references notifiers by name.
import { z } from 'zod';

const delivery = {
  timeout_ms: z.number().int().min(100).max(60_000).default(5_000),
  /** Attempts after the first one; the wait doubles from backoff_ms. */
  retries: z.number().int().min(0).max(10).default(3),
  backoff_ms: z.number().int().min(0).max(60_000).default(500),
  headers: z.record(z.string(), z.string()).default({}),
};

const webhookNotifier = z
  .object({
    ...delivery,
    type: z.literal('webhook'),
    url: z.url(),
    secret: z
      .string()
      .min(16)
      .optional()
      .describe('HMAC-SHA256 key; signature in X-Finops-Signature'),
  })
  .strict();
const slackNotifier = z
  .object({
    ...delivery,
    type: z.literal('slack'),
    url: z.url(),
    channel: z.string().optional(),
    username: z.string().optional(),
  })
  .strict();
const alertmanagerNotifier = z
  .object({
    ...delivery,
    type: z.literal('alertmanager'),
    url: z.url().describe('Alertmanager base URL; alerts go to <url>/api/v2/alerts'),
  })
  .strict();

export const notifierSchema = z.discriminatedUnion('type', [
  webhookNotifier,
  slackNotifier,
  alertmanagerNotifier,
]);
export type NotifierConfig = z.infer<typeof notifierSchema>;
