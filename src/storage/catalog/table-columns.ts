// Helpers for writing table definitions: column lists as text, columns added by a migration.
import type { ColumnSpec } from './types.js';

/** A column added to an existing table by migration `since`. */
export const addedColumn = (since: number, name: string, type: string): ColumnSpec => ({
  name,
  type,
  since,
});

/** `name Type ...` lines into column specs. */
export function columns(block: string): ColumnSpec[] {
  return block
    .trim()
    .split('\n')
    .map((line) => {
      const [name = '', ...type] = line.trim().split(' ');
      return { name, type: type.join(' ') };
    });
}
