// The llm_calls columns as the RowBinary encoder (rows-rowbinary.ts) writes them, and the check
// of a table's types against them (file-insert.ts asks it once a process: RowBinary is stored
// as written, never parsed, so a column whose type changed must not get these bytes).

/** How each llm_calls column is written, in callRecord's order (a test compares the names). */
export const CALL_BINARY_COLUMNS: readonly (readonly [string, WireType])[] = [
  ...(['call_id', 'trace_id', 'span_id', 'parent_span_id'] as const).map(
    (c) => [c, 'String'] as const,
  ),
  ['start_time', "DateTime64(6, 'UTC')"],
  ['end_time', "DateTime64(6, 'UTC')"],
  ['duration_ms', 'Float64'],
  ...strings(
    'span_name scope_name source kind service environment route feature tenant provider operation request_model response_model model deployment capacity_tier region server_address service_tier',
  ),
  ['streaming', 'Bool'],
  ['status', 'String'],
  ['error_type', 'String'],
  ['http_status', 'UInt16'],
  ['finish_reason', 'String'],
  ...of(
    'UInt64',
    'input_tokens cache_read_tokens cache_creation_tokens output_tokens reasoning_tokens',
  ),
  ...of('Nullable(Float64)', 'ttft_ms itl_ms itl_p95_ms'),
  ['attempt', 'UInt16'],
  ['fallback_from', 'String'],
  ['hedged', 'Bool'],
  ['degraded', 'Bool'],
  ['cache_layer', 'String'],
  ['cache_hit', 'Bool'],
  ...strings('prompt_version conversation_id price_entry price_version'),
  ['priced', 'Bool'],
  ...of(
    'Decimal(38, 18)',
    'cost_input cost_cache_read cost_cache_creation cost_output cost_total list_cost',
  ),
  ['warnings', 'Array(String)'],
  ...of(
    'UInt64',
    'cache_creation_1h_tokens audio_input_tokens audio_output_tokens image_output_tokens',
  ),
  ['web_search_requests', 'UInt32'],
  ['usage_incomplete', 'Bool'],
  ...of('Decimal(38, 18)', 'cost_cache_creation_1h cost_audio cost_image cost_request'),
];

/** The column types the encoder writes, LowCardinality left out (its RowBinary is its inner type's). */
export type WireType =
  | 'String'
  | "DateTime64(6, 'UTC')"
  | 'Float64'
  | 'Nullable(Float64)'
  | 'Bool'
  | 'UInt16'
  | 'UInt32'
  | 'UInt64'
  | 'Decimal(38, 18)'
  | 'Array(String)';

function of(type: WireType, names: string): (readonly [string, WireType])[] {
  return names.split(' ').map((c) => [c, type] as const);
}

function strings(names: string): (readonly [string, WireType])[] {
  return of('String', names);
}

/** A table's column type as the encoder's wire type (LowCardinality(T) is written as T). */
export function wireTypeOf(tableType: string): string {
  return tableType.replace(/LowCardinality\(([^()]*)\)/g, '$1');
}

/**
 * The columns whose table types differ from what the encoder writes ([] when llm_calls is as
 * the encoder expects): the schema-drift guard of file-insert.ts, asked once a process.
 */
export function binaryMismatches(table: readonly { name: string; type: string }[]): string[] {
  const types = new Map(table.map((c) => [c.name, wireTypeOf(c.type)]));
  return CALL_BINARY_COLUMNS.filter(([name, type]) => types.get(name) !== type).map(
    ([name, type]) => `${name}: table ${types.get(name) ?? 'missing'}, encoder ${type}`,
  );
}
