/**
 * The fixed prediction rules of the regression and multiclass metric tests, evaluated in the same
 * operation order as test/fixtures/task-metrics/task_reference_values.py (keep the two identical), so the numbers
 * can be checked against scikit-learn on the same predictions.
 */
import { educationLevels } from '../../scripts/datasets';
import type { Table } from '../../lib/data/table';

/** Bike Sharing rule: `full` and `degraded` predictions of the hourly count. */
export function bikeRules(t: Table): { full: Float64Array; degraded: Float64Array } {
  const hr = t.hr as Float64Array;
  const atemp = t.atemp as Float64Array;
  const hum = t.hum as Float64Array;
  const wd = t.workingday as Float64Array;
  const n = hr.length;
  const full = new Float64Array(n);
  const degraded = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const h = hr[i]!;
    const peak = [7, 8, 9, 16, 17, 18, 19].includes(h) ? 1 : 0;
    const day = h >= 10 && h <= 20 ? 1 : 0;
    const night = h <= 5 ? 1 : 0;
    full[i] = 40.0 + 320.0 * atemp[i]! - 90.0 * hum[i]! + 260.0 * (wd[i]! * peak) + 120.0 * day - 60.0 * night;
    degraded[i] = 40.0 + 320.0 * atemp[i]! - 90.0 * hum[i]! + 90.0 * peak + 120.0 * day - 60.0 * night;
  }
  return { full, degraded };
}

/** The classes of the multiclass example, in output order. */
export const educationClasses = ['no-diploma', 'high-school', 'some-college', 'degree'] as const;

function softmaxRounded(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e[0]! + e[1]! + e[2]! + e[3]!;
  return e.map((v) => Math.round((v / s) * 1e6) / 1e6);
}

/** Adult education-level rule: class indices of the labels, and `full` / `degraded` probabilities (rows x 4). */
export function educationRules(t: Table): { labels: Int32Array; full: Float64Array; degraded: Float64Array } {
  const age = t.age as Float64Array;
  const hours = t['hours-per-week'] as Float64Array;
  const gain = t['capital-gain'] as Float64Array;
  const occupation = t.occupation as (string | null)[];
  const education = t.education as string[];
  const n = age.length;
  const labels = new Int32Array(n);
  const full = new Float64Array(n * 4);
  const degraded = new Float64Array(n * 4);
  const logits = (i: number, p: number) => [
    0.6 + 0.004 * age[i]! - 0.01 * hours[i]! - 0.9 * p,
    0.9 + 0.002 * age[i]! - 0.4 * p,
    0.8 - 0.006 * age[i]! + 0.004 * hours[i]! + 0.1 * p,
    -0.9 + 0.01 * age[i]! + 0.012 * hours[i]! + 1.8 * p + 0.00002 * gain[i]!,
  ];
  for (let i = 0; i < n; i++) {
    labels[i] = educationClasses.indexOf(educationLevels[education[i]!] as (typeof educationClasses)[number]);
    const prof = occupation[i] === 'Prof-specialty' || occupation[i] === 'Exec-managerial' ? 1 : 0;
    full.set(softmaxRounded(logits(i, prof)), i * 4);
    degraded.set(softmaxRounded(logits(i, 0)), i * 4);
  }
  return { labels, full, degraded };
}
