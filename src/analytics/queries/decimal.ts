// Money leaves ClickHouse as quoted Decimal text; it stays text (never a JS float) to the client.

/** "12.340000000000000000" -> "12.34"; "0.000000" -> "0". */
export function trimDecimal(text: string): string {
  if (!text.includes('.')) return text;
  const trimmed = text.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '' || trimmed === '-0' ? '0' : trimmed;
}
