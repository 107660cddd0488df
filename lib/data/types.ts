/**
 * The in-memory, columnar shape of tabular data in Steward. Readers (`lib/data/reader.ts`) produce
 * `DataChunk`s; profiles and drift statistics (`lib/drift/`) consume them. Columns are typed arrays so
 * statistics can run over millions of rows without one JS object per value.
 */

/** Every column type a data contract can declare, in a stable order (for schemas and messages). */
export const columnTypes = ['numeric', 'integer', 'categorical', 'boolean', 'timestamp'] as const;

/**
 * The type of one column.
 *
 * @example
 *   const t: ColumnType = 'integer';
 */
export type ColumnType = (typeof columnTypes)[number];

/**
 * A column's name and declared type, as given to a reader (usually taken from the data contract).
 *
 * @example
 *   const age: ColumnSpec = { name: 'age', type: 'integer' };
 */
export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

/**
 * A slice of a numeric-like column. `values[i]` is NaN when the value is missing; booleans are 0/1;
 * timestamps are epoch milliseconds (UTC).
 *
 * @example
 *   const c: NumberColumnChunk = { name: 'age', type: 'integer', values: Float64Array.of(39, NaN, 50) };
 */
export interface NumberColumnChunk {
  name: string;
  type: 'numeric' | 'integer' | 'boolean' | 'timestamp';
  values: Float64Array;
}

/**
 * A slice of a categorical column, dictionary-encoded. `codes[i]` indexes `dictionary`, -1 = missing.
 * One `dictionary` array is shared by every chunk of one read and only grows (new values are
 * appended), so a code means the same value in every chunk: consumers may count codes per chunk and
 * resolve names at the end.
 *
 * @example
 *   const sex: CategoryColumnChunk = { name: 'sex', type: 'categorical', codes: Int32Array.of(0, 1, -1), dictionary: ['Male', 'Female'] };
 */
export interface CategoryColumnChunk {
  name: string;
  type: 'categorical';
  codes: Int32Array;
  dictionary: string[];
}

/**
 * One column of a chunk.
 *
 * @example
 *   const total = (c: ColumnChunk) => (c.type === 'categorical' ? c.codes.length : c.values.length);
 */
export type ColumnChunk = NumberColumnChunk | CategoryColumnChunk;

/**
 * A run of consecutive records of one file. Every column holds exactly `rows` entries.
 *
 * `firstRow` is the 1-based physical line number of the chunk's first record. When every record of
 * the chunk sits on its own line with nothing skipped in between, record `i` is on line
 * `firstRow + i` and `lines` is absent. When records span lines (quoted newlines) or blank/comment
 * lines were skipped inside the chunk, `lines[i]` holds the line each record starts on. Use
 * `recordLine` instead of reading either field directly.
 *
 * @example
 *   for (let i = 0; i < chunk.rows; i++) if (Number.isNaN(ages.values[i])) console.log('missing age on line', recordLine(chunk, i));
 */
export interface DataChunk {
  firstRow: number;
  rowNumbers?: never;
  rows: number;
  columns: ColumnChunk[];
  /** Start line of each record; present only when records are not on consecutive lines. */
  lines?: Int32Array;
}

/**
 * The 1-based line of the file where record `index` of `chunk` starts.
 *
 * @example
 *   recordLine({ firstRow: 2, rows: 3, columns: [] }, 1); // 3
 */
export function recordLine(chunk: DataChunk, index: number): number {
  return chunk.lines ? chunk.lines[index] : chunk.firstRow + index;
}

/**
 * Finds a column of a chunk (or table) by name.
 *
 * @example
 *   const age = findColumn(chunk.columns, 'age');
 */
export function findColumn(columns: readonly ColumnChunk[], name: string): ColumnChunk | undefined {
  return columns.find((c) => c.name === name);
}
