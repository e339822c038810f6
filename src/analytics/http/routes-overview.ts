// The read-only overview page at `/`: static HTML, CSS and three small browser ES modules from
// ./overview/, plus Chart.js's UMD build served from node_modules. There is no build step: the
// page fetches the same /v1 JSON endpoints any client uses, so it shows nothing the API would
// not, and each endpoint it cannot read becomes a "not available" card.
//
// Mount it before the auth middleware: the page itself holds no data (it asks for an API key
// and sends it on its own /v1 requests), and a 401 on `/` would leave nothing to type the key into.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Response } from 'express';
import type { RouteDeps } from './deps.js';

/** Strict: no inline script or style, no third-party origin; the page needs nothing else. */
export const OVERVIEW_CSP = [
  "default-src 'self'",
  "base-uri 'none'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

// A Map, not an object literal: `/overview/constructor` must not find Object.prototype.
const ASSETS = new Map<string, string>([
  ['page.js', 'text/javascript; charset=utf-8'],
  ['cards.js', 'text/javascript; charset=utf-8'],
  ['ui.js', 'text/javascript; charset=utf-8'],
  ['page.css', 'text/css; charset=utf-8'],
]);

/**
 * The asset folder. From source it sits beside this file; tsc does not copy non-TS files into
 * dist/, so a built module falls back to the src/ copy the package also ships.
 */
export function overviewAssetDir(): string {
  const candidates = [
    fileURLToPath(new URL('./overview/', import.meta.url)),
    fileURLToPath(new URL('../../../src/analytics/http/overview/', import.meta.url)),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'page.html'))) ?? (candidates[0] as string);
}

/**
 * Chart.js's self-contained UMD file (sets `window.Chart`). Its package `exports` hide dist/, so
 * resolve the CommonJS entry (dist/chart.cjs) and take its sibling. Undefined when chart.js is
 * not installed: the page then shows its tables without charts.
 */
export function chartJsPath(): string | undefined {
  try {
    const file = join(
      dirname(createRequire(import.meta.url).resolve('chart.js')),
      'chart.umd.min.js',
    );
    return existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

function securityHeaders(res: Response): void {
  res.setHeader('Content-Security-Policy', OVERVIEW_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  // Revalidate each load (sendFile sets ETag / Last-Modified), so an upgrade shows at once.
  res.setHeader('Cache-Control', 'no-cache');
}

export function createOverviewRouter(deps: RouteDeps): Router {
  const router = Router();
  const dir = overviewAssetDir();
  const chart = chartJsPath();
  if (chart === undefined)
    deps.logger.warn('chart.js is not installed; the overview page shows tables without charts');

  const send = (res: Response, file: string, type: string, next: (err?: unknown) => void): void => {
    securityHeaders(res);
    res.type(type);
    res.sendFile(file, (err) => {
      if (err !== undefined && !res.headersSent) next(err);
    });
  };

  router.get('/', (_req, res, next) => {
    send(res, join(dir, 'page.html'), 'text/html; charset=utf-8', next);
  });
  // An explicit list, not a static folder: nothing else in the tree is reachable by name.
  router.get('/overview/:asset', (req, res, next) => {
    const type = ASSETS.get(req.params.asset);
    if (type === undefined) {
      next();
      return;
    }
    send(res, join(dir, req.params.asset), type, next);
  });
  router.get('/overview/vendor/chart.umd.min.js', (_req, res, next) => {
    if (chart === undefined) {
      res.status(404).json({ error: 'not_found', message: 'chart.js is not installed' });
      return;
    }
    send(res, chart, 'text/javascript; charset=utf-8', next);
  });
  return router;
}
