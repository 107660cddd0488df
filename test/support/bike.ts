/**
 * UCI Bike Sharing (hourly) for tests, read through the project's reader: its columns and types, and
 * the years as tables. The files the policies use are derived by scripts/datasets.ts.
 */
import { join } from 'node:path';
import type { ReadOptions } from '../../lib/data/reader';
import { readTable } from '../../lib/data/reader';
import { selectRows, tableFromColumns, type Table } from '../../lib/data/table';
import type { ColumnSpec } from '../../lib/data/types';
import { sharedDataDir } from '../../lib/runtime/paths';

/** The 17 columns of hour.csv in file order: codes are integers, weather measures normalised numbers. */
export const bikeColumns: readonly ColumnSpec[] = [
  { name: 'instant', type: 'integer' },
  { name: 'dteday', type: 'categorical' },
  { name: 'season', type: 'integer' },
  { name: 'yr', type: 'integer' },
  { name: 'mnth', type: 'integer' },
  { name: 'hr', type: 'integer' },
  { name: 'holiday', type: 'integer' },
  { name: 'weekday', type: 'integer' },
  { name: 'workingday', type: 'integer' },
  { name: 'weathersit', type: 'integer' },
  { name: 'temp', type: 'numeric' },
  { name: 'atemp', type: 'numeric' },
  { name: 'hum', type: 'numeric' },
  { name: 'windspeed', type: 'numeric' },
  { name: 'casual', type: 'integer' },
  { name: 'registered', type: 'integer' },
  { name: 'cnt', type: 'integer' },
];

/** The published hourly file. */
export const bikeHourFile = (): string => join(sharedDataDir(), 'bike-sharing', 'hour.csv');

/** Read options for hour.csv and the files derived from it (header, comma, CRLF or LF). */
export const bikeReadOptions: ReadOptions = { format: 'csv', header: true, columns: [...bikeColumns] };

/**
 * One year of hour.csv as a table (2011: yr 0, 2012: yr 1), in time order, optionally its first rows.
 *
 * @example const y2012 = await loadBikeYear(2012, 500);
 */
export async function loadBikeYear(year: 2011 | 2012, limit?: number): Promise<{ table: Table; rows: number }> {
  const read = await readTable(bikeHourFile(), bikeReadOptions);
  const table = tableFromColumns(read.columns);
  const yr = table.yr as Float64Array;
  const rows: number[] = [];
  for (let i = 0; i < read.rows && rows.length < (limit ?? Infinity); i++) if (yr[i] === year - 2011) rows.push(i);
  return { table: selectRows(table, rows), rows: rows.length };
}
