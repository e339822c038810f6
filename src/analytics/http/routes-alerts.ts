// Routes for alerts (active and history).
import { Router } from 'express';
import type { RouteDeps } from './deps.js';

export function createAlertsRouter(_deps: RouteDeps): Router {
  const router = Router();
  return router;
}
