/**
 * Confidence-based performance estimation (CBPE, as NannyML does for binary classifiers): while a
 * window waits for its labels, its performance is estimated from its scores. Scores are first
 * calibrated on a labelled reference (a reliability curve: mean score -> observed positive rate per
 * bin, interpolated), so `p_i` is the probability that prediction i is positive; then
 *
 * - expected accuracy = mean of `p_i` over rows predicted positive and `1 - p_i` over the others;
 * - expected ROC AUC from the expected confusion counts at every threshold (rows sorted by score,
 *   expected true positives `sum p`, false positives `sum (1 - p)`), integrated by trapezoids.
 *
 * The estimate is only as good as the calibration: under covariate shift it holds; under concept
 * drift (the relation between inputs and labels changed) it does not, which is why the realised
 * value is shown beside it once labels come.
 *
 * Pure module.
 */
import type { CalibrationPoint } from '../metrics/classification';

/** A monotone map from raw score to calibrated probability. */
export type Calibrator = (score: number) => number;

/**
 * The calibration map of a reliability curve: linear interpolation between the bins' (mean
 * predicted, fraction positive) points, made non-decreasing (pool-adjacent-violators), flat beyond
 * the ends. No points: the scores are taken as calibrated.
 *
 * @example calibratorFrom([{ binLower: 0, binUpper: 0.5, meanPredicted: 0.2, fractionPositive: 0.1, count: 50 }, ...])(0.3)
 */
export function calibratorFrom(points: readonly CalibrationPoint[] | null | undefined): Calibrator {
  const pts = (points ?? []).filter((p) => p.count > 0).sort((a, b) => a.meanPredicted - b.meanPredicted);
  if (pts.length === 0) return (s) => Math.min(1, Math.max(0, s));
  // Pool adjacent violators on the observed rates, weighted by counts.
  const blocks: { x: number[]; y: number; w: number }[] = [];
  for (const p of pts) {
    blocks.push({ x: [p.meanPredicted], y: p.fractionPositive, w: p.count });
    while (blocks.length > 1 && blocks[blocks.length - 2].y > blocks[blocks.length - 1].y) {
      const b = blocks.pop()!;
      const a = blocks.pop()!;
      blocks.push({ x: [...a.x, ...b.x], y: (a.y * a.w + b.y * b.w) / (a.w + b.w), w: a.w + b.w });
    }
  }
  const xs: number[] = [];
  const ys: number[] = [];
  for (const b of blocks) for (const x of b.x) (xs.push(x), ys.push(b.y));
  return (s) => {
    if (s <= xs[0]) return ys[0];
    if (s >= xs[xs.length - 1]) return ys[ys.length - 1];
    let lo = 0;
    let hi = xs.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] <= s) lo = mid;
      else hi = mid;
    }
    const t = xs[hi] === xs[lo] ? 0 : (s - xs[lo]) / (xs[hi] - xs[lo]);
    return ys[lo] + t * (ys[hi] - ys[lo]);
  };
}

/**
 * Expected accuracy and ROC AUC of scores, from their calibrated probabilities.
 *
 * @example estimatePerformance(Float64Array.of(0.9, 0.2, 0.7), calibratorFrom(null), 0.5) // { accuracy: 0.8, rocAuc: ... }
 */
export function estimatePerformance(scores: ArrayLike<number>, calibrate: Calibrator, threshold = 0.5): { accuracy: number; rocAuc: number | null } {
  const n = scores.length;
  if (n === 0) return { accuracy: NaN, rocAuc: null };
  const p = new Float64Array(n);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    p[i] = calibrate(scores[i]);
    correct += scores[i] >= threshold ? p[i] : 1 - p[i];
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += p[i];
  const negatives = n - positives;
  if (positives <= 0 || negatives <= 0) return { accuracy: correct / n, rocAuc: null };
  // Tied scores move together (one step of the curve), as sklearn's roc_curve does.
  let tp = 0;
  let fp = 0;
  let auc = 0;
  for (let k = 0; k < n; ) {
    const prevTpr = tp / positives;
    const prevFpr = fp / negatives;
    const s = scores[order[k]];
    while (k < n && scores[order[k]] === s) {
      tp += p[order[k]];
      fp += 1 - p[order[k]];
      k++;
    }
    auc += ((fp / negatives - prevFpr) * (tp / positives + prevTpr)) / 2;
  }
  return { accuracy: correct / n, rocAuc: auc };
}
