// Deterministic, catalog-independent model-name normalization. Each rewrite is recorded so the
// `prices explain` command can show how a provider's id became the name we price and group by.

export interface Normalized {
  name: string;
  /** Human-readable rewrites applied, in order; empty when the name was already canonical. */
  rewrites: string[];
}

// arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-... (or
// foundation-model/...). Application inference profiles are opaque ids: map them via config.
const BEDROCK_ARN = /^arn:aws[a-z-]*:bedrock:[^:]*:[^:]*:[a-z-]+\/(.+)$/;
// Cross-region inference profiles prefix the model id with a geography.
const BEDROCK_REGION = /^(us|eu|apac|ap|jp|au|ca|us-gov|global)\.(?=[a-z0-9-]+\.)/;
const BEDROCK_VENDOR =
  /^(anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|qwen|writer|twelvelabs|stability|luma|moonshot|minimax)\./;
// "-v1:0", "-1:0": Bedrock model version suffixes, never part of the model's name. The ':' is
// required so that names like "claude-v2" keep their generation number.
const BEDROCK_VERSION = /-v?\d+:\d+$/;

/**
 * Canonical name: lower case; the last segment of a path-like id (routing prefixes "openai/",
 * "azure/", Vertex "projects/.../publishers/google/models/x", Gemini API "models/x"); a Bedrock
 * ARN reduced to its model id; Bedrock region, vendor and version parts removed; Vertex "@"
 * version separators turned into "-" (claude-sonnet-4-5@20250929 is claude-sonnet-4-5-20250929).
 * Dated snapshots are kept: they can be priced differently (see stripSnapshot).
 */
export function normalizeModelName(model: string): Normalized {
  const rewrites: string[] = [];
  let name = model.trim().toLowerCase();
  const apply = (next: string, why: string): void => {
    if (next !== name && next !== '') {
      rewrites.push(`${why}: '${name}' -> '${next}'`);
      name = next;
    }
  };
  if (name !== model) rewrites.push(`lower-cased/trimmed: '${model}' -> '${name}'`);
  const arn = BEDROCK_ARN.exec(name);
  if (arn?.[1]) apply(arn[1], 'bedrock ARN resource id');
  if (name.includes('/'))
    apply(name.slice(name.lastIndexOf('/') + 1), 'path/provider prefix removed');
  apply(name.replace(BEDROCK_REGION, ''), 'bedrock region prefix removed');
  if (BEDROCK_VENDOR.test(name)) {
    apply(name.replace(BEDROCK_VENDOR, ''), 'bedrock vendor prefix removed');
    apply(name.replace(BEDROCK_VERSION, ''), 'bedrock version suffix removed');
  }
  apply(name.replace(/@/g, '-'), "vertex '@' version separator");
  return { name, rewrites };
}

// Order matters: the longest date form first, so "-2024-08-06" is not read as "-06".
const SNAPSHOT_SUFFIXES: Array<[RegExp, string]> = [
  [/-\d{4}-\d{2}-\d{2}$/, 'dated snapshot -YYYY-MM-DD'],
  [/-\d{8}$/, 'dated snapshot -YYYYMMDD'],
  [/-\d{4}$/, 'snapshot -MMDD/-YYMM'],
  [/-\d{3}$/, 'version suffix -NNN'],
  [/-latest$/, "'-latest' pointer"],
];

/** The model name without its snapshot/version suffix, or undefined when it has none. */
export function stripSnapshot(name: string): { name: string; rule: string } | undefined {
  for (const [re, rule] of SNAPSHOT_SUFFIXES) {
    if (re.test(name)) return { name: name.replace(re, ''), rule };
  }
  return undefined;
}
