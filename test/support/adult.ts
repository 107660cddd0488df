/**
 * UCI Adult for tests and benchmarks, read through the project's own reader: the layout of the
 * published files (columns, dialect, a default contract), the model's feature spec, whole files as
 * tables, and the fixed scoring rule the metric tests reproduce in Python.
 *
 * The fixed rule scores adult.test with a FIXED logistic function, so numbers can be reproduced in
 * Python (`lib/metrics/reference_values.py` applies the identical rule; keep the two in sync):
 *
 *   z = -7.25 + 0.32*education_num + 0.035*hours_per_week + 0.028*age + 0.00025*capital_gain
 *   score = round(1 / (1 + exp(-z)), 6 decimals)
 *
 * Rounding to six decimals mimics scores exported to CSV and makes the tie structure identical in
 * numpy and V8 (their `exp` can differ in the last bit, which would otherwise split or merge ties
 * near 0 and 1 and move ROC AUC in the 7th decimal). The "degraded" rule drops the capital-gain
 * term: a realistic regression (a feature lost upstream).
 */
import { join } from 'node:path';
import type { DataContractInput } from '../../lib/data/contract';
import { readTable, type ReadOptions } from '../../lib/data/reader';
import { selectRows, tableFromColumns, type Table } from '../../lib/data/table';
import type { ColumnSpec } from '../../lib/data/types';
import type { TrainingConfigInput } from '../../lib/model/config';
import { sharedDataDir } from '../../lib/runtime/paths';

/** The folder of the published Adult files. */
export const adultDir = (): string => join(sharedDataDir(), 'adult');

/**
 * The 15 columns of UCI Adult (`adult.data`, `adult.test`), in file order, as `adult.names` describes
 * them: the six continuous ones are whole numbers, so they are read as `integer`.
 *
 * @example
 *   const names = adultColumns.map((c) => c.name); // ['age', 'workclass', ...]
 */
export const adultColumns: readonly ColumnSpec[] = [
  { name: 'age', type: 'integer' },
  { name: 'workclass', type: 'categorical' },
  { name: 'fnlwgt', type: 'integer' },
  { name: 'education', type: 'categorical' },
  { name: 'education-num', type: 'integer' },
  { name: 'marital-status', type: 'categorical' },
  { name: 'occupation', type: 'categorical' },
  { name: 'relationship', type: 'categorical' },
  { name: 'race', type: 'categorical' },
  { name: 'sex', type: 'categorical' },
  { name: 'capital-gain', type: 'integer' },
  { name: 'capital-loss', type: 'integer' },
  { name: 'hours-per-week', type: 'integer' },
  { name: 'native-country', type: 'categorical' },
  { name: 'income', type: 'categorical' },
];

/** Where the project keeps the Adult files. */
export const adultFiles = {
  get train() {
    return join(adultDir(), 'adult.data');
  },
  get test() {
    return join(adultDir(), 'adult.test');
  },
};

// adult.test writes labels as `>50K.` / `<=50K.`; adult.data as `>50K` / `<=50K`.
function stripTrailingDot(value: string): string {
  return value.endsWith('.') ? value.slice(0, -1) : value;
}

/**
 * Read options for an Adult file: no header, `, ` separator, `?` for missing, labels without the
 * test file's trailing dot. The test file's junk first line (`|1x3 Cross validator`) is skipped as a
 * `|` comment rather than by `skipLines`, so the same options work for both files and for slices of
 * them; `file` is accepted for symmetry with other layouts but both files read alike.
 *
 * @example
 *   const table = await readTable(adultFiles.test, adultReadOptions(adultFiles.test));
 */
export function adultReadOptions(file?: string, columns: readonly ColumnSpec[] = adultColumns): ReadOptions {
  return {
    format: 'csv',
    header: false,
    columnNames: adultColumns.map((c) => c.name),
    separator: ', ',
    comment: '|',
    missing: ['?', ''],
    trim: true,
    columns: [...columns],
    normalize: { income: stripTrailingDot },
  };
}

const workclass = ['Private', 'Self-emp-not-inc', 'Self-emp-inc', 'Federal-gov', 'Local-gov', 'State-gov', 'Without-pay', 'Never-worked'];
const education = ['Bachelors', 'Some-college', '11th', 'HS-grad', 'Prof-school', 'Assoc-acdm', 'Assoc-voc', '9th', '7th-8th', '12th', 'Masters', '1st-4th', '10th', 'Doctorate', '5th-6th', 'Preschool'];
const maritalStatus = ['Married-civ-spouse', 'Divorced', 'Never-married', 'Separated', 'Widowed', 'Married-spouse-absent', 'Married-AF-spouse'];
const occupation = ['Tech-support', 'Craft-repair', 'Other-service', 'Sales', 'Exec-managerial', 'Prof-specialty', 'Handlers-cleaners', 'Machine-op-inspct', 'Adm-clerical', 'Farming-fishing', 'Transport-moving', 'Priv-house-serv', 'Protective-serv', 'Armed-Forces'];
const relationship = ['Wife', 'Own-child', 'Husband', 'Not-in-family', 'Other-relative', 'Unmarried'];
const race = ['White', 'Asian-Pac-Islander', 'Amer-Indian-Eskimo', 'Other', 'Black'];

/**
 * The default data contract for Adult-shaped batches: types, domains from `adult.names`, plausible
 * ranges, and missing-value budgets (workclass, occupation and native-country are 1-6% missing in
 * the published files, so more than 10% is a warning; the other columns are never missing).
 *
 * @example
 *   const report = await checkContract(adultFiles.test, adultContract, adultReadOptions(adultFiles.test));
 */
export const adultContract: DataContractInput = {
  columns: [
    { name: 'age', type: 'integer', missing: { maxShare: 0 }, range: { min: 0, max: 120 } },
    { name: 'workclass', type: 'categorical', missing: { maxShare: 0.1, severity: 'warn' }, allowed: { values: workclass } },
    { name: 'fnlwgt', type: 'integer', missing: { maxShare: 0 }, range: { min: 0 } },
    { name: 'education', type: 'categorical', missing: { maxShare: 0 }, allowed: { values: education } },
    { name: 'education-num', type: 'integer', missing: { maxShare: 0 }, range: { min: 1, max: 16 } },
    { name: 'marital-status', type: 'categorical', missing: { maxShare: 0 }, allowed: { values: maritalStatus } },
    { name: 'occupation', type: 'categorical', missing: { maxShare: 0.1, severity: 'warn' }, allowed: { values: occupation } },
    { name: 'relationship', type: 'categorical', missing: { maxShare: 0 }, allowed: { values: relationship } },
    { name: 'race', type: 'categorical', missing: { maxShare: 0 }, allowed: { values: race } },
    { name: 'sex', type: 'categorical', missing: { maxShare: 0 }, allowed: { values: ['Female', 'Male'] } },
    { name: 'capital-gain', type: 'integer', missing: { maxShare: 0 }, range: { min: 0, max: 99999 } },
    { name: 'capital-loss', type: 'integer', missing: { maxShare: 0 }, range: { min: 0 } },
    { name: 'hours-per-week', type: 'integer', missing: { maxShare: 0 }, range: { min: 1, max: 99 } },
    { name: 'native-country', type: 'categorical', missing: { maxShare: 0.1, severity: 'warn' }, unseen: { maxShare: 0.01, severity: 'warn' } },
    { name: 'income', type: 'categorical' },
  ],
  label: { column: 'income', values: ['<=50K', '>50K'] },
  minRows: { count: 1000, severity: 'error' },
};

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
export async function loadAdult(file: 'adult.data' | 'adult.test', options: { limit?: number } = {}): Promise<{ table: Table; rows: number }> {
  const read = await loadAdultFile(join(adultDir(), file));
  const rows = Math.min(read.rows, options.limit ?? Infinity);
  if (rows === read.rows) return read;
  return { table: selectRows(read.table, Uint32Array.from({ length: rows }, (_, i) => i)), rows };
}

/** Any Adult-layout file (the published ones or a slice of them) as a table. */
async function loadAdultFile(path: string): Promise<{ table: Record<string, Float64Array | (string | null)[]>; rows: number }> {
  const read = await readTable(path, adultReadOptions(path));
  return { table: tableFromColumns(read.columns), rows: read.rows };
}

/** The Adult columns the fixed scoring rule and the fairness tests use. */
export interface AdultData {
  n: number;
  labels: Uint8Array;
  age: Float64Array;
  educationNum: Float64Array;
  hoursPerWeek: Float64Array;
  capitalGain: Float64Array;
  sex: string[];
  race: string[];
}

/**
 * adult.test as the columns the fixed scoring rule and the fairness tests use, read through the
 * project's reader (junk first line skipped, labels without their trailing dot).
 *
 * @example
 *   const adult = await loadAdultTest();
 *   adult.n; // 16281
 */
export async function loadAdultTest(path = adultFiles.test): Promise<AdultData> {
  const { table, rows } = await loadAdultFile(path);
  const numbers = (name: string) => table[name] as Float64Array;
  return {
    n: rows,
    labels: Uint8Array.from(table.income as string[], (v) => (v === '>50K' ? 1 : 0)),
    age: numbers('age'),
    educationNum: numbers('education-num'),
    hoursPerWeek: numbers('hours-per-week'),
    capitalGain: numbers('capital-gain'),
    sex: table.sex as string[],
    race: table.race as string[],
  };
}

/**
 * The fixed scoring rule, evaluated in the same operation order as the Python reference so
 * floating-point results (and therefore ties) agree.
 *
 * @example
 *   const scores = adultScores(loadAdultTest());
 */
export function adultScores(d: Pick<AdultData, 'n' | 'age' | 'educationNum' | 'hoursPerWeek' | 'capitalGain'>, withCapitalGain = true): Float64Array {
  const out = new Float64Array(d.n);
  for (let i = 0; i < d.n; i++) {
    let z = -7.25 + 0.32 * d.educationNum[i] + 0.035 * d.hoursPerWeek[i] + 0.028 * d.age[i];
    if (withCapitalGain) z = z + 0.00025 * d.capitalGain[i];
    out[i] = Math.round((1 / (1 + Math.exp(-z))) * 1e6) / 1e6;
  }
  return out;
}
