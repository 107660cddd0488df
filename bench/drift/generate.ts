/**
 * Deterministic benchmark data: reference and current CSVs of N rows × 20 columns, resampled from
 * the shared Adult and Bike-sharing data with seeded noise; the current file drifts in 5 columns
 * (age, hours_per_week, temp shifted/scaled; education, occupation reweighted).
 *
 * @example
 *   generateBenchFiles('.tools/bench-drift-data', 1_000_000); // { reference, current, columns }
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ColumnSpec } from '../../lib/data/types';
import { createRng } from '../../lib/core/random';
import { sharedDataDir } from '../../lib/runtime/paths';

/** The project's seeded generator (lib/metrics/random) as a plain `() => number` stream. */
function rng(seed: number): () => number {
  const g = createRng(seed);
  return () => g.next();
}

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

const NUMERIC = ['age', 'fnlwgt', 'education_num', 'capital_gain', 'capital_loss', 'hours_per_week', 'temp', 'atemp', 'hum', 'windspeed', 'casual', 'cnt'];
const CATEGORICAL = ['workclass', 'education', 'marital_status', 'occupation', 'relationship', 'race', 'sex', 'native_country'];
/** Column specs of the generated files, in file order. */
export const benchColumns: ColumnSpec[] = [
  ...NUMERIC.map((name) => ({ name, type: 'numeric' as const })),
  ...CATEGORICAL.map((name) => ({ name, type: 'categorical' as const })),
];

function writeFile(path: string, rows: number, seed: number, drift: boolean): void {
  const adult = readFileSync(join(sharedDataDir(), 'adult', 'adult.data'), 'utf8').split(/\r?\n/).filter((l) => l.trim()).map((l) => l.split(', '));
  const bike = readFileSync(join(sharedDataDir(), 'bike-sharing', 'hour.csv'), 'utf8').split(/\r?\n/).slice(1).filter((l) => l.trim()).map((l) => l.split(','));
  const r = rng(seed);
  const fd = openSync(path, 'w');
  writeSync(fd, [...NUMERIC, ...CATEGORICAL].join(',') + '\n');
  let buf: string[] = [];
  for (let i = 0; i < rows; i++) {
    let a = adult[Math.floor(r() * adult.length)];
    // Drifted education/occupation: half the rows are redrawn until they come from a high-education row.
    if (drift && r() < 0.5) while (Number(a[4]) < 13) a = adult[Math.floor(r() * adult.length)];
    const b = bike[Math.floor(r() * bike.length)];
    const n = (x: number, sd: number) => x + sd * gaussian(r);
    const age = n(Number(a[0]), 0.5) + (drift ? 4 : 0);
    const hours = n(Number(a[12]), 1) * (drift ? 1.15 : 1);
    const temp = n(Number(b[10]), 0.01) + (drift ? 0.08 : 0);
    const vals = [
      age.toFixed(2), Math.round(n(Number(a[2]), 500)), a[4], Number(a[10]) > 0 ? n(Number(a[10]), 10).toFixed(1) : '0', a[11], hours.toFixed(2),
      temp.toFixed(4), n(Number(b[11]), 0.01).toFixed(4), n(Number(b[12]), 0.01).toFixed(4), n(Number(b[13]), 0.005).toFixed(4), b[14], b[16],
      a[1], a[3], a[5], a[6], a[7], a[8], a[9], a[13],
    ];
    buf.push(vals.join(','));
    if (buf.length === 10000) {
      writeSync(fd, buf.join('\n') + '\n');
      buf = [];
    }
  }
  if (buf.length > 0) writeSync(fd, buf.join('\n') + '\n');
  closeSync(fd);
}

/** Bumped whenever the generated data change, so cached files of another generator are not reused. */
const GENERATOR = 'g2';

/** Write (or reuse) reference.csv and current.csv with `rows` rows each under `dir`. */
export function generateBenchFiles(dir: string, rows: number): { reference: string; current: string; columns: ColumnSpec[] } {
  mkdirSync(dir, { recursive: true });
  const reference = join(dir, `reference-${GENERATOR}-${rows}.csv`);
  const current = join(dir, `current-${GENERATOR}-${rows}.csv`);
  if (!existsSync(reference)) writeFile(reference, rows, 1, false);
  if (!existsSync(current)) writeFile(current, rows, 2, true);
  return { reference, current, columns: benchColumns };
}
