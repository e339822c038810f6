// Routes for money questions — allocation, outcomes, budgets, FOCUS export.
import { Router } from 'express';
import type { RouteDeps } from './deps.js';

export function createFinopsRouter(_deps: RouteDeps): Router {
  const router = Router();
  return router;
}
