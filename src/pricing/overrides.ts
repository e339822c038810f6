// The project overrides file: custom models, per-model price overrides, aliases, deployment ->
// model maps and negotiated discounts. Validated strictly so a typo fails loudly, naming its key,
// instead of silently leaving a list price in place.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../shared/errors.js';
import { STRING_FIELDS, priceField } from './litellm.js';

const SEARCH_FIELD = 'search_context_cost_per_query';

const DECIMAL_TEXT = /^\d+(\.\d+)?(e[-+]?\d+)?$/i;

/** A price: a JSON/YAML number or, to be explicit about exactness, a decimal string. */
const price = z.union([
  z.number().nonnegative().finite(),
  z.string().regex(DECIMAL_TEXT, 'a non-negative decimal, e.g. "0.0000025"'),
]);

const percent = z.union([
  z.number().min(0).max(100),
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'a percentage between 0 and 100')
    .refine((s) => Number(s) <= 100, 'at most 100'),
]);

const searchPrices = z.record(z.string(), price);

/**
 * Same field names as LiteLLM's file, so an entry can be copied from there and edited: the
 * string fields below plus any price field the cost model bills (see litellm.ts: base fields
 * with optional `_above_<N>k_tokens` / `_above_<N>_tokens` and `_priority` / `_flex` /
 * `_batches` suffixes). Any other key is an error naming it.
 */
export const overrideEntrySchema = z
  .record(z.string(), z.union([price, z.string(), searchPrices]))
  .superRefine((entry, ctx) => {
    for (const [key, value] of Object.entries(entry)) {
      const isString = (STRING_FIELDS as readonly string[]).includes(key);
      if (!isString && !priceField(key)) {
        ctx.addIssue({ code: 'custom', path: [key], message: `Unrecognized key: "${key}"` });
        continue;
      }
      if (isString && typeof value !== 'string')
        ctx.addIssue({ code: 'custom', path: [key], message: 'a string' });
      if (!isString && !price.safeParse(value).success && key !== SEARCH_FIELD)
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'a non-negative decimal, e.g. "0.0000025"',
        });
    }
  });

export const overridesSchema = z.strictObject({
  /** Per-model overrides (merged onto the catalog entry) or custom models (new keys). */
  models: z.record(z.string(), overrideEntrySchema).default({}),
  /** alias -> model name, e.g. "prod-chat: gpt-4o" for gateway route names. */
  aliases: z.record(z.string(), z.string().min(1)).default({}),
  /** deployment name -> model name (Azure OpenAI deployments are named by their owner). */
  deployments: z.record(z.string(), z.string().min(1)).default({}),
  discounts: z
    .strictObject({
      /** Percent off list for every model of a provider (OTel or litellm_provider name). */
      providers: z.record(z.string(), percent).default({}),
      /** Percent off list for one model (catalog key or normalized name); beats providers. */
      models: z.record(z.string(), percent).default({}),
    })
    .default({ providers: {}, models: {} }),
});

export type Overrides = z.infer<typeof overridesSchema>;
export type OverrideEntry = z.infer<typeof overrideEntrySchema>;

/** Validates an already-parsed overrides object; the error lists every bad key path. */
export function parseOverrides(raw: unknown, origin = 'overrides'): Overrides {
  const result = overridesSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return `${path === '' ? '<root>' : path}: ${issue.message}`;
  });
  throw new ConfigError(`${origin}: invalid pricing overrides:\n  ${problems.join('\n  ')}`);
}

/** Parses overrides text; YAML is a superset of JSON, so one parser reads both formats. */
export function parseOverridesText(text: string, origin = 'overrides'): Overrides {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${origin}: not valid YAML/JSON: ${(err as Error).message}`);
  }
  return parseOverrides(raw, origin);
}
