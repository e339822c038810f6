// Routes for money questions: outcomes (ingest and spend per success), budgets, token-budget
// breaches, FOCUS export. Every input is zod-validated; a 400 names the bad parameter.
import { Router } from 'express';
import { z } from 'zod';
import { streamFocus } from '../export/focus-export.js';
import { queryBudgets } from '../queries/budgets.js';
import { queryTokenBreaches } from '../queries/budgets-tokens.js';
import { FOCUS_CONTENT_TYPES, FOCUS_FORMATS } from '../queries/focus.js';
import { insertOutcomes, outcomesBodySchema } from '../queries/outcomes.js';
import { OUTCOME_GROUPS, linkingRule, queryOutcomeSpend } from '../queries/outcomes-spend.js';
import type { RouteDeps } from './deps.js';
import { rangeChecks, rangeFields } from './params.js';
import {
  budgetsResponse,
  focusExport,
  outcomeSpendResponse,
  outcomesAccepted,
  tokenBreachesResponse,
} from './responses.js';
import type { ApiRoutes } from './route.js';

const spendSchema = z
  .object({
    ...rangeFields,
    group_by: z.enum(OUTCOME_GROUPS).optional().describe('one of the outcome groupings'),
    name: z.string().min(1).max(256).optional().describe('only outcomes with this name'),
    unused: z
      .enum(['row', 'spread'])
      .default('row')
      .describe(
        'unused reservation capacity: `row` (charged to no outcome) or `spread` over the covered calls by usage, as /v1/costs does',
      ),
  })
  .strict()
  .superRefine(rangeChecks(400));
const budgetsSchema = z.object({ tenant: rangeFields.tenant }).strict();
const breachesSchema = z
  .object({
    ...rangeFields,
    route: z.string().min(1).max(1024).optional().describe('only this route'),
  })
  .strict()
  .superRefine(rangeChecks(400));
const focusSchema = z
  .object({
    ...rangeFields,
    format: z.enum(FOCUS_FORMATS).default('csv').describe('csv (default) or parquet'),
  })
  .strict()
  .superRefine(rangeChecks(400));

export function createFinopsRouter(deps: RouteDeps, api: ApiRoutes): Router {
  const router = Router();
  const { finops } = deps.config;

  api.add(
    router,
    {
      method: 'post',
      path: '/v1/outcomes',
      summary:
        'Record business outcomes (batch, idempotent by id: a re-sent id replaces the earlier row)',
      body: outcomesBodySchema,
      ok: { status: 202, description: 'how many outcomes were stored', schema: outcomesAccepted },
    },
    async ({ body }) => ({
      accepted: await insertOutcomes(deps.storage, body.outcomes, deps.now()),
    }),
  );

  api.add(
    router,
    {
      method: 'get',
      path: '/v1/outcomes/spend',
      summary:
        'Spend per successful outcome by feature, route or tenant, with unlinked spend and the linking rule',
      query: spendSchema,
      ok: {
        description:
          'linking, rows (outcomes, successful_outcomes, linked_calls, spend_usd, spend_per_success_usd), unlinked, total',
        schema: outcomeSpendResponse,
      },
    },
    async ({ query: q }) => {
      await deps.beforeRead?.();
      const windowHours = finops.outcomes.conversation_window_hours;
      const result = await queryOutcomeSpend(deps.storage, {
        from: q.from,
        to: q.to,
        groupBy: q.group_by,
        name: q.name,
        tenant: q.tenant,
        windowHours,
        reservations: finops.reservations,
        unused: q.unused,
        now: deps.now(),
      });
      return {
        from: q.from.toISOString(),
        to: q.to.toISOString(),
        group_by: q.group_by ?? null,
        name: q.name ?? null,
        linking: linkingRule(windowHours, q.unused),
        ...result,
      };
    },
  );

  api.add(
    router,
    {
      method: 'get',
      path: '/v1/budgets',
      summary:
        'Configured budgets now: spent, remaining, linear run-rate forecast at period end, status ok|soft|hard|forecast_breach',
      query: budgetsSchema,
      ok: { description: 'budgets[]', schema: budgetsResponse },
    },
    async ({ query: q }) => {
      await deps.beforeRead?.();
      const now = deps.now();
      const budgets = await queryBudgets(
        deps.storage,
        finops.budgets,
        now,
        q.tenant,
        finops.reservations,
      );
      return {
        at: now.toISOString(),
        forecast:
          'linear run-rate: spent x period length / elapsed time (UTC periods; weeks start Monday)',
        budgets,
      };
    },
  );

  api.add(
    router,
    {
      method: 'get',
      path: '/v1/budgets/token-breaches',
      summary:
        'Per-route token budget breaches: calls over max_tokens_per_call, periods over max_tokens_per_period',
      query: breachesSchema,
      ok: { description: 'breaches[]', schema: tokenBreachesResponse },
    },
    async ({ query: q }) => {
      await deps.beforeRead?.();
      const breaches = await queryTokenBreaches(deps.storage, finops.token_budgets, q);
      return {
        from: q.from.toISOString(),
        to: q.to.toISOString(),
        tokens: 'input_tokens + output_tokens',
        breaches,
      };
    },
  );

  api.add(
    router,
    {
      method: 'get',
      path: '/v1/export/focus',
      summary:
        'FOCUS 1.2 (+1.3 provider columns) cost and usage rows per hour x tenant x route x feature x model x deployment, split by token type; reservation Purchase and unused rows; sums to /v1/costs on every basis',
      query: focusSchema,
      ok: {
        description: 'an attachment: CSV or Parquet',
        schema: focusExport,
        contentTypes: Object.values(FOCUS_CONTENT_TYPES),
      },
    },
    async ({ query: q, res }) => {
      await deps.beforeRead?.();
      const stream = await streamFocus(
        deps.storage,
        { from: q.from, to: q.to, tenant: q.tenant, format: q.format, now: deps.now() },
        finops,
      );
      res.setHeader('content-type', FOCUS_CONTENT_TYPES[q.format]);
      res.setHeader(
        'content-disposition',
        `attachment; filename="focus-${q.from.toISOString().slice(0, 10)}.${q.format}"`,
      );
      // Written here, not returned: a failure mid-stream can only cut the response.
      await new Promise<void>((resolve, reject) => {
        stream.on('error', reject);
        res.on('finish', resolve);
        res.on('close', resolve);
        stream.pipe(res);
      });
      return undefined;
    },
  );
  return router;
}
