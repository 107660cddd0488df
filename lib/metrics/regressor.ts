/**
 * Metrics of a regressor on plain arrays, each with a bootstrap percentile interval, plus the
 * residual summary and the data of a predicted-vs-actual chart.
 *
 * Conventions (chosen to agree with scikit-learn on the same predictions, sample weights included,
 * so every bootstrap replicate equals sklearn's metric with `sample_weight` = the resample's counts):
 * - residual = actual - predicted (positive: the model under-predicts);
 * - `mae`, `mse`, `rmse` = sqrt(mse), `r2` (`r2_score`: 1 when both sums of squares are 0, 0 when only
 *   the total one is; the total sum of squares is around the weighted mean of the actual values);
 * - `mape` = mean(|residual| / |actual|), sklearn's `mean_absolute_percentage_error`, as a fraction
 *   (0.12 = 12%), reported only when no actual value is 0 (sklearn divides by machine epsilon there,
 *   which gives meaningless numbers in the 1e15s); the report's notes say when it is left out;
 * - `meanResidual`: the bias (mean of the residuals);
 * - residual quantiles use numpy's default (linear) percentile.
 *
 * The bootstrap resamples rows (counts per row, `forEachResample`), so intervals and the paired
 * regression gate (paired.ts) see the same resamples as the classification metrics do.
 */
import { StewardError } from '../core/errors';
import { createRng, sampleIndices } from '../core/random';
import { estimate, percentile, type Estimate } from './bootstrap';
import { forEachResample, validateLevel, type BootstrapOptions } from './classification';

/** Every metric of a regressor with an interval. */
export const regressorMetricNames = ['mae', 'rmse', 'mse', 'r2', 'mape', 'meanResidual'] as const;
export type RegressorMetricName = (typeof regressorMetricNames)[number];

/** The regressor metrics a regression gate may budget (the bias has no better direction). */
export const regressorGateMetrics = ['mae', 'rmse', 'mse', 'r2', 'mape'] as const;
export type RegressorGateMetric = (typeof regressorGateMetrics)[number];

/** Whether a larger value is better. */
export const regressorHigherIsBetter: Readonly<Record<RegressorGateMetric, boolean>> = { mae: false, rmse: false, mse: false, r2: true, mape: false };

/** Row-level values a weighted pass reads, computed once. */
export interface PreparedRegression {
  readonly n: number;
  readonly actual: Float64Array;
  readonly predicted: Float64Array;
  /** actual - predicted */
  readonly residual: Float64Array;
  /** Whether every actual value is non-zero (MAPE defined). */
  readonly mapeDefined: boolean;
}

/**
 * Checks lengths and finiteness; throws `InvalidInput` naming the first bad value.
 *
 * @example prepareRegression(Float64Array.of(3, 5), Float64Array.of(2.5, 5.5));
 */
export function prepareRegression(actual: ArrayLike<number>, predicted: ArrayLike<number>, what = 'predictions'): PreparedRegression {
  if (actual.length !== predicted.length) throw new StewardError('InvalidInput', `labels has ${actual.length} rows but ${what} has ${predicted.length}`, { field: what });
  const n = actual.length;
  if (n === 0) throw new StewardError('InvalidInput', 'no rows to evaluate', { field: 'labels' });
  const a = new Float64Array(n);
  const p = new Float64Array(n);
  const r = new Float64Array(n);
  let mapeDefined = true;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(actual[i])) throw new StewardError('InvalidInput', `label ${String(actual[i])} is not a finite number`, { field: `labels[${i}]` });
    if (!Number.isFinite(predicted[i])) throw new StewardError('InvalidInput', `${what} value ${String(predicted[i])} is not a finite number`, { field: `${what}[${i}]` });
    a[i] = actual[i];
    p[i] = predicted[i];
    r[i] = a[i] - p[i];
    if (a[i] === 0) mapeDefined = false;
  }
  return { n, actual: a, predicted: p, residual: r, mapeDefined };
}

/**
 * All metrics in one weighted pass (two passes over the rows: the weighted mean of the actual values
 * first, for R^2's total sum of squares). `weights` are bootstrap counts by row; `rows` restricts to
 * a slice (original row indices).
 *
 * @example regressionMetrics(prepareRegression([3, 5], [2.5, 5.5])).mae; // 0.5
 */
export function regressionMetrics(prep: PreparedRegression, weights?: Uint32Array, rows?: ArrayLike<number>): Record<RegressorMetricName, number> {
  const { actual, residual } = prep;
  const count = rows ? rows.length : prep.n;
  let sw = 0;
  let sy = 0;
  for (let k = 0; k < count; k++) {
    const i = rows ? rows[k] : k;
    const w = weights ? weights[i] : 1;
    sw += w;
    sy += w * actual[i];
  }
  if (sw === 0) return { mae: Number.NaN, rmse: Number.NaN, mse: Number.NaN, r2: Number.NaN, mape: Number.NaN, meanResidual: Number.NaN };
  const mean = sy / sw;
  let sAbs = 0;
  let sSq = 0;
  let sTot = 0;
  let sPct = 0;
  let sRes = 0;
  for (let k = 0; k < count; k++) {
    const i = rows ? rows[k] : k;
    const w = weights ? weights[i] : 1;
    const e = residual[i];
    const d = actual[i] - mean;
    sAbs += w * Math.abs(e);
    sSq += w * e * e;
    sTot += w * d * d;
    sRes += w * e;
    if (prep.mapeDefined) sPct += (w * Math.abs(e)) / Math.abs(actual[i]);
  }
  const mse = sSq / sw;
  // sklearn's r2_score (force_finite): a constant target is explained perfectly or not at all.
  const r2 = sTot === 0 ? (sSq === 0 ? 1 : 0) : 1 - sSq / sTot;
  return { mae: sAbs / sw, mse, rmse: Math.sqrt(mse), r2, mape: prep.mapeDefined ? sPct / sw : Number.NaN, meanResidual: sRes / sw };
}

/** Quantiles of the residuals (actual - predicted). */
export interface ResidualSummary {
  mean: number;
  /** Population standard deviation. */
  std: number;
  min: number;
  p05: number;
  p25: number;
  median: number;
  p75: number;
  p95: number;
  max: number;
  /** Median of |residual| (sklearn's `median_absolute_error`). */
  medianAbsoluteError: number;
  /** Histogram of the residuals over 20 equal bins between their 1st and 99th percentile; the outer bins also hold what lies beyond. */
  histogram: { edges: number[]; counts: number[] };
}

/** One bin of predicted-vs-actual: rows grouped by their prediction (equal counts). */
export interface PredictedActualBin {
  predictedLow: number;
  predictedHigh: number;
  meanPredicted: number;
  meanActual: number;
  count: number;
}

/** A regressor's evaluation: metrics with intervals, residuals, and predicted vs actual. */
export interface RegressorReport {
  n: number;
  resamples: number;
  seed: number;
  level: number;
  metrics: Partial<Record<RegressorMetricName, Estimate>> & Record<Exclude<RegressorMetricName, 'mape'>, Estimate>;
  /** Mean and range of the actual values (the scale the errors read against). */
  actual: { mean: number; std: number; min: number; max: number };
  residuals: ResidualSummary;
  predictedVsActual: {
    /** Up to 400 rows drawn with the evaluation seed, for a scatter plot. */
    points: { predicted: number; actual: number }[];
    /** 10 bins of equal count by prediction. */
    bins: PredictedActualBin[];
  };
  /** What is not reported and why (MAPE with zero actual values). */
  notes: string[];
}

function mean(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

function std(values: Float64Array, m = mean(values)): number {
  let s = 0;
  for (const v of values) s += (v - m) * (v - m);
  return Math.sqrt(s / values.length);
}

function residualSummary(residual: Float64Array): ResidualSummary {
  const abs = Float64Array.from(residual, Math.abs);
  const lo = percentile(residual, 1);
  const hi = percentile(residual, 99);
  const bins = 20;
  const width = hi > lo ? (hi - lo) / bins : 1;
  const counts = new Array<number>(bins).fill(0);
  for (const r of residual) counts[Math.min(bins - 1, Math.max(0, Math.floor((r - lo) / width)))]!++;
  const m = mean(residual);
  let min = Infinity;
  let max = -Infinity;
  for (const r of residual) {
    if (r < min) min = r;
    if (r > max) max = r;
  }
  return {
    mean: m,
    std: std(residual, m),
    min,
    p05: percentile(residual, 5),
    p25: percentile(residual, 25),
    median: percentile(residual, 50),
    p75: percentile(residual, 75),
    p95: percentile(residual, 95),
    max,
    medianAbsoluteError: percentile(abs, 50),
    histogram: { edges: Array.from({ length: bins + 1 }, (_, k) => lo + k * width), counts },
  };
}

function predictedActual(prep: PreparedRegression, seed: number): RegressorReport['predictedVsActual'] {
  const order = Array.from({ length: prep.n }, (_, i) => i).sort((a, b) => prep.predicted[a] - prep.predicted[b] || a - b);
  const bins: PredictedActualBin[] = [];
  const k = Math.min(10, prep.n);
  for (let b = 0; b < k; b++) {
    const from = Math.floor((b * prep.n) / k);
    const to = Math.floor(((b + 1) * prep.n) / k);
    let sp = 0;
    let sa = 0;
    for (let j = from; j < to; j++) {
      sp += prep.predicted[order[j]];
      sa += prep.actual[order[j]];
    }
    bins.push({ predictedLow: prep.predicted[order[from]], predictedHigh: prep.predicted[order[to - 1]], meanPredicted: sp / (to - from), meanActual: sa / (to - from), count: to - from });
  }
  const sample = prep.n > 400 ? sampleIndices(createRng(seed), prep.n, 400) : Uint32Array.from({ length: prep.n }, (_, i) => i);
  return { points: Array.from(sample, (i) => ({ predicted: prep.predicted[i], actual: prep.actual[i] })), bins };
}

/**
 * The regressor suite: every metric with a bootstrap percentile interval, the residual summary and
 * predicted vs actual.
 *
 * @example
 *   const r = evaluateRegression(counts, predicted, { resamples: 1000, seed: 7 });
 *   r.metrics.mae; // { value: 41.2, lower: 40.1, upper: 42.4 }
 */
export function evaluateRegression(actual: ArrayLike<number>, predicted: ArrayLike<number>, options: BootstrapOptions = {}): RegressorReport {
  const resamples = options.resamples ?? 1000;
  const seed = options.seed ?? 0;
  const level = options.level ?? 0.95;
  validateLevel(level);
  const prep = prepareRegression(actual, predicted);
  const reported = regressorMetricNames.filter((m) => m !== 'mape' || prep.mapeDefined);
  const point = regressionMetrics(prep);
  const reps = Object.fromEntries(reported.map((m) => [m, new Float64Array(resamples)])) as Record<RegressorMetricName, Float64Array>;
  forEachResample(prep.n, resamples, seed, (counts, b) => {
    const v = regressionMetrics(prep, counts);
    for (const m of reported) reps[m][b] = v[m];
  });
  const metrics = Object.fromEntries(reported.map((m) => [m, estimate(point[m], reps[m], level)])) as RegressorReport['metrics'];
  const m = mean(prep.actual);
  let min = Infinity;
  let max = -Infinity;
  for (const a of prep.actual) {
    if (a < min) min = a;
    if (a > max) max = a;
  }
  return {
    n: prep.n,
    resamples,
    seed,
    level,
    metrics,
    actual: { mean: m, std: std(prep.actual, m), min, max },
    residuals: residualSummary(prep.residual),
    predictedVsActual: predictedActual(prep, seed),
    notes: prep.mapeDefined ? [] : ['MAPE is not reported: some actual values are 0, where a percentage error is undefined'],
  };
}
