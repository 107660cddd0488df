/**
 * Layouts of the public data sets under the shared data folder (`sharedDataDir()`) that the project uses in tests, demos and
 * benchmarks. Facts (column names, domains) are from each data set's own documentation.
 */
import { join } from 'node:path';
import { sharedDataDir } from '../../lib/runtime/paths';
import type { DataContractInput } from '../../lib/data/contract';
import type { ReadOptions } from '../../lib/data/reader';
import type { ColumnSpec } from '../../lib/data/types';

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
    return join(sharedDataDir(), 'adult', 'adult.data');
  },
  get test() {
    return join(sharedDataDir(), 'adult', 'adult.test');
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
