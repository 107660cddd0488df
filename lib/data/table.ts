/**
 * The one in-memory table of the project: columns by name, all of the same length, one element per
 * row. The reader produces it (`tableFromColumns`), the feature pipeline and the model read it,
 * evaluation and permutation importance slice and permute it.
 *
 * - numeric columns: `Float64Array` / `Float32Array` (NaN = missing) or `(number | null)[]`
 *   (null, undefined and NaN = missing). Numeric strings are accepted by the feature pipeline.
 * - categorical columns: `(string | null)[]` (null, undefined and '' = missing). Numbers are
 *   turned into strings where a numeric code is declared categorical.
 */
import { StewardError } from '../core/errors';
import type { ColumnChunk } from './types';

export type NumericColumn = Float64Array | Float32Array | readonly (number | string | null | undefined)[];
export type CategoricalColumn = readonly (string | number | null | undefined)[];
export type Column = NumericColumn | CategoricalColumn;
/** Column name -> values, one per row. */
export type Table = Readonly<Record<string, Column>>;

/**
 * Number of rows of a table restricted to the given columns; all of them must exist and agree.
 *
 * @example tableRows({ a: [1, 2], b: ['x', 'y'] }, ['a', 'b']) === 2
 */
export function tableRows(table: Table, columns: readonly string[]): number {
  let rows: number | undefined;
  for (const name of columns) {
    const col = table[name];
    if (col === undefined) throw new StewardError('DataContractViolation', 'column is missing from the table', { column: name });
    if (rows === undefined) rows = col.length;
    else if (col.length !== rows) {
      throw new StewardError('DataContractViolation', `column has ${col.length} values, expected ${rows}`, { column: name });
    }
  }
  return rows ?? 0;
}

function pick(col: Column, rows: ArrayLike<number>): Column {
  if (col instanceof Float64Array || col instanceof Float32Array) {
    const picked = new (col.constructor as Float64ArrayConstructor)(rows.length);
    for (let i = 0; i < rows.length; i++) picked[i] = col[rows[i]];
    return picked;
  }
  return Array.from({ length: rows.length }, (_, i) => col[rows[i]]);
}

/**
 * The rows of `table` at `rows` (in that order), every column included. Cuts a training slice, a
 * hold-out set, a sample, a single row for latency measurements, or a permutation of one column.
 *
 * @example
 *   selectRows({ age: Float64Array.of(30, 40, 50) }, [2, 0]); // { age: Float64Array [50, 30] }
 */
export function selectRows(table: Table, rows: ArrayLike<number>): Record<string, Column> {
  const out: Record<string, Column> = {};
  for (const [name, col] of Object.entries(table)) out[name] = pick(col, rows);
  return out;
}

/**
 * `table` with one column's values reordered by `order` (typed arrays stay typed).
 *
 * @example withPermutedColumn({ a: [1, 2, 3], b: ['x', 'y', 'z'] }, 'a', [2, 0, 1]); // { a: [3, 1, 2], b: [...] }
 */
export function withPermutedColumn(table: Table, column: string, order: ArrayLike<number>): Table {
  return { ...table, [column]: pick(table[column], order) };
}

/**
 * The reader's columns as a table: numbers stay Float64Array (NaN missing), categories become
 * strings (null missing).
 *
 * @example const table = tableFromColumns((await readTable(file, options)).columns);
 */
export function tableFromColumns(columns: readonly ColumnChunk[]): Record<string, Float64Array | (string | null)[]> {
  const table: Record<string, Float64Array | (string | null)[]> = {};
  for (const c of columns) {
    if (c.type === 'categorical') {
      const out = new Array<string | null>(c.codes.length);
      for (let i = 0; i < c.codes.length; i++) out[i] = c.codes[i] < 0 ? null : c.dictionary[c.codes[i]];
      table[c.name] = out;
    } else table[c.name] = c.values;
  }
  return table;
}
