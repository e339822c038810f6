// Expands a panel's SQL the way Grafana and the ClickHouse data source plugin
// (grafana-clickhouse-datasource v4) do before the query reaches ClickHouse, for exactly the macros
// and variable forms our dashboards use; anything else throws, so a dashboard cannot start using
// an expansion this test does not model. Order as in the plugin: `$__conditionalAll` in the
// frontend, then Grafana's template variables, then the backend macros (pkg/macros/macros.go).

export interface VariableState {
  /** Selected values; ['$__all'] when "All" is selected. */
  current: string[];
  /** Every option (what "All" expands to when the variable has no custom all value). */
  options: string[];
}

export interface ExpandContext {
  from: Date;
  to: Date;
  /** The panel's $__interval in milliseconds (see panelIntervalMs). */
  intervalMs: number;
  variables: Record<string, VariableState>;
}

const ALL = '$__all';

/** Grafana's panel interval: range / max data points, rounded to a "nice" step, at least the panel's min interval. */
export function panelIntervalMs(
  from: Date,
  to: Date,
  minInterval: string | undefined,
  maxDataPoints = 1000,
): number {
  const raw = (to.getTime() - from.getTime()) / maxDataPoints;
  // A simplification of Grafana's roundInterval table: the smallest nice step not below the raw value.
  const steps = [
    1, 5, 10, 15, 20, 30, 60, 300, 600, 900, 1800, 3600, 10800, 21600, 43200, 86400,
  ].map((s) => s * 1000);
  const rounded = steps.find((s) => s >= raw) ?? steps[steps.length - 1]!;
  return Math.max(rounded, minInterval !== undefined ? parseDuration(minInterval) : 0);
}

function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (m === null) throw new Error(`unsupported interval ${text}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    m[2] as 'ms' | 's' | 'm' | 'h' | 'd'
  ];
  return Number(m[1]) * unit;
}

export function expandGrafanaSql(sql: string, ctx: ExpandContext): string {
  return expandBackendMacros(interpolateVariables(applyConditionalAll(sql, ctx), ctx), ctx);
}

/** The plugin's frontend `$__conditionalAll(condition, $var)`: the condition, or 1=1 when the variable selects All. */
export function applyConditionalAll(sql: string, ctx: ExpandContext): string {
  const macro = '$__conditionalAll(';
  let out = sql;
  // Right to left like the plugin, so offsets of earlier occurrences stay valid.
  for (let at = out.lastIndexOf(macro); at !== -1; at = out.lastIndexOf(macro, at - 1)) {
    const { args, end } = macroArgs(out, at + macro.length - 1);
    if (args.length !== 2)
      throw new Error(`$__conditionalAll needs 2 arguments: ${out.slice(at, end)}`);
    const name = /^\$\{?(\w+)\}?$/.exec(args[1]!.trim())?.[1];
    if (name === undefined)
      throw new Error(`$__conditionalAll: second argument must be a variable, got ${args[1]}`);
    const variable = requireVariable(ctx, name);
    const phrase =
      variable.current.includes(ALL) || variable.current.length === 0 ? '1=1' : args[0]!;
    out = out.slice(0, at) + phrase + out.slice(end);
    if (at === 0) break;
  }
  return out;
}

/** Grafana template variables: `$var`, `${var}` and `${var:singlequote}`; unknown names are left alone, as Grafana does. */
export function interpolateVariables(sql: string, ctx: ExpandContext): string {
  return sql.replace(
    /\$\{(\w+)(?::(\w+))?\}|\$(\w+)/g,
    (match, braced: string | undefined, format: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare!;
      if (name.startsWith('__')) return match;
      const variable = ctx.variables[name];
      if (variable === undefined) return match;
      const values = variable.current.includes(ALL) ? variable.options : variable.current;
      if (format === 'singlequote')
        return values.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(',');
      if (format !== undefined)
        throw new Error(`variable format :${format} is not modelled by this expander`);
      if (values.length !== 1)
        throw new Error(`multi-value variable $${name} used without a format`);
      return values[0]!;
    },
  );
}

/** The plugin's backend macros (seconds precision, as in pkg/macros/macros.go). */
export function expandBackendMacros(sql: string, ctx: ExpandContext): string {
  const from = Math.floor(ctx.from.getTime() / 1000);
  const to = Math.floor(ctx.to.getTime() / 1000);
  const intervalS = Math.max(Math.floor(ctx.intervalMs / 1000), 1);
  let out = sql;
  out = replaceCalls(
    out,
    'timeFilter',
    (col) => `${col} >= toDateTime(${from}) AND ${col} <= toDateTime(${to})`,
  );
  out = replaceCalls(
    out,
    'timeInterval',
    (col) => `toStartOfInterval(toDateTime(${col}), INTERVAL ${intervalS} second)`,
  );
  out = out
    .replace(/\$__fromTime\b/g, `toDateTime(${from})`)
    .replace(/\$__toTime\b/g, `toDateTime(${to})`)
    .replace(/\$__interval_s\b/g, String(intervalS));
  const left = /\$__\w+/.exec(out);
  if (left !== null) throw new Error(`macro ${left[0]} is not modelled by this expander`);
  const unresolved = /\$\{?\w+/.exec(out);
  if (unresolved !== null) throw new Error(`unresolved variable ${unresolved[0]}`);
  return out;
}

function replaceCalls(sql: string, name: string, render: (arg: string) => string): string {
  const macro = `$__${name}(`;
  let out = sql;
  for (let at = out.indexOf(macro); at !== -1; at = out.indexOf(macro, at)) {
    const { args, end } = macroArgs(out, at + macro.length - 1);
    if (args.length !== 1) throw new Error(`$__${name} takes 1 argument: ${out.slice(at, end)}`);
    const replacement = render(args[0]!.trim());
    out = out.slice(0, at) + replacement + out.slice(end);
    at += replacement.length;
  }
  return out;
}

/** Arguments of a macro call whose `(` is at `open`: split on top-level commas, quotes and nested parentheses respected. */
function macroArgs(sql: string, open: number): { args: string[]; end: number } {
  const args: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = open + 1;
  for (let i = open; i < sql.length; i++) {
    const ch = sql[i]!;
    if (quote !== undefined) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ',' && depth === 1) {
      args.push(sql.slice(start, i));
      start = i + 1;
    } else if (ch === ')' && --depth === 0) {
      args.push(sql.slice(start, i));
      return { args, end: i + 1 };
    }
  }
  throw new Error(`unbalanced parentheses in macro at ${sql.slice(open - 20, open + 40)}`);
}

function requireVariable(ctx: ExpandContext, name: string): VariableState {
  const variable = ctx.variables[name];
  if (variable === undefined) throw new Error(`unknown variable $${name}`);
  return variable;
}
