/**
 * The example data sets of the regression and multiclass policies, derived in code from the shared
 * files (which are never rewritten), so the derivation is visible and tested:
 *
 * - Bike Sharing by year (`policies/bike-sharing.json`): `hour.csv` split on its `yr` column into the
 *   2011 rows (training) and the 2012 rows (evaluation), with CRLF line endings turned into LF. The
 *   mean hourly count is 143.8 in 2011 and 234.7 in 2012: the service grew, a real year-over-year drift.
 * - Adult education levels (`policies/adult-education.json`): `adult.data` and `adult.test` as CSV with
 *   a header, their `education` and `education-num` columns replaced by `education-level`, the 16
 *   education values grouped into 4 classes (no-diploma, high-school, some-college, degree); the test
 *   file's junk first line is dropped and its labels lose their trailing dot.
 *
 * `npx tsx scripts/datasets.ts [dir]` writes them to `datasets/` (git-ignored); the demo and the tests call the functions.
 *
 * @example
 *   const { train, evaluation } = deriveBikeSharing('datasets');
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { projectRoot, sharedDataDir } from '../lib/runtime/paths';

/** Where `npx tsx scripts/datasets.ts` (and the demo) write the derived files; the shipped policies point here. */
export const datasetsDir = resolve(projectRoot, 'datasets');

function lines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
}

/**
 * Bike Sharing's hourly file split by year. `rows` keeps the first rows of each year (tests), in file
 * (time) order.
 *
 * @example deriveBikeSharing(dir).train; // `${dir}/bike-sharing-2011.csv`
 */
export function deriveBikeSharing(outDir = datasetsDir, options: { rows?: { train?: number; evaluation?: number }; suffix?: string } = {}): { train: string; evaluation: string } {
  const [header, ...records] = lines(join(sharedDataDir(), 'bike-sharing', 'hour.csv'));
  const yr = header!.split(',').indexOf('yr');
  if (yr < 0) throw new Error('hour.csv has no "yr" column');
  const of = (year: '0' | '1') => records.filter((r) => r.split(',')[yr] === year);
  const suffix = options.suffix ?? '';
  mkdirSync(outDir, { recursive: true });
  const write = (name: string, rows: string[], limit?: number) => {
    const file = join(outDir, name);
    writeFileSync(file, `${[header, ...rows.slice(0, limit ?? rows.length)].join('\n')}\n`);
    return file;
  };
  return {
    train: write(`bike-sharing-2011${suffix}.csv`, of('0'), options.rows?.train),
    evaluation: write(`bike-sharing-2012${suffix}.csv`, of('1'), options.rows?.evaluation),
  };
}

/** The 16 Adult education values grouped into the 4 classes of the multiclass example. */
export const educationLevels: Readonly<Record<string, string>> = {
  Preschool: 'no-diploma',
  '1st-4th': 'no-diploma',
  '5th-6th': 'no-diploma',
  '7th-8th': 'no-diploma',
  '9th': 'no-diploma',
  '10th': 'no-diploma',
  '11th': 'no-diploma',
  '12th': 'no-diploma',
  'HS-grad': 'high-school',
  'Some-college': 'some-college',
  'Assoc-acdm': 'some-college',
  'Assoc-voc': 'some-college',
  Bachelors: 'degree',
  Masters: 'degree',
  'Prof-school': 'degree',
  Doctorate: 'degree',
};

const adultColumns = ['age', 'workclass', 'fnlwgt', 'education', 'education-num', 'marital-status', 'occupation', 'relationship', 'race', 'sex', 'capital-gain', 'capital-loss', 'hours-per-week', 'native-country', 'income'];

/**
 * Adult with its education grouped into `education-level` (the label of the multiclass example);
 * `education` and `education-num` are dropped, since they would give the answer away.
 *
 * @example deriveAdultEducation(dir, { rows: { train: 2000, evaluation: 1500 } });
 */
export function deriveAdultEducation(outDir = datasetsDir, options: { rows?: { train?: number; evaluation?: number }; suffix?: string } = {}): { train: string; evaluation: string } {
  const keep = adultColumns.filter((c) => c !== 'education' && c !== 'education-num');
  const header = [...keep, 'education-level'].join(',');
  const convert = (line: string) => {
    const fields = line.split(',').map((f) => f.trim());
    if (fields.length !== adultColumns.length) throw new Error(`an Adult record with ${fields.length} fields: ${line.slice(0, 60)}`);
    const row = Object.fromEntries(adultColumns.map((c, i) => [c, fields[i]!]));
    row.income = row.income!.replace(/\.$/, '');
    const level = educationLevels[row.education!];
    if (!level) throw new Error(`unknown education "${row.education}"`);
    return [...keep.map((c) => row[c]!), level].join(',');
  };
  const dir = join(sharedDataDir(), 'adult');
  const suffix = options.suffix ?? '';
  mkdirSync(outDir, { recursive: true });
  const write = (name: string, records: string[], limit?: number) => {
    const file = join(outDir, name);
    writeFileSync(file, `${[header, ...records.slice(0, limit ?? records.length).map(convert)].join('\n')}\n`);
    return file;
  };
  return {
    train: write(`adult-education-train${suffix}.csv`, lines(join(dir, 'adult.data')), options.rows?.train),
    evaluation: write(`adult-education-test${suffix}.csv`, lines(join(dir, 'adult.test')).filter((l) => !l.startsWith('|')), options.rows?.evaluation),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = resolve(process.argv[2] ?? datasetsDir);
  const bike = deriveBikeSharing(out);
  const adult = deriveAdultEducation(out);
  for (const file of [bike.train, bike.evaluation, adult.train, adult.evaluation]) console.log(file);
}
