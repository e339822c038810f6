// Answers compared as sets of rows: each row's columns sorted, the rows sorted, values as the engine
// returned them (Decimal sums come back as text, so equal money compares equal exactly).
import type { Row } from '../../src/storage/runner.js';

export const canonicalRows = (rows: Row[]): string[] =>
  rows.map((r) => JSON.stringify(Object.entries(r).sort())).sort();
