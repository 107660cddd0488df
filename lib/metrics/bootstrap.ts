/**
 * Bootstrap helpers shared by every metric with an interval: resamples as row counts, percentiles
 * and percentile intervals.
 */
import type { Rng } from '../core/random';

/**
 * Fills `counts` with one bootstrap resample of `n` rows drawn with replacement, expressed as how
 * many times each row was drawn. Every metric here is a weighted sum over rows (or a pass over a
 * pre-sorted order), so integer weights reproduce "the metric on the resampled rows" exactly
 * without materialising or re-sorting the resample.
 *
 * @example
 *   const counts = new Uint32Array(100);
 *   resampleCounts(createRng(1), counts); // counts sums to 100
 */
export function resampleCounts(rng: Rng, counts: Uint32Array): void {
  const n = counts.length;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[rng.int(n)]++;
}

/**
 * Percentile with linear interpolation between order statistics (numpy's default `linear`
 * method), ignoring NaN (resamples where a metric is undefined, e.g. AUC with no positives).
 *
 * @example
 *   percentile([1, 2, 3, 4], 50); // 2.5
 */
export function percentile(values: ArrayLike<number>, q: number): number {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) finite.push(values[i]);
  if (finite.length === 0) return Number.NaN;
  finite.sort((x, y) => x - y);
  const pos = (q / 100) * (finite.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, finite.length - 1);
  return finite[lo] + (finite[hi] - finite[lo]) * (pos - lo);
}

/** A point estimate with a bootstrap percentile interval. */
export interface Estimate {
  value: number;
  /** Lower bound of the percentile interval (NaN when no resample defined the metric). */
  lower: number;
  upper: number;
}

/**
 * The percentile interval at `level` (0.95 gives the 2.5th and 97.5th percentiles).
 *
 * @example
 *   estimate(0.8, replicates, 0.95); // { value: 0.8, lower: ..., upper: ... }
 */
export function estimate(value: number, replicates: ArrayLike<number>, level = 0.95): Estimate {
  const tail = ((1 - level) / 2) * 100;
  return { value, lower: percentile(replicates, tail), upper: percentile(replicates, 100 - tail) };
}
