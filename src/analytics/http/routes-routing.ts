// Routes for the routing-weights feed, its renderings and public key.
import { Router } from 'express';
import type { RouteDeps } from './deps.js';

export function createRoutingRouter(_deps: RouteDeps): Router {
  const router = Router();
  return router;
}
