// One alert engine per app (keyed by its RouteDeps), shared by the scheduler and the API.
import type { RouteDeps } from '../http/deps.js';
import type { FetchLike } from './deliver.js';
import { AlertEngine } from './engine.js';

const engines = new WeakMap<object, AlertEngine>();

export function alertEngineFor(deps: RouteDeps, fetchImpl?: FetchLike): AlertEngine {
  let engine = engines.get(deps);
  if (engine === undefined) {
    engine = new AlertEngine({
      storage: deps.storage,
      logger: deps.logger,
      config: deps.config,
      now: deps.now,
      ...(fetchImpl !== undefined ? { fetchImpl } : {}),
    });
    engines.set(deps, engine);
  }
  return engine;
}
