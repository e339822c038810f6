// Routes for latency, goodput, TTFT drift, cache, reliability and capacity.
import { Router } from 'express';
import type { RouteDeps } from './deps.js';

export function createPerformanceRouter(_deps: RouteDeps): Router {
  const router = Router();
  return router;
}
