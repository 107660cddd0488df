/**
 * The fixed evaluation dataset used by the metric tests and the benchmark: UCI Adult `adult.test`
 * (16281 rows) scored by a FIXED logistic rule, so numbers can be reproduced in Python
 * (`lib/metrics/reference_values.py` applies the identical rule; keep the two in sync).
 *
 *   z = -7.25 + 0.32*education_num + 0.035*hours_per_week + 0.028*age + 0.00025*capital_gain
 *   score = round(1 / (1 + exp(-z)), 6 decimals)
 *
 * Rounding to six decimals mimics scores exported to CSV and, importantly, makes the tie structure
 * identical in numpy and V8 (their `exp` can differ in the last bit, which would otherwise split or
 * merge ties near 0 and 1 and move ROC AUC in the 7th decimal).
 *
 * The "degraded" rule drops the capital-gain term: a realistic regression (a feature lost upstream).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StewardError } from '../../lib/core/errors';
import { sharedDataDir } from '../../lib/runtime/paths';

/** Where the shared copy of the dataset lives on project machines. */
export const ADULT_TEST_PATH = join(sharedDataDir(), 'adult', 'adult.test');

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
 * Reads adult.test: no header, ", " separated, 15 columns, a junk first line, labels ">50K." / "<=50K.".
 *
 * @example
 *   const adult = loadAdultTest();
 *   adult.n; // 16281
 */
export function loadAdultTest(path = ADULT_TEST_PATH): AdultData {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  const rows: string[][] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const cells = lines[i].split(', ');
    if (cells.length !== 15) throw new StewardError('MalformedData', `expected 15 fields, found ${cells.length}`, { file: path, row: i + 1 });
    rows.push(cells);
  }
  const n = rows.length;
  const num = (c: number) => Float64Array.from(rows, (r) => Number(r[c]));
  return {
    n,
    labels: Uint8Array.from(rows, (r) => (r[14] === '>50K.' ? 1 : 0)),
    age: num(0),
    educationNum: num(4),
    hoursPerWeek: num(12),
    capitalGain: num(10),
    sex: rows.map((r) => r[9]),
    race: rows.map((r) => r[8]),
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
