/**
 * Binary classification metrics on plain arrays, each with a bootstrap percentile interval.
 *
 * Conventions (chosen to agree with scikit-learn so numbers can be cross-checked):
 * - a row is predicted positive when `score >= threshold` (default 0.5);
 * - precision, recall and F1 are 0 when their denominator is 0 (sklearn's `zero_division` result);
 * - ROC AUC counts a tied (positive, negative) pair as half a correct ordering, which is exactly
 *   the trapezoidal area sklearn's `roc_auc_score` computes after collapsing tied scores;
 * - PR AUC is average precision, `sum_k (R_k - R_{k-1}) P_k` over distinct score thresholds, like
 *   `average_precision_score` (no interpolation, ties form one step);
 * - log loss clips probabilities to `[eps, 1 - eps]`, eps = 2^-52 (float64 machine epsilon), as
 *   sklearn >= 1.5 does;
 * - ROC AUC and PR AUC are NaN when a class is absent (they are undefined, not 0).
 *
 * Scores need not be probabilities. Risk scores on any scale (deciles 1-10, credit scores, logits)
 * with an explicit threshold are normal in audits: the threshold metrics and the ranking metrics
 * (ROC AUC, PR AUC) only compare scores with each other and with the threshold. The calibration
 * metrics (log loss, Brier score, ECE, the calibration curve) read a score as a probability, so
 * they are computed only when every score is in [0, 1]. Without a threshold the default 0.5 is a
 * probability's midpoint, so scores outside [0, 1] then need one: `decisionThreshold` says so.
 *
 * Speed: the bootstrap never re-sorts. Rows are sorted by score once; a resample is a vector of
 * integer draw counts per row, and every metric is one weighted pass over the fixed order (tied
 * scores form blocks whose boundaries do not depend on the weights). All metrics for one
 * resample come from the same pass, so 1000 resamples of 16k rows cost ~16M counter increments
 * plus 1000 linear passes.
 */
import { StewardError, type Location } from '../core/errors';
import { createRng } from '../core/random';
import { estimate, resampleCounts, type Estimate } from './bootstrap';

/** 0/1 labels. Any array-like of numbers is accepted; values must be exactly 0 or 1. */
export type Labels = Uint8Array | ArrayLike<number>;
/** Scores of the positive class: probabilities in [0, 1], or any finite scale with an explicit threshold. */
export type Scores = Float64Array | ArrayLike<number>;

/** Every scalar metric the suite computes. */
export const metricNames = ['accuracy', 'precision', 'recall', 'f1', 'rocAuc', 'prAuc', 'logLoss', 'brier', 'ece'] as const;
/** A metric name, e.g. `'rocAuc'`. */
export type MetricName = (typeof metricNames)[number];

/** The metrics that read scores as probabilities: computed only when every score is in [0, 1]. */
export const calibrationMetricNames = ['logLoss', 'brier', 'ece'] as const;
/** A calibration metric name, e.g. `'ece'`. */
export type CalibrationMetricName = (typeof calibrationMetricNames)[number];

/**
 * Whether a metric needs probabilities.
 *
 * @example
 *   isCalibrationMetric('brier'); // true
 */
export function isCalibrationMetric(metric: MetricName): metric is CalibrationMetricName {
  return (calibrationMetricNames as readonly string[]).includes(metric);
}

/**
 * Every metric with its interval; the calibration ones are absent when the scores are not
 * probabilities (the report's `notes` say so).
 *
 * @example
 *   const m: MetricEstimates = report.metrics;
 *   m.rocAuc.value; m.logLoss?.value;
 */
export type MetricEstimates = Record<Exclude<MetricName, CalibrationMetricName>, Estimate> & Partial<Record<CalibrationMetricName, Estimate>>;

/** Whether a larger value is better; used for regression budgets and importance drops. */
export const higherIsBetter: Readonly<Record<MetricName, boolean>> = {
  accuracy: true,
  precision: true,
  recall: true,
  f1: true,
  rocAuc: true,
  prAuc: true,
  logLoss: false,
  brier: false,
  ece: false,
};

/** Float64 machine epsilon: sklearn's `log_loss` clips to `[eps, 1 - eps]` for float64 input. */
export const LOG_LOSS_EPS = 2.220446049250313e-16;

/** Counts at the decision threshold. With bootstrap weights they are weighted counts. */
export interface ConfusionMatrix {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** All metric values for one (possibly weighted) pass. */
export type MetricValues = Record<MetricName, number> & ConfusionMatrix;

/** One equal-width calibration bin that holds at least one row. */
export interface CalibrationPoint {
  binLower: number;
  binUpper: number;
  /** Mean predicted probability in the bin (x of a reliability diagram). */
  meanPredicted: number;
  /** Observed positive rate in the bin (y of a reliability diagram). */
  fractionPositive: number;
  count: number;
}

/**
 * Rows sorted once by descending score, with everything a weighted pass needs precomputed.
 * `order[k]` is the original row index of the k-th highest score, so bootstrap weights indexed by
 * original row work for any subset (a slice, a group) prepared from the same data.
 */
export interface PreparedScores {
  readonly n: number;
  readonly threshold: number;
  readonly bins: number;
  /** Every score of the column is in [0, 1]; otherwise the calibration terms are not computed (NaN metrics). */
  readonly probabilities: boolean;
  readonly order: Uint32Array;
  readonly y: Uint8Array;
  readonly p: Float64Array;
  readonly predicted: Uint8Array;
  /** How many rows are predicted positive (they are the first ones in `order`). */
  readonly predictedCount: number;
  /** 1 where the next row has a different score: the end of a tie block. */
  readonly blockEnd: Uint8Array;
  readonly logLoss: Float64Array;
  readonly squaredError: Float64Array;
  readonly bin: Uint16Array;
}

/** Options shared by the prepared pass. */
export interface PrepareOptions {
  /** Decision threshold. Without one it is 0.5 and the scores must be probabilities; with one, any finite scores. */
  threshold?: number;
  /** Number of equal-width calibration bins on [0, 1] (default 10). */
  bins?: number;
  /** Restrict to these original row indices (a slice); default all rows. */
  rows?: ArrayLike<number>;
}

/**
 * Checks labels are 0/1, lengths agree and scores are probabilities (`scale` 'probability', the
 * default) or finite numbers (`scale` 'any'); throws `InvalidInput` naming the first offending index.
 *
 * @example
 *   validateBinaryInputs(new Uint8Array([0, 1]), new Float64Array([0.2, 0.9]));
 *   validateBinaryInputs([0, 1], [3, 8], 'scores', 'any');
 */
export function validateBinaryInputs(labels: Labels, scores: Scores, what = 'scores', scale: 'probability' | 'any' = 'probability'): void {
  if (labels.length !== scores.length) {
    throw new StewardError('InvalidInput', `labels has ${labels.length} rows but ${what} has ${scores.length}`, { field: what });
  }
  if (labels.length === 0) throw new StewardError('InvalidInput', 'no rows to evaluate', { field: 'labels' });
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new StewardError('InvalidInput', `label ${String(y)} is not 0 or 1`, { field: `labels[${i}]` });
    const s = scores[i];
    if (scale === 'any') {
      if (!Number.isFinite(s)) throw new StewardError('InvalidInput', `${what} value ${String(s)} is not a finite number`, { field: `${what}[${i}]` });
    } else if (!(s >= 0 && s <= 1)) {
      throw new StewardError('InvalidInput', `${what} value ${String(s)} is not a probability in [0, 1] (scores on another scale need an explicit threshold)`, { field: `${what}[${i}]` });
    }
  }
}

/**
 * A score column's smallest and largest value, and whether every score is in [0, 1] (NaN is not).
 *
 * @example
 *   const deciles: ScoreRange = { min: 1, max: 10, probabilities: false };
 */
export interface ScoreRange {
  min: number;
  max: number;
  /** Every score is in [0, 1], so the calibration metrics apply. */
  probabilities: boolean;
}

/**
 * The range of a score column (see `ScoreRange`).
 *
 * @example
 *   scoreRange(new Float64Array([0.2, 0.9])); // { min: 0.2, max: 0.9, probabilities: true }
 */
export function scoreRange(scores: Scores): ScoreRange {
  let min = Infinity;
  let max = -Infinity;
  let probabilities = true;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (s < min) min = s;
    if (s > max) max = s;
    if (!(s >= 0 && s <= 1)) probabilities = false;
  }
  return { min, max, probabilities };
}

/**
 * A score range as text, to six significant digits.
 *
 * @example
 *   formatRange({ min: -3.14159265, max: 10 }); // '-3.14159 to 10'
 */
export function formatRange(r: Pick<ScoreRange, 'min' | 'max'>): string {
  return `${Number(r.min.toPrecision(6))} to ${Number(r.max.toPrecision(6))}`;
}

/**
 * Why the calibration metrics of these scores are absent, or null when they are probabilities.
 *
 * @example
 *   calibrationAbsence(scoreRange([1, 10])); // 'log loss, Brier score, ECE and the calibration table need probabilities in [0, 1]; the scores range from 1 to 10'
 */
export function calibrationAbsence(range: ScoreRange, what = 'scores'): string | null {
  return range.probabilities ? null : `log loss, Brier score, ECE and the calibration table need probabilities in [0, 1]; the ${what} range from ${formatRange(range)}`;
}

/**
 * The decision threshold for score columns: the given one (any finite number), or 0.5 when every
 * score is a probability. Scores outside [0, 1] have no natural default (0.5 on a 1-10 scale
 * would call everyone positive), so then a missing threshold is `InvalidInput` naming `threshold`
 * and the scores' range. Columns should be validated first (`validateBinaryInputs` with 'any').
 *
 * @example
 *   decisionThreshold(undefined, [{ what: 'scores', scores: [0.1, 0.9] }]); // 0.5
 *   decisionThreshold(5, [{ what: 'scores', scores: [1, 10] }]); // 5
 *   decisionThreshold(undefined, [{ what: 'scores', scores: [1, 10] }]); // throws InvalidInput (field "threshold")
 */
export function decisionThreshold(threshold: number | undefined, columns: readonly { what: string; scores: Scores }[]): number {
  if (threshold !== undefined) {
    validateThreshold(threshold);
    return threshold;
  }
  for (const { what, scores } of columns) {
    const range = scoreRange(scores);
    if (!range.probabilities) throw thresholdNeeded(what, range);
  }
  return 0.5;
}

/**
 * The `InvalidInput` for scores outside [0, 1] evaluated without a threshold.
 *
 * @example
 *   throw thresholdNeeded('scores', { min: 1, max: 10, probabilities: false }, { file: 'compas.csv', row: 2, column: 'decile_score' });
 */
export function thresholdNeeded(what: string, range: Pick<ScoreRange, 'min' | 'max'>, location: Omit<Location, 'field'> = {}): StewardError {
  return new StewardError(
    'InvalidInput',
    `the ${what} range from ${formatRange(range)}, outside [0, 1]: they are not probabilities, so there is no default threshold; give a threshold on their scale (a row is predicted positive when its score >= threshold)`,
    { ...location, field: 'threshold' },
  );
}

/**
 * Throws `InvalidInput` unless the decision threshold is a finite number (a threshold above 1
 * is allowed: it predicts nothing positive).
 *
 * @example
 *   validateThreshold(0.5);
 */
export function validateThreshold(threshold: number): void {
  if (!Number.isFinite(threshold)) throw new StewardError('InvalidInput', `threshold ${threshold} is not a finite number`, { field: 'threshold' });
}

/**
 * Index of the equal-width bin holding `p`, with sklearn's `calibration_curve(strategy="uniform")`
 * edge rule: edges are `i * (1/bins)` and a value equal to an inner edge belongs to the lower bin
 * (`np.searchsorted(edges[1:-1], p, side="left")`), so bin 0 is [0, e1] and bin k is (e_k, e_k+1].
 *
 * @example
 *   calibrationBin(0.2, 10); // 1 (0.2 is on an edge: lower bin)
 */
export function calibrationBin(p: number, bins: number): number {
  const step = 1 / bins;
  let b = Math.min(bins - 1, Math.max(0, Math.ceil(p * bins) - 1));
  while (b > 0 && !(b * step < p)) b--;
  while (b < bins - 1 && (b + 1) * step < p) b++;
  return b;
}

/**
 * Sorts once and precomputes per-row terms. Inputs are validated.
 *
 * @example
 *   const prep = prepareScores(labels, scores, { threshold: 0.5 });
 *   const values = computeMetrics(prep); // all metrics, unweighted
 */
export function prepareScores(labels: Labels, scores: Scores, options: PrepareOptions = {}): PreparedScores {
  validateBinaryInputs(labels, scores, 'scores', options.threshold === undefined ? 'probability' : 'any');
  const threshold = options.threshold ?? 0.5;
  validateThreshold(threshold);
  const probabilities = options.threshold === undefined || scoreRange(scores).probabilities;
  const bins = options.bins ?? 10;
  if (!Number.isInteger(bins) || bins < 1 || bins > 1000) throw new StewardError('InvalidInput', `bins must be an integer in [1, 1000], got ${bins}`, { field: 'bins' });
  const rows = options.rows;
  const n = rows ? rows.length : labels.length;
  const order = new Uint32Array(n);
  for (let k = 0; k < n; k++) order[k] = rows ? rows[k] : k;
  order.sort((a, b) => scores[b] - scores[a]);
  const y = new Uint8Array(n);
  const p = new Float64Array(n);
  const predicted = new Uint8Array(n);
  const blockEnd = new Uint8Array(n);
  const logLoss = new Float64Array(n);
  const squaredError = new Float64Array(n);
  const bin = new Uint16Array(n);
  for (let k = 0; k < n; k++) {
    const i = order[k];
    const yi = labels[i];
    const pi = scores[i];
    y[k] = yi;
    p[k] = pi;
    predicted[k] = pi >= threshold ? 1 : 0;
    if (!probabilities) continue;
    const clipped = Math.min(Math.max(pi, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
    logLoss[k] = yi === 1 ? -Math.log(clipped) : -Math.log(1 - clipped);
    squaredError[k] = (pi - yi) * (pi - yi);
    bin[k] = calibrationBin(pi, bins);
  }
  let predictedCount = 0;
  for (let k = 0; k < n; k++) {
    blockEnd[k] = k === n - 1 || p[k + 1] !== p[k] ? 1 : 0;
    predictedCount += predicted[k];
  }
  return { n, threshold, bins, probabilities, order, y, p, predicted, predictedCount, blockEnd, logLoss, squaredError, bin };
}

/**
 * All metrics in one pass over the prepared order. `weights[i]` (indexed by ORIGINAL row) is how
 * many times row i counts: a bootstrap resample. Omit for the plain point estimate. `only`
 * restricts the per-row loss/calibration work to the metrics named (the others are NaN). The
 * calibration metrics are NaN when the scores are not probabilities.
 *
 * @example
 *   computeMetrics(prepareScores([0, 1, 1], [0.1, 0.4, 0.8])).rocAuc; // 1
 */
export function computeMetrics(prep: PreparedScores, weights?: Uint32Array, scratch?: Float64Array, only?: ReadonlySet<MetricName>): MetricValues {
  const { n, order, y, p, blockEnd, logLoss, squaredError, bin, bins } = prep;
  const binStats = scratch && scratch.length >= 3 * bins ? scratch : new Float64Array(3 * bins);
  binStats.fill(0, 0, 3 * bins);
  // Loop-invariant switches: the regression gate asks only for its budgeted metrics, which
  // saves the per-row loss and binning work it does not need (skipped metrics come back NaN).
  const calibrated = prep.probabilities;
  const wantLogLoss = calibrated && (!only || only.has('logLoss'));
  const wantBrier = calibrated && (!only || only.has('brier'));
  const wantEce = calibrated && (!only || only.has('ece'));
  // Predicted positives (score >= threshold) are exactly a prefix of the descending order, and the
  // prefix ends on a tie-block boundary, so TP and FP are the cumulative counts at that boundary.
  const lastPredicted = prep.predictedCount - 1;
  let pos = 0; // positives in the blocks already passed (cumulative)
  let neg = 0;
  let blockPos = 0;
  let blockAll = 0;
  let aucPairs = 0; // sum over negatives of (#positives scored higher + half of tied positives)
  let apSum = 0; // sum over blocks of (positives in block) * precision at the block's threshold
  let tp = 0;
  let fp = 0;
  let ll = 0;
  let se = 0;
  for (let k = 0; k < n; k++) {
    // Branch-free accumulation: a zero weight adds nothing, and skipping it would cost an
    // unpredictable branch on ~37% of rows in a bootstrap resample.
    const w = weights ? weights[order[k]] : 1;
    blockPos += w * y[k];
    blockAll += w;
    if (wantLogLoss) ll += w * logLoss[k];
    if (wantBrier) se += w * squaredError[k];
    if (wantEce) {
      const b = 3 * bin[k];
      binStats[b] += w;
      binStats[b + 1] += w * p[k];
      binStats[b + 2] += w * y[k];
    }
    if (blockEnd[k]) {
      const blockNeg = blockAll - blockPos;
      aucPairs += blockNeg * (pos + 0.5 * blockPos);
      pos += blockPos;
      neg += blockNeg;
      if (blockPos > 0) apSum += blockPos * (pos / (pos + neg));
      if (k === lastPredicted) {
        tp = pos;
        fp = neg;
      }
      blockPos = 0;
      blockAll = 0;
    }
  }
  const total = pos + neg;
  const fn = pos - tp;
  const tn = neg - fp;
  let eceSum = 0;
  for (let b = 0; b < bins; b++) eceSum += Math.abs(binStats[3 * b + 2] - binStats[3 * b + 1]);
  return {
    accuracy: (tp + tn) / total,
    precision: tp + fp > 0 ? tp / (tp + fp) : 0,
    recall: pos > 0 ? tp / pos : 0,
    f1: 2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : 0,
    rocAuc: pos > 0 && neg > 0 ? aucPairs / (pos * neg) : Number.NaN,
    prAuc: pos > 0 ? apSum / pos : Number.NaN,
    logLoss: wantLogLoss ? ll / total : Number.NaN,
    brier: wantBrier ? se / total : Number.NaN,
    // |sum_bin(y) - sum_bin(p)| / N  ==  sum_b (n_b / N) * |mean_y_b - mean_p_b|
    ece: wantEce ? eceSum / total : Number.NaN,
    tp,
    fp,
    tn,
    fn,
  };
}

/**
 * Runs `fn` once per bootstrap resample with the draw counts of that resample (indexed by
 * original row). The same seed always yields the same sequence of resamples, and every consumer
 * of one resample (both models, all slices, all groups) sees the same rows: that pairing is what
 * makes differences between models or groups well estimated.
 *
 * @example
 *   forEachResample(1000, 200, 7, (counts) => { ... });
 */
export function forEachResample(n: number, resamples: number, seed: number, fn: (counts: Uint32Array, b: number) => void): void {
  if (!Number.isInteger(resamples) || resamples < 0) throw new StewardError('InvalidInput', `resamples must be a non-negative integer, got ${resamples}`, { field: 'resamples' });
  const rng = createRng(seed);
  const counts = new Uint32Array(n);
  for (let b = 0; b < resamples; b++) {
    resampleCounts(rng, counts);
    fn(counts, b);
  }
}

/** Bootstrap settings. */
export interface BootstrapOptions {
  /** Number of resamples (default 1000; 0 gives degenerate intervals equal to NaN). */
  resamples?: number;
  seed?: number;
  /** Central interval level (default 0.95). */
  level?: number;
}

/** Options of the classification suite: bootstrap settings plus threshold and calibration bins. */
export interface ClassificationOptions extends BootstrapOptions {
  /** Predicted positive when score >= threshold. Default 0.5, for probabilities only: scores outside [0, 1] need one. */
  threshold?: number;
  bins?: number;
}

/**
 * Every metric with its interval, the confusion matrix (counts, with intervals) and the calibration
 * curve. For scores that are not probabilities the calibration metrics are absent, `calibration`
 * is null and `notes` says why.
 */
export interface ClassificationReport {
  n: number;
  positives: number;
  threshold: number;
  resamples: number;
  seed: number;
  level: number;
  /** Range of the scores and whether they are probabilities. */
  scoreRange: ScoreRange;
  metrics: MetricEstimates;
  confusion: Record<keyof ConfusionMatrix, Estimate>;
  calibration: { bins: number; points: CalibrationPoint[] } | null;
  /** What is not reported and why (calibration of scores that are not probabilities); empty otherwise. */
  notes: string[];
}

/**
 * The full classification suite: every metric with a bootstrap percentile interval, the
 * confusion matrix and the calibration curve. Scores outside [0, 1] need `threshold`; their
 * report has no calibration metrics (see `ClassificationReport`).
 *
 * @example
 *   const r = evaluateClassification(labels, scores, { threshold: 0.5, resamples: 1000, seed: 1 });
 *   r.metrics.rocAuc; // { value: 0.83, lower: 0.82, upper: 0.84 }
 *   evaluateClassification(labels, deciles, { threshold: 5 }).calibration; // null
 */
export function evaluateClassification(labels: Labels, scores: Scores, options: ClassificationOptions = {}): ClassificationReport {
  const resamples = options.resamples ?? 1000;
  const seed = options.seed ?? 0;
  const level = options.level ?? 0.95;
  validateLevel(level);
  validateBinaryInputs(labels, scores, 'scores', 'any');
  const threshold = decisionThreshold(options.threshold, [{ what: 'scores', scores }]);
  const range = scoreRange(scores);
  const prep = prepareScores(labels, scores, { threshold, bins: options.bins });
  const point = computeMetrics(prep);
  const reported = range.probabilities ? metricNames : metricNames.filter((m) => !isCalibrationMetric(m));
  const keys = [...reported, 'tp', 'fp', 'tn', 'fn'] as const;
  const reps: Record<string, Float64Array> = {};
  for (const k of keys) reps[k] = new Float64Array(resamples);
  const scratch = new Float64Array(3 * prep.bins);
  forEachResample(prep.n, resamples, seed, (counts, b) => {
    const v = computeMetrics(prep, counts, scratch);
    for (const k of keys) reps[k][b] = v[k];
  });
  const metrics = {} as MetricEstimates;
  for (const m of reported) metrics[m] = estimate(point[m], reps[m], level);
  const absence = calibrationAbsence(range);
  return {
    n: prep.n,
    positives: point.tp + point.fn,
    threshold: prep.threshold,
    resamples,
    seed,
    level,
    scoreRange: range,
    metrics,
    confusion: {
      tp: estimate(point.tp, reps.tp, level),
      fp: estimate(point.fp, reps.fp, level),
      tn: estimate(point.tn, reps.tn, level),
      fn: estimate(point.fn, reps.fn, level),
    },
    calibration: absence ? null : { bins: prep.bins, points: calibrationFromPrepared(prep) },
    notes: absence ? [absence] : [],
  };
}

/**
 * Throws `InvalidInput` unless the interval level is in (0, 1).
 *
 * @example
 *   validateLevel(0.95);
 */
export function validateLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new StewardError('InvalidInput', `interval level must be in (0, 1), got ${level}`, { field: 'level' });
}

/**
 * A single metric with its bootstrap interval (the suite computes all at once; use this when
 * only one is wanted).
 *
 * @example
 *   bootstrapMetric('rocAuc', labels, scores, { resamples: 500, seed: 3 });
 */
export function bootstrapMetric(metric: MetricName, labels: Labels, scores: Scores, options: ClassificationOptions = {}): Estimate {
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  validateLevel(level);
  const prep = prepareScores(labels, scores, { threshold: options.threshold, bins: options.bins });
  if (isCalibrationMetric(metric) && !prep.probabilities) {
    throw new StewardError('InvalidInput', `${metric} needs probabilities in [0, 1]; the scores range from ${formatRange(scoreRange(scores))}`, { field: 'scores' });
  }
  const reps = new Float64Array(resamples);
  const scratch = new Float64Array(3 * prep.bins);
  forEachResample(prep.n, resamples, options.seed ?? 0, (counts, b) => {
    reps[b] = computeMetrics(prep, counts, scratch)[metric];
  });
  return estimate(computeMetrics(prep)[metric], reps, level);
}

function calibrationFromPrepared(prep: PreparedScores): CalibrationPoint[] {
  const count = new Float64Array(prep.bins);
  const sumP = new Float64Array(prep.bins);
  const sumY = new Float64Array(prep.bins);
  for (let k = 0; k < prep.n; k++) {
    const b = prep.bin[k];
    count[b]++;
    sumP[b] += prep.p[k];
    sumY[b] += prep.y[k];
  }
  const points: CalibrationPoint[] = [];
  const step = 1 / prep.bins;
  for (let b = 0; b < prep.bins; b++) {
    if (count[b] === 0) continue; // sklearn's calibration_curve also drops empty bins
    points.push({
      binLower: b * step,
      binUpper: b === prep.bins - 1 ? 1 : (b + 1) * step,
      meanPredicted: sumP[b] / count[b],
      fractionPositive: sumY[b] / count[b],
      count: count[b],
    });
  }
  return points;
}

/**
 * Reliability-diagram points over `bins` equal-width bins (empty bins omitted), matching
 * sklearn's `calibration_curve(y, p, n_bins=bins, strategy="uniform")` plus counts.
 *
 * @example
 *   calibrationCurve([0, 1, 1], [0.1, 0.7, 0.9], 10).map((pt) => [pt.meanPredicted, pt.fractionPositive]);
 */
export function calibrationCurve(labels: Labels, scores: Scores, bins = 10): CalibrationPoint[] {
  return calibrationFromPrepared(prepareScores(labels, scores, { bins }));
}

/**
 * Fraction of rows whose thresholded prediction equals the label.
 * @example accuracy([0, 1], [0.2, 0.7]); // 1
 */
export function accuracy(labels: Labels, scores: Scores, threshold?: number): number {
  return computeMetrics(prepareScores(labels, scores, { threshold })).accuracy;
}

/**
 * TP / (TP + FP); 0 when nothing is predicted positive.
 * @example precision([0, 1, 1], [0.6, 0.7, 0.2]); // 0.5
 */
export function precision(labels: Labels, scores: Scores, threshold?: number): number {
  return computeMetrics(prepareScores(labels, scores, { threshold })).precision;
}

/**
 * TP / (TP + FN); 0 when there are no positives.
 * @example recall([0, 1, 1], [0.6, 0.7, 0.2]); // 0.5
 */
export function recall(labels: Labels, scores: Scores, threshold?: number): number {
  return computeMetrics(prepareScores(labels, scores, { threshold })).recall;
}

/**
 * Harmonic mean of precision and recall, 2TP / (2TP + FP + FN).
 * @example f1([0, 1, 1], [0.6, 0.7, 0.2]); // 0.5
 */
export function f1(labels: Labels, scores: Scores, threshold?: number): number {
  return computeMetrics(prepareScores(labels, scores, { threshold })).f1;
}

/**
 * Area under the ROC curve; tied scores count half (sklearn's `roc_auc_score`). NaN if a class is absent.
 * @example rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.75
 */
export function rocAuc(labels: Labels, scores: Scores): number {
  return computeMetrics(prepareScores(labels, scores)).rocAuc;
}

/**
 * Average precision (sklearn's `average_precision_score`). NaN without positives.
 * @example averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.8333
 */
export function averagePrecision(labels: Labels, scores: Scores): number {
  return computeMetrics(prepareScores(labels, scores)).prAuc;
}

/**
 * Mean negative log-likelihood with probabilities clipped to [eps, 1 - eps].
 * @example logLoss([0, 1], [0.1, 0.9]); // 0.1054
 */
export function logLoss(labels: Labels, scores: Scores): number {
  return computeMetrics(prepareScores(labels, scores)).logLoss;
}

/**
 * Mean squared difference between probability and label.
 * @example brierScore([0, 1], [0.1, 0.9]); // 0.01
 */
export function brierScore(labels: Labels, scores: Scores): number {
  return computeMetrics(prepareScores(labels, scores)).brier;
}

/**
 * Expected calibration error over `bins` equal-width bins: `sum_b (n_b / N) |mean(y)_b - mean(p)_b|`.
 * Equal-width (not equal-mass) bins so the number reads against a fixed reliability diagram; note
 * it is biased upward for small N because each bin's |gap| includes sampling noise.
 * @example expectedCalibrationError([0, 1], [0.1, 0.9], 10); // 0.1
 */
export function expectedCalibrationError(labels: Labels, scores: Scores, bins = 10): number {
  return computeMetrics(prepareScores(labels, scores, { bins })).ece;
}

/**
 * Counts at the threshold.
 * @example confusionMatrix([0, 1, 1], [0.6, 0.7, 0.2]); // { tp: 1, fp: 1, tn: 0, fn: 1 }
 */
export function confusionMatrix(labels: Labels, scores: Scores, threshold?: number): ConfusionMatrix {
  const v = computeMetrics(prepareScores(labels, scores, { threshold }));
  return { tp: v.tp, fp: v.fp, tn: v.tn, fn: v.fn };
}
