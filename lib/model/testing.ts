/**
 * Test and benchmark helpers for the model: a minimal reader for the UCI Adult files and the
 * feature spec used with them. Deliberately tiny; the real, validating CSV reader lives in
 * lib/data/ and replaces this one once it lands.
 */
import { readFileSync } from 'node:fs';
import type { TrainingConfigInput } from './config';
import type { Table } from './features';

export const ADULT_DIR = '/work/shared/data/adult';

export const adultColumns = [
  'age',
  'workclass',
  'fnlwgt',
  'education',
  'education-num',
  'marital-status',
  'occupation',
  'relationship',
  'race',
  'sex',
  'capital-gain',
  'capital-loss',
  'hours-per-week',
  'native-country',
  'income',
] as const;

const numericColumns = new Set(['age', 'fnlwgt', 'education-num', 'capital-gain', 'capital-loss', 'hours-per-week']);

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
export function loadAdult(file: 'adult.data' | 'adult.test', options: { limit?: number; dir?: string } = {}): { table: Table; rows: number } {
  const text = readFileSync(`${options.dir ?? ADULT_DIR}/${file}`, 'utf8');
  const limit = options.limit ?? Infinity;
  const raw: string[][] = adultColumns.map(() => []);
  let rows = 0;
  for (const line of text.split('\n')) {
    if (rows >= limit) break;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('|')) continue;
    const fields = trimmed.split(',').map((f) => f.trim());
    if (fields.length !== adultColumns.length) throw new Error(`${file}: expected ${adultColumns.length} fields, got ${fields.length}: ${trimmed}`);
    fields.forEach((f, i) => raw[i]!.push(f));
    rows++;
  }
  const table: Record<string, Float64Array | (string | null)[]> = {};
  adultColumns.forEach((name, i) => {
    const values = raw[i]!;
    if (numericColumns.has(name)) table[name] = Float64Array.from(values, (v) => (v === '?' ? NaN : Number(v)));
    else if (name === 'income') table[name] = values.map((v) => v.replace(/\.$/, ''));
    else table[name] = values.map((v) => (v === '?' ? null : v));
  });
  return { table, rows };
}
