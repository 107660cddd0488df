/**
 * Metrics of a multiclass classifier on plain arrays, each with a bootstrap percentile interval:
 * accuracy, balanced accuracy, macro and weighted F1, macro precision and recall, per-class
 * precision, recall and F1, and, when the model gives probabilities, log loss and top-2 accuracy.
 *
 * Conventions (scikit-learn's, with `labels` = every class, so a resample agrees with sklearn given
 * `sample_weight` = its counts):
 * - the predicted class is the most probable one, the first in class order on a tie (`np.argmax`);
 * - a per-class precision, recall or F1 with an empty denominator is 0 (`zero_division` 0), and the
 *   macro averages include every class, also one absent from the rows;
 * - balanced accuracy is the mean recall over the classes present among the actual labels;
 * - weighted F1 weights each class's F1 by its support (actual count);
 * - log loss clips probabilities to [eps, 1 - eps] (eps = 2^-52) and does not renormalise rows;
 * - top-2 accuracy: the actual class is among the two highest scores, ties ordered as sklearn's
 *   `top_k_accuracy_score` orders them (a later class before an earlier one).
 */
import { StewardError } from '../core/errors';
import { estimate, type Estimate } from './bootstrap';
import { forEachResample, LOG_LOSS_EPS, validateLevel, type BootstrapOptions } from './classification';

/** Every multiclass metric with an interval (log loss and top-2 accuracy need probabilities). */
export const multiclassMetricNames = ['accuracy', 'balancedAccuracy', 'macroF1', 'weightedF1', 'macroPrecision', 'macroRecall', 'logLoss', 'top2Accuracy'] as const;
export type MulticlassMetricName = (typeof multiclassMetricNames)[number];

/** The metrics that need class probabilities. */
export const probabilityMetricNames = ['logLoss', 'top2Accuracy'] as const;

/** Whether a larger value is better. */
export const multiclassHigherIsBetter: Readonly<Record<MulticlassMetricName, boolean>> = {
  accuracy: true,
  balancedAccuracy: true,
  macroF1: true,
  weightedF1: true,
  macroPrecision: true,
  macroRecall: true,
  logLoss: false,
  top2Accuracy: true,
};

/** Rows prepared once: actual and predicted class, and per-row loss and top-2 hit. */
export interface PreparedMulticlass {
  readonly n: number;
  readonly classes: readonly string[];
  readonly actual: Int32Array;
  readonly predicted: Int32Array;
  /** Per-row log loss (absent without probabilities). */
  readonly logLoss?: Float64Array;
  /** 1 when the actual class is among the two highest scores (absent without probabilities). */
  readonly top2?: Uint8Array;
}

/**
 * Checks and prepares one model's predictions: class probabilities (`rows x classes`, row-major) or
 * predicted class indices. Throws `InvalidInput` naming the first bad value.
 *
 * @example prepareMulticlass(Int32Array.of(0, 2), { probabilities: Float64Array.of(0.7, 0.2, 0.1, 0.1, 0.3, 0.6) }, ['a', 'b', 'c']);
 */
export function prepareMulticlass(
  actual: ArrayLike<number>,
  prediction: { probabilities: Float64Array } | { predicted: ArrayLike<number> },
  classes: readonly string[],
  what = 'predictions',
): PreparedMulticlass {
  const n = actual.length;
  const k = classes.length;
  if (k < 2) throw new StewardError('InvalidInput', `a multiclass evaluation needs at least 2 classes, got ${k}`, { field: 'classes' });
  if (n === 0) throw new StewardError('InvalidInput', 'no rows to evaluate', { field: 'labels' });
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = actual[i];
    if (!(Number.isInteger(y) && y >= 0 && y < k)) throw new StewardError('InvalidInput', `label ${String(y)} is not a class index below ${k}`, { field: `labels[${i}]` });
    a[i] = y;
  }
  const predicted = new Int32Array(n);
  if ('predicted' in prediction) {
    if (prediction.predicted.length !== n) throw new StewardError('InvalidInput', `labels has ${n} rows but ${what} has ${prediction.predicted.length}`, { field: what });
    for (let i = 0; i < n; i++) {
      const p = prediction.predicted[i];
      if (!(Number.isInteger(p) && p >= 0 && p < k)) throw new StewardError('InvalidInput', `predicted class ${String(p)} is not a class index below ${k}`, { field: `${what}[${i}]` });
      predicted[i] = p;
    }
    return { n, classes, actual: a, predicted };
  }
  const probs = prediction.probabilities;
  if (probs.length !== n * k) throw new StewardError('InvalidInput', `${what} has ${probs.length} values for ${n} rows x ${k} classes`, { field: what });
  const logLoss = new Float64Array(n);
  const top2 = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 0; j < k; j++) {
      const p = probs[i * k + j];
      if (!(p >= 0 && p <= 1)) throw new StewardError('InvalidInput', `${what} value ${String(p)} is not a probability in [0, 1]`, { field: `${what}[${i}][${j}]` });
      if (p > probs[i * k + best]) best = j;
    }
    predicted[i] = best;
    const t = a[i];
    const pt = probs[i * k + t];
    logLoss[i] = -Math.log(Math.min(Math.max(pt, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS));
    // Position of the actual class in sklearn's order: higher scores first, and among equal scores
    // the later class first (a reversed stable argsort).
    let rank = 0;
    for (let j = 0; j < k; j++) {
      const p = probs[i * k + j];
      if (p > pt || (p === pt && j > t)) rank++;
    }
    top2[i] = rank < 2 ? 1 : 0;
  }
  return { n, classes, actual: a, predicted, logLoss, top2 };
}

/** Weighted confusion counts: `[actual * K + predicted]`. */
export function confusionCounts(prep: PreparedMulticlass, weights?: Uint32Array, rows?: ArrayLike<number>, out?: Float64Array): Float64Array {
  const k = prep.classes.length;
  const c = out ?? new Float64Array(k * k);
  c.fill(0);
  const count = rows ? rows.length : prep.n;
  for (let r = 0; r < count; r++) {
    const i = rows ? rows[r] : r;
    const w = weights ? weights[i] : 1;
    c[prep.actual[i] * k + prep.predicted[i]] += w;
  }
  return c;
}

/** Per-class precision, recall, F1 and support from confusion counts. */
export function perClassRates(confusion: Float64Array, k: number): { precision: Float64Array; recall: Float64Array; f1: Float64Array; support: Float64Array; predictedCount: Float64Array } {
  const precision = new Float64Array(k);
  const recall = new Float64Array(k);
  const f1 = new Float64Array(k);
  const support = new Float64Array(k);
  const predictedCount = new Float64Array(k);
  for (let t = 0; t < k; t++) for (let p = 0; p < k; p++) {
    support[t] += confusion[t * k + p];
    predictedCount[p] += confusion[t * k + p];
  }
  for (let c = 0; c < k; c++) {
    const tp = confusion[c * k + c];
    precision[c] = predictedCount[c] > 0 ? tp / predictedCount[c] : 0;
    recall[c] = support[c] > 0 ? tp / support[c] : 0;
    f1[c] = predictedCount[c] + support[c] > 0 ? (2 * tp) / (predictedCount[c] + support[c]) : 0;
  }
  return { precision, recall, f1, support, predictedCount };
}

/**
 * Every metric for one (possibly weighted, possibly sliced) pass; probability metrics are NaN
 * without probabilities.
 *
 * @example multiclassMetrics(prep).macroF1;
 */
export function multiclassMetrics(prep: PreparedMulticlass, weights?: Uint32Array, rows?: ArrayLike<number>, scratch?: Float64Array): Record<MulticlassMetricName, number> {
  const k = prep.classes.length;
  const c = confusionCounts(prep, weights, rows, scratch);
  const { precision, recall, f1, support } = perClassRates(c, k);
  let total = 0;
  let correct = 0;
  let present = 0;
  let recallPresent = 0;
  let weightedF1 = 0;
  for (let j = 0; j < k; j++) {
    total += support[j];
    correct += c[j * k + j];
    weightedF1 += support[j] * f1[j];
    if (support[j] > 0) {
      present++;
      recallPresent += recall[j];
    }
  }
  const mean = (v: Float64Array) => v.reduce((a, b) => a + b, 0) / k;
  let ll = Number.NaN;
  let top2 = Number.NaN;
  if (prep.logLoss && prep.top2) {
    ll = 0;
    top2 = 0;
    const count = rows ? rows.length : prep.n;
    for (let r = 0; r < count; r++) {
      const i = rows ? rows[r] : r;
      const w = weights ? weights[i] : 1;
      ll += w * prep.logLoss[i];
      top2 += w * prep.top2[i];
    }
    ll /= total;
    top2 /= total;
  }
  return {
    accuracy: total > 0 ? correct / total : Number.NaN,
    balancedAccuracy: present > 0 ? recallPresent / present : Number.NaN,
    macroF1: mean(f1),
    weightedF1: total > 0 ? weightedF1 / total : Number.NaN,
    macroPrecision: mean(precision),
    macroRecall: mean(recall),
    logLoss: ll,
    top2Accuracy: top2,
  };
}

/** One class's rates with intervals. */
export interface ClassMetrics {
  class: string;
  support: number;
  predicted: number;
  precision: Estimate;
  recall: Estimate;
  f1: Estimate;
}

/** A multiclass classifier's evaluation. */
export interface MulticlassReport {
  n: number;
  classes: string[];
  resamples: number;
  seed: number;
  level: number;
  /** Whether class probabilities were given (log loss and top-2 accuracy need them). */
  probabilities: boolean;
  metrics: Partial<Record<MulticlassMetricName, Estimate>>;
  perClass: ClassMetrics[];
  /** Counts: `confusion[actual][predicted]`, in class order. */
  confusion: number[][];
  notes: string[];
}

/**
 * The multiclass suite with bootstrap percentile intervals.
 *
 * @example
 *   const r = evaluateMulticlass(labels, { probabilities }, ['no-diploma', 'high-school', 'some-college', 'degree'], { seed: 7 });
 *   r.metrics.macroF1; // { value: 0.41, lower: 0.39, upper: 0.43 }
 */
export function evaluateMulticlass(
  actual: ArrayLike<number>,
  prediction: { probabilities: Float64Array } | { predicted: ArrayLike<number> },
  classes: readonly string[],
  options: BootstrapOptions = {},
): MulticlassReport {
  const resamples = options.resamples ?? 1000;
  const seed = options.seed ?? 0;
  const level = options.level ?? 0.95;
  validateLevel(level);
  const prep = prepareMulticlass(actual, prediction, classes);
  const k = classes.length;
  const withProbabilities = prep.logLoss !== undefined;
  const reported = multiclassMetricNames.filter((m) => withProbabilities || !(probabilityMetricNames as readonly string[]).includes(m));
  const point = multiclassMetrics(prep);
  const reps = Object.fromEntries(reported.map((m) => [m, new Float64Array(resamples)])) as Record<MulticlassMetricName, Float64Array>;
  const classReps = { precision: new Float64Array(resamples * k), recall: new Float64Array(resamples * k), f1: new Float64Array(resamples * k) };
  const scratch = new Float64Array(k * k);
  forEachResample(prep.n, resamples, seed, (counts, b) => {
    const v = multiclassMetrics(prep, counts, undefined, scratch);
    for (const m of reported) reps[m][b] = v[m];
    const rates = perClassRates(scratch, k);
    classReps.precision.set(rates.precision, b * k);
    classReps.recall.set(rates.recall, b * k);
    classReps.f1.set(rates.f1, b * k);
  });
  const confusion = confusionCounts(prep);
  const rates = perClassRates(confusion, k);
  const column = (reps: Float64Array, j: number) => Float64Array.from({ length: resamples }, (_, b) => reps[b * k + j]);
  return {
    n: prep.n,
    classes: [...classes],
    resamples,
    seed,
    level,
    probabilities: withProbabilities,
    metrics: Object.fromEntries(reported.map((m) => [m, estimate(point[m], reps[m], level)])),
    perClass: classes.map((name, j) => ({
      class: name,
      support: rates.support[j],
      predicted: rates.predictedCount[j],
      precision: estimate(rates.precision[j], column(classReps.precision, j), level),
      recall: estimate(rates.recall[j], column(classReps.recall, j), level),
      f1: estimate(rates.f1[j], column(classReps.f1, j), level),
    })),
    confusion: classes.map((_, t) => Array.from({ length: k }, (_, p) => confusion[t * k + p])),
    notes: withProbabilities ? [] : ['log loss and top-2 accuracy are not reported: they need class probabilities, and only predicted classes were given'],
  };
}
