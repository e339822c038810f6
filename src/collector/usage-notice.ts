// Says once in the collector log when a source cannot report a count pricing needs (e.g.
// @opentelemetry/instrumentation-openai never reports cached tokens): its calls are stored with
// usage_incomplete = true and an upper-estimate cost. Once per source and reason per process, so
// a busy service does not fill the log; the rows themselves carry the flag and the warning.
import type { LlmCall } from './call.js';
import type { Logger } from '../shared/logger.js';

const PREFIX = 'usage_incomplete:';

const WHY: Readonly<Record<string, string>> = {
  no_cache_tokens:
    'it never reports cached tokens, so cached input is priced at the full input rate (an upper estimate)',
};

/** Wraps a batch step (the pricing processor) so the first incomplete call of each kind is logged. */
export function noticeIncompleteUsage(
  step: (calls: LlmCall[]) => LlmCall[],
  logger: Logger,
): (calls: LlmCall[]) => LlmCall[] {
  const seen = new Set<string>();
  return (calls) => {
    const out = step(calls);
    for (const call of out) {
      if (!call.usage_incomplete) continue;
      const reason =
        call.warnings.find((w) => w.startsWith(PREFIX))?.slice(PREFIX.length) ?? 'unknown';
      const key = `${call.source}\u0000${call.scope_name}\u0000${reason}`;
      if (seen.has(key)) continue;
      seen.add(key);
      logger.warn(
        'usage incomplete: calls from this source are stored with usage_incomplete=true',
        {
          source: call.source,
          scope: call.scope_name,
          reason,
          why: WHY[reason] ?? 'the source cannot report every count pricing needs',
          fix: 'instrument the client with @llm-finops/instrumentation (or a source that reports cached tokens) for exact cost',
        },
      );
    }
    return out;
  };
}
