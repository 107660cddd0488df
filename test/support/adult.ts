/**
 * Test and benchmark helpers for the model: the UCI Adult files read through the project's reader
 * (lib/data) into the model's columnar table, and the feature spec used with them.
 */
import { join } from 'node:path';
import { adultReadOptions } from './adult-files';
import { readTable } from '../../lib/data/reader';
import { sharedDataDir } from '../../lib/runtime/paths';
import type { TrainingConfigInput } from '../../lib/model/config';
import { selectRows, tableFromColumns, type Table } from '../../lib/data/table';

export const ADULT_DIR = join(sharedDataDir(), 'adult');


/**
 * The Adult feature spec. `fnlwgt` is left out: it is the census sampling weight of the row, not
 * an attribute of the person.
 */
export const adultFeatures = {
  numeric: ['age', 'education-num', 'capital-gain', 'capital-loss', 'hours-per-week'],
  categorical: ['workclass', 'education', 'marital-status', 'occupation', 'relationship', 'race', 'sex', 'native-country'],
  label: { column: 'income', positive: '>50K' },
} satisfies TrainingConfigInput['features'];

/**
 * Reads adult.data / adult.test into a columnar table: numeric columns as Float64Array, the rest
 * as (string | null)[] with '?' as null. adult.test's first line ('|1x3 Cross validator') and the
 * trailing '.' of its labels are dropped so both files share one label vocabulary.
 *
 * @example
 *   const train = loadAdult('adult.data', { limit: 3000 });
 *   train.table.age; // Float64Array
 */
export async function loadAdult(file: 'adult.data' | 'adult.test', options: { limit?: number; dir?: string } = {}): Promise<{ table: Table; rows: number }> {
  const path = join(options.dir ?? ADULT_DIR, file);
  const read = await readTable(path, adultReadOptions(path));
  const all = tableFromColumns(read.columns);
  const rows = Math.min(read.rows, options.limit ?? Infinity);
  if (rows === read.rows) return { table: all, rows };
  return { table: selectRows(all, Uint32Array.from({ length: rows }, (_, i) => i)), rows };
}
