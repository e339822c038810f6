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
import { registry } from './openapi.js';
import { parseQuery } from './params.js';
import { checkRange, rangeDocs, rangeFields } from './routes-costs.js';

const spendSchema = checkRange(
  z
    .object({
      ...rangeFields,
      group_by: z.enum(OUTCOME_GROUPS).optional(),
      name: z.string().min(1).max(256).optional(),
    })
    .strict(),
);
const budgetsSchema = z.object({ tenant: z.string().min(1).max(256).optional() }).strict();
const breachesSchema = checkRange(
  z.object({ ...rangeFields, route: z.string().min(1).max(1024).optional() }).strict(),
);
const focusSchema = checkRange(
  z.object({ ...rangeFields, format: z.enum(FOCUS_FORMATS).default('csv') }).strict(),
);

const bad = {
  400: {
    description: 'invalid parameter or body field (named in `parameter`, e.g. outcomes.3.success)',
  },
};

registry.registerPath({
  method: 'post',
  path: '/v1/outcomes',
  summary:
    'Record business outcomes (batch, idempotent by id: a re-sent id replaces the earlier row)',
  request: { body: { content: { 'application/json': { schema: outcomesBodySchema } } } },
  responses: { 202: { description: '{ accepted: n }' }, ...bad },
});
registry.registerPath({
  method: 'get',
  path: '/v1/outcomes/spend',
  summary:
    'Spend per successful outcome by feature, route or tenant, with unlinked spend and the linking rule',
  request: {
    query: z.object({
      ...rangeDocs,
      group_by: z.enum(OUTCOME_GROUPS).optional(),
      name: z.string().optional().describe('only outcomes with this name'),
    }),
  },
  responses: {
    200: {
      description:
        'linking, rows (outcomes, successful_outcomes, linked_calls, spend_usd, spend_per_success_usd), unlinked, total',
    },
    ...bad,
  },
});
registry.registerPath({
  method: 'get',
  path: '/v1/budgets',
  summary:
    'Configured budgets now: spent, remaining, linear run-rate forecast at period end, status ok|soft|hard|forecast_breach',
  request: { query: z.object({ tenant: rangeDocs.tenant }) },
  responses: { 200: { description: 'budgets[]' }, ...bad },
});
registry.registerPath({
  method: 'get',
  path: '/v1/budgets/token-breaches',
  summary:
    'Per-route token budget breaches: calls over max_tokens_per_call, periods over max_tokens_per_period',
  request: { query: z.object({ ...rangeDocs, route: z.string().optional() }) },
  responses: { 200: { description: 'breaches[]' }, ...bad },
});
registry.registerPath({
  method: 'get',
  path: '/v1/export/focus',
  summary:
    'FOCUS 1.2 (+1.3 provider columns) cost and usage rows per hour x tenant x route x feature x model x deployment, split by token type',
  request: {
    query: z.object({
      ...rangeDocs,
      format: z.enum(FOCUS_FORMATS).optional().describe('csv (default) or parquet'),
    }),
  },
  responses: {
    200: { description: 'text/csv or application/vnd.apache.parquet attachment' },
    ...bad,
  },
});

export function createFinopsRouter(deps: RouteDeps): Router {
  const router = Router();
  const { finops } = deps.config;

  router.post('/v1/outcomes', async (req, res, next) => {
    try {
      // A body that is not an object is reported as a missing `outcomes` field, not as `query`.
      const raw: unknown = req.body;
      const body = parseQuery(
        outcomesBodySchema,
        typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {},
      );
      const accepted = await insertOutcomes(deps.storage, body.outcomes, deps.now());
      res.status(202).json({ accepted });
    } catch (err) {
      next(err);
    }
  });

  router.get('/v1/outcomes/spend', async (req, res, next) => {
    try {
      const q = parseQuery(spendSchema, req.query);
      await deps.beforeRead?.();
      const windowHours = finops.outcomes.conversation_window_hours;
      const result = await queryOutcomeSpend(deps.storage, {
        from: q.from,
        to: q.to,
        groupBy: q.group_by,
        name: q.name,
        tenant: q.tenant,
        windowHours,
      });
      res.json({
        from: q.from.toISOString(),
        to: q.to.toISOString(),
        group_by: q.group_by ?? null,
        name: q.name ?? null,
        linking: linkingRule(windowHours),
        ...result,
      });
    } catch (err) {
      next(err);
    }
  });

  router.get('/v1/budgets', async (req, res, next) => {
    try {
      const q = parseQuery(budgetsSchema, req.query);
      await deps.beforeRead?.();
      const now = deps.now();
      const budgets = await queryBudgets(deps.storage, finops.budgets, now, q.tenant);
      res.json({
        at: now.toISOString(),
        forecast:
          'linear run-rate: spent x period length / elapsed time (UTC periods; weeks start Monday)',
        budgets,
      });
    } catch (err) {
      next(err);
    }
  });

  router.get('/v1/budgets/token-breaches', async (req, res, next) => {
    try {
      const q = parseQuery(breachesSchema, req.query);
      await deps.beforeRead?.();
      const breaches = await queryTokenBreaches(deps.storage, finops.token_budgets, q);
      res.json({
        from: q.from.toISOString(),
        to: q.to.toISOString(),
        tokens: 'input_tokens + output_tokens',
        breaches,
      });
    } catch (err) {
      next(err);
    }
  });

  router.get('/v1/export/focus', async (req, res, next) => {
    try {
      const q = parseQuery(focusSchema, req.query);
      await deps.beforeRead?.();
      const stream = await streamFocus(
        deps.storage,
        { from: q.from, to: q.to, tenant: q.tenant, format: q.format },
        finops.focus,
      );
      res.setHeader('content-type', FOCUS_CONTENT_TYPES[q.format]);
      res.setHeader(
        'content-disposition',
        `attachment; filename="focus-${q.from.toISOString().slice(0, 10)}.${q.format}"`,
      );
      stream.on('error', next);
      stream.pipe(res);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
