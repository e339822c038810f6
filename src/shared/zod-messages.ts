// Validation messages in the words of the person who wrote the request or the config file.
// zod's defaults describe its own types ("Invalid input: expected string, received undefined");
// these say what is missing or wrong and what is accepted ("from is required: an ISO-8601
// timestamp with a time zone, e.g. ..."). A message written on a schema (`refine`, `regex`
// with a message) always wins; these only replace zod's generic ones.
//
// Installed once for the process (z.config), because zod messages reach users from more places
// than these helpers format (the pricing overrides file reports its own issues).
import { z } from 'zod';

type RawIssue = z.core.$ZodRawIssue;
type Issue = z.core.$ZodIssue;

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  tuple: 'a list',
  object: 'an object (key: value mapping)',
  record: 'an object (key: value mapping)',
  map: 'an object (key: value mapping)',
  date: 'a date',
  null: 'null',
};

/** What a value is, in words (never the value itself: config values may be secrets). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  return `${typeof value === 'boolean' ? 'a boolean' : `a ${typeof value}`}`;
}

const expectedWords = (expected: string): string => TYPE_WORDS[expected] ?? expected;

function quoteAll(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
}

function sizeMessage(issue: {
  code: 'too_small' | 'too_big';
  origin: string;
  inclusive?: boolean;
  minimum?: number | bigint;
  maximum?: number | bigint;
}): string {
  const small = issue.code === 'too_small';
  const n = Number(small ? issue.minimum : issue.maximum);
  const bound = small
    ? issue.inclusive === false
      ? 'more than'
      : 'at least'
    : issue.inclusive === false
      ? 'less than'
      : 'at most';
  switch (issue.origin) {
    case 'string':
      if (small && n === 1 && issue.inclusive !== false) return 'must not be empty';
      return `must be ${bound} ${n} characters long`;
    case 'array':
    case 'set':
      if (small && n === 1 && issue.inclusive !== false) return 'must list at least one item';
      return `must list ${bound} ${n} items`;
    case 'date':
      return `must be ${small ? 'on or after' : 'on or before'} ${new Date(n).toISOString()}`;
    default:
      return `must be ${bound} ${n}`;
  }
}

function unionMessage(issue: RawIssue & { code: 'invalid_union' }): string | undefined {
  const options = (issue as { options?: readonly unknown[] }).options;
  if (options !== undefined && options.length > 0) {
    if (issue.input === undefined) return `is required: one of ${quoteAll(options)}`;
    return `must be one of: ${quoteAll(options)}`;
  }
  const branches = (issue.errors ?? []) as Issue[][];
  // Branches that got the right type but failed a check say more than "wrong type".
  const specific = branches.filter(
    (b) => b.length > 0 && b.every((i) => i.code !== 'invalid_type'),
  );
  if (specific.length === 1) return specific[0]![0]!.message;
  const expected = branches.flatMap((b) =>
    b.length === 1 && b[0]!.code === 'invalid_type' && b[0]!.path.length === 0
      ? [expectedWords(b[0]!.expected)]
      : [],
  );
  if (expected.length === branches.length && expected.length > 0) {
    if (issue.input === undefined) return `is required: ${expected.join(' or ')}`;
    return `must be ${expected.join(' or ')}, not ${kindOf(issue.input)}`;
  }
  return undefined;
}

function formatMessage(issue: RawIssue & { code: 'invalid_format' }): string {
  const f = issue as { format: string; pattern?: string };
  switch (f.format) {
    case 'regex':
      return `must match the pattern ${f.pattern ?? ''}`.trimEnd();
    case 'url':
      return 'must be a URL, e.g. https://example.com/path';
    case 'datetime':
      return 'must be an ISO-8601 timestamp with a time zone, e.g. 2026-11-01T00:00:00Z';
    case 'starts_with':
    case 'ends_with':
    case 'includes':
      return issue.message ?? `has an invalid format (${f.format})`;
    default:
      return `must be a valid ${f.format}`;
  }
}

/** zod's error map with user words; undefined keeps zod's message (none is worse than this). */
export function userErrorMessage(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `is required: ${expectedWords(issue.expected)}`;
      // NaN is what a coerced query parameter becomes from text that is not a number.
      if (typeof issue.input === 'number' && Number.isNaN(issue.input))
        return `must be ${expectedWords(issue.expected)}`;
      return `must be ${expectedWords(issue.expected)}, not ${kindOf(issue.input)}`;
    case 'too_small':
    case 'too_big':
      return sizeMessage(issue);
    case 'invalid_value':
      if (issue.values.length === 1) return `must be ${quoteAll(issue.values)}`;
      return `must be one of: ${quoteAll(issue.values)}`;
    case 'invalid_format':
      return formatMessage(issue);
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys': {
      const shape = (issue.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def
        ?.shape;
      const known = shape !== undefined ? ` (known: ${Object.keys(shape).join(', ')})` : '';
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${quoteAll(issue.keys)}${known}`;
    }
    case 'invalid_union':
      return unionMessage(issue);
    default:
      return undefined;
  }
}

z.config({ customError: (issue) => userErrorMessage(issue) });

/** The description given with `.describe()` to the schema at `path` (through wrappers), if any. */
export function descriptionAt(root: z.ZodType, path: readonly PropertyKey[]): string | undefined {
  let node: z.core.$ZodType | undefined = root;
  let described: string | undefined;
  for (let i = 0; node !== undefined && i <= path.length;) {
    described = z.globalRegistry.get(node)?.description ?? described;
    const def = node._zod.def as unknown as Record<string, unknown> & { type: string };
    if (
      ['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(
        def.type,
      )
    )
      node = def.innerType as z.core.$ZodType;
    else if (def.type === 'pipe') node = def.in as z.core.$ZodType;
    else if (i === path.length) break;
    else {
      described = undefined;
      const key = path[i++];
      if (def.type === 'object') node = (def.shape as Record<PropertyKey, z.core.$ZodType>)[key!];
      else if (def.type === 'array') node = def.element as z.core.$ZodType;
      else if (def.type === 'record') node = def.valueType as z.core.$ZodType;
      else node = undefined;
    }
  }
  return node !== undefined ? described : undefined;
}

/**
 * One issue as the key path it is about and a message. An unknown key is reported at its own
 * path; a missing value says what is expected, with the schema's own description when it has one.
 */
export function describeIssue(
  root: z.ZodType,
  issue: Issue,
): { path: string; message: string; sentence: string } {
  const unknown = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const path = [...issue.path, ...(unknown.length === 1 ? unknown : [])].map(String).join('.');
  const at = path === '' ? '(root)' : path;
  if (issue.code === 'invalid_type' && /^is required\b/.test(issue.message)) {
    const what = descriptionAt(root, issue.path) ?? expectedWords(issue.expected);
    return { path, message: `is required: ${what}`, sentence: `${at} is required: ${what}` };
  }
  const message =
    unknown.length === 1 ? issue.message.replace(/^unknown key \S+/, 'unknown key') : issue.message;
  return { path, message, sentence: `${at}: ${message}` };
}
