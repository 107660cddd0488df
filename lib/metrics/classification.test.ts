import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adultScores, loadAdultTest } from '../../test/support/adult';
import {
  accuracy,
  averagePrecision,
  bootstrapMetric,
  brierScore,
  calibrationCurve,
  computeMetrics,
  confusionMatrix,
  evaluateClassification,
  expectedCalibrationError,
  f1,
  logLoss,
  metricNames,
  precision,
  prepareScores,
  recall,
  rocAuc,
} from './classification';
import { createRng } from '../core/random';

/*
 * Reference values: scikit-learn 1.9.1 on UCI Adult adult.test (16281 rows) with the fixed scoring
 * rule of adult-fixture.ts, produced by
 *
 *     python3 -m venv /tmp/venv-metrics && /tmp/venv-metrics/bin/pip install numpy pandas scipy scikit-learn fairlearn statsmodels
 *     /tmp/venv-metrics/bin/python lib/metrics/reference_values.py /work/shared/data/adult/adult.test
 *
 * (keys "full", "fullThreshold03", "degraded", "ties" of its JSON output). Agreement is to ~1e-12:
 * the only differences are float summation order.
 */
const SKLEARN_FULL = {
  accuracy: 0.8111295374976967,
  precision: 0.7064809855382967,
  recall: 0.34295371814872594,
  f1: 0.4617538946262909,
  rocAuc: 0.8156498660428927,
  prAuc: 0.6239390179363205,
  logLoss: 0.4174496291839794,
  brier: 0.13336111992071326,
  ece: 0.016381227750137898,
  confusion: { tp: 1319, fp: 548, tn: 11887, fn: 2527 },
};
const SKLEARN_FULL_THRESHOLD_03 = {
  accuracy: 0.7737853940175665,
  precision: 0.5175080558539206,
  recall: 0.6263650546021841,
  f1: 0.5667568521350429,
  confusion: { tp: 2409, fp: 2246, tn: 10189, fn: 1437 },
};
const SKLEARN_DEGRADED = {
  accuracy: 0.7895092439039371,
  precision: 0.6617760617760617,
  recall: 0.22282891315652625,
  f1: 0.33339817156195295,
  rocAuc: 0.7900048008353788,
  prAuc: 0.5266506909181431,
  logLoss: 0.449099074379384,
  brier: 0.14602116827267508,
  ece: 0.029995446409925953,
  confusion: { tp: 857, fp: 438, tn: 11997, fn: 2989 },
};
// sklearn.calibration.calibration_curve(y, p, n_bins=10, strategy="uniform") plus np.bincount of the bins.
const SKLEARN_CALIBRATION = {
  fractionPositive: [0.02553975776724592, 0.14071116181783608, 0.23355391202802647, 0.3314676616915423, 0.47203389830508474, 0.5482014388489208, 0.6723716381418093, 0.6972477064220184, 0.844311377245509, 0.9788359788359788],
  meanPredicted: [0.05930238546603442, 0.14535596101920495, 0.24554047411444116, 0.347396473880596, 0.44660439661017, 0.5464157971223017, 0.6430084792176043, 0.7453193899082571, 0.8493195688622751, 0.9707276666666661],
  count: [3798, 5259, 2569, 1608, 1180, 695, 409, 218, 167, 378],
};

const adult = await loadAdultTest();
const full = adultScores(adult);
const degraded = adultScores(adult, false);

describe('classification metrics on Adult equal scikit-learn', () => {
  it('loads the 16281 test rows with 3846 positives', () => {
    expect(adult.n).toBe(16281);
    expect(adult.labels.reduce((a, b) => a + b, 0)).toBe(3846);
  });

  for (const [name, scores, ref] of [
    ['full model', full, SKLEARN_FULL],
    ['degraded model (capital gain dropped)', degraded, SKLEARN_DEGRADED],
  ] as const) {
    it(`every metric of the ${name}`, () => {
      const v = computeMetrics(prepareScores(adult.labels, scores));
      for (const m of metricNames) expect(v[m], m).toBeCloseTo(ref[m], 12);
      expect({ tp: v.tp, fp: v.fp, tn: v.tn, fn: v.fn }).toEqual(ref.confusion);
    });
  }

  it('the single-metric helpers agree with the one-pass computation', () => {
    expect(accuracy(adult.labels, full)).toBeCloseTo(SKLEARN_FULL.accuracy, 12);
    expect(precision(adult.labels, full)).toBeCloseTo(SKLEARN_FULL.precision, 12);
    expect(recall(adult.labels, full)).toBeCloseTo(SKLEARN_FULL.recall, 12);
    expect(f1(adult.labels, full)).toBeCloseTo(SKLEARN_FULL.f1, 12);
    expect(rocAuc(adult.labels, full)).toBeCloseTo(SKLEARN_FULL.rocAuc, 12);
    expect(averagePrecision(adult.labels, full)).toBeCloseTo(SKLEARN_FULL.prAuc, 12);
    expect(logLoss(adult.labels, full)).toBeCloseTo(SKLEARN_FULL.logLoss, 12);
    expect(brierScore(adult.labels, full)).toBeCloseTo(SKLEARN_FULL.brier, 12);
    expect(expectedCalibrationError(adult.labels, full, 10)).toBeCloseTo(SKLEARN_FULL.ece, 12);
    expect(confusionMatrix(adult.labels, full)).toEqual(SKLEARN_FULL.confusion);
  });

  it('thresholded metrics move with the threshold (0.3)', () => {
    const v = computeMetrics(prepareScores(adult.labels, full, { threshold: 0.3 }));
    for (const m of ['accuracy', 'precision', 'recall', 'f1'] as const) expect(v[m], m).toBeCloseTo(SKLEARN_FULL_THRESHOLD_03[m], 12);
    expect(confusionMatrix(adult.labels, full, 0.3)).toEqual(SKLEARN_FULL_THRESHOLD_03.confusion);
    expect(v.rocAuc).toBeCloseTo(SKLEARN_FULL.rocAuc, 12);
  });

  it('the calibration curve equals sklearn calibration_curve(strategy="uniform")', () => {
    const pts = calibrationCurve(adult.labels, full, 10);
    expect(pts.map((p) => p.count)).toEqual(SKLEARN_CALIBRATION.count);
    pts.forEach((p, i) => {
      expect(p.fractionPositive).toBeCloseTo(SKLEARN_CALIBRATION.fractionPositive[i], 12);
      expect(p.meanPredicted).toBeCloseTo(SKLEARN_CALIBRATION.meanPredicted[i], 12);
      expect(p.binLower).toBeCloseTo(i / 10, 12);
    });
  });
});

describe('ties, edges and conventions', () => {
  // sklearn: roc_auc_score = 0.68, average_precision_score = 0.6730158730158731 ("ties" in reference_values.py)
  const ty = [0, 1, 0, 1, 1, 0, 0, 1, 0, 1];
  const ts = [0.5, 0.5, 0.2, 0.8, 0.5, 0.8, 0.1, 0.9, 0.5, 0.2];

  it('tied scores count half a pair in ROC AUC and form one step in average precision', () => {
    expect(rocAuc(ty, ts)).toBeCloseTo(0.68, 14);
    expect(averagePrecision(ty, ts)).toBeCloseTo(0.6730158730158731, 14);
  });

  it('all scores tied gives ROC AUC 0.5 and average precision = prevalence', () => {
    expect(rocAuc([0, 1, 1, 0], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
    expect(averagePrecision([0, 1, 1, 0], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
  });

  it('log loss clips certain-and-wrong predictions at eps = 2^-52 instead of returning Infinity', () => {
    // sklearn: log_loss(ty, [0, 1, .2, .8, 1, .8, .1, .9, .5, .2]) = 0.4569031139372218
    expect(logLoss(ty, [0.0, 1.0, 0.2, 0.8, 1.0, 0.8, 0.1, 0.9, 0.5, 0.2])).toBeCloseTo(0.4569031139372218, 14);
    expect(logLoss([1, 0], [0, 0])).toBeCloseTo(-Math.log(2.220446049250313e-16) / 2, 12);
  });

  it('a row exactly at the threshold is predicted positive', () => {
    expect(confusionMatrix([1, 0], [0.5, 0.49])).toEqual({ tp: 1, fp: 0, tn: 1, fn: 0 });
  });

  it('precision/recall/F1 are 0, not NaN, when nothing is predicted positive; AUCs are NaN with one class', () => {
    const v = computeMetrics(prepareScores([1, 1, 0], [0.1, 0.2, 0.3]));
    expect([v.precision, v.recall, v.f1]).toEqual([0, 0, 0]);
    expect(rocAuc([1, 1], [0.2, 0.9])).toBeNaN();
    expect(averagePrecision([0, 0], [0.2, 0.9])).toBeNaN();
  });

  it('ECE uses equal-width bins, a value on an inner edge belonging to the lower bin (as sklearn)', () => {
    // 0.2 sits on the edge between bins 1 and 2 -> bin [0.1, 0.2]; 0.25 -> (0.2, 0.3].
    const pts = calibrationCurve([0, 1], [0.2, 0.25], 10);
    expect(pts.map((p) => [p.binLower, p.count])).toEqual([
      [0.1, 1],
      [0.2, 1],
    ]);
    expect(expectedCalibrationError([0, 1], [0.2, 0.25], 10)).toBeCloseTo((0.2 + 0.75) / 2, 14);
  });

  it('rejects labels that are not 0/1, scores outside [0, 1] and length mismatches with InvalidInput', () => {
    expect(() => rocAuc([0, 2], [0.1, 0.2])).toThrow(expect.objectContaining({ type: 'InvalidInput', location: { field: 'labels[1]' } }));
    expect(() => rocAuc([0, 1], [0.1, 1.2])).toThrow(expect.objectContaining({ type: 'InvalidInput', location: { field: 'scores[1]' } }));
    expect(() => rocAuc([0, 1], [Number.NaN, 0.2])).toThrow(expect.objectContaining({ type: 'InvalidInput' }));
    expect(() => rocAuc([0, 1, 1], [0.1, 0.2])).toThrow(expect.objectContaining({ type: 'InvalidInput' }));
    expect(() => rocAuc([], [])).toThrow(expect.objectContaining({ type: 'InvalidInput' }));
    expect(() => accuracy([0, 1], [0.1, 0.2], Number.NaN)).toThrow(expect.objectContaining({ type: 'InvalidInput', location: { field: 'threshold' } }));
  });
});

describe('scores that are not probabilities', () => {
  // Risk deciles 1-10 and their reading as probabilities (decile / 10): the same ranking and, at
  // thresholds 5 and 0.5, the same decisions.
  const rng = createRng(3);
  const n = 400;
  const deciles = new Float64Array(n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    deciles[i] = 1 + Math.floor(rng.next() * 10);
    labels[i] = rng.next() < deciles[i] / 11 ? 1 : 0;
  }
  const asProbabilities = deciles.map((d) => d / 10);

  it('computes threshold and ranking metrics on any scale, predicting positive when score >= threshold', () => {
    expect(confusionMatrix([0, 1, 1, 0], [4, 5, 9, 7], 5)).toEqual({ tp: 2, fp: 1, tn: 1, fn: 0 });
    const onDeciles = evaluateClassification(labels, deciles, { threshold: 5, resamples: 50, seed: 2 });
    const onProbabilities = evaluateClassification(labels, asProbabilities, { threshold: 0.5, resamples: 50, seed: 2 });
    for (const m of ['accuracy', 'precision', 'recall', 'f1', 'rocAuc', 'prAuc'] as const) expect(onDeciles.metrics[m], m).toEqual(onProbabilities.metrics[m]);
    expect(onDeciles.confusion).toEqual(onProbabilities.confusion);
    expect(accuracy(labels, deciles, 5)).toBe(onDeciles.metrics.accuracy.value);
    expect(rocAuc(labels, asProbabilities)).toBe(onDeciles.metrics.rocAuc.value);
  });

  it('leaves out the calibration metrics and curve, and says why', () => {
    const r = evaluateClassification(labels, deciles, { threshold: 5, resamples: 20 });
    expect(r.scoreRange).toEqual({ min: 1, max: 10, probabilities: false });
    expect(r.metrics.logLoss).toBeUndefined();
    expect(r.metrics.brier).toBeUndefined();
    expect(r.metrics.ece).toBeUndefined();
    expect(r.calibration).toBeNull();
    expect(r.notes).toEqual(['log loss, Brier score, ECE and the calibration table need probabilities in [0, 1]; the scores range from 1 to 10']);
    const p = evaluateClassification(labels, asProbabilities, { threshold: 0.5, resamples: 20 });
    expect(p.scoreRange).toEqual({ min: 0.1, max: 1, probabilities: true });
    expect(p.calibration?.points.length).toBeGreaterThan(0);
    expect(p.notes).toEqual([]);
    expect(computeMetrics(prepareScores(labels, deciles, { threshold: 5 })).logLoss).toBeNaN();
  });

  it('needs a threshold for scores outside [0, 1], and refuses calibration metrics of such scores', () => {
    expect(() => evaluateClassification(labels, deciles, { resamples: 5 })).toThrow(
      expect.objectContaining({ type: 'InvalidInput', location: { field: 'threshold' }, message: expect.stringContaining('the scores range from 1 to 10, outside [0, 1]') }),
    );
    expect(() => accuracy(labels, deciles)).toThrow(expect.objectContaining({ type: 'InvalidInput' }));
    expect(() => bootstrapMetric('logLoss', labels, deciles, { threshold: 5, resamples: 5 })).toThrow(expect.objectContaining({ type: 'InvalidInput', message: expect.stringContaining('logLoss needs probabilities') }));
    expect(() => evaluateClassification([0, 1], [-Infinity, 2], { threshold: 0 })).toThrow(expect.objectContaining({ type: 'InvalidInput', location: { field: 'scores[0]' } }));
    expect(() => evaluateClassification([0, 1], [Number.NaN, 2], { threshold: 0 })).toThrow(expect.objectContaining({ type: 'InvalidInput', location: { field: 'scores[0]' } }));
  });
});

describe('bootstrap intervals', () => {
  it('integer resample weights give exactly the metrics of the materialised resample', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 21 }),
        (rows, t) => {
          const threshold = t / 20; // on the score grid too: rows exactly at the threshold
          const labels = rows.map((r) => r[0]);
          const scores = rows.map((r) => r[1] / 20); // coarse grid: many ties
          const weights = Uint32Array.from(rows, (r) => r[2]);
          if (weights.every((w) => w === 0)) return;
          const expandedY: number[] = [];
          const expandedP: number[] = [];
          rows.forEach((r, i) => {
            for (let k = 0; k < weights[i]; k++) {
              expandedY.push(labels[i]);
              expandedP.push(scores[i]);
            }
          });
          const weighted = computeMetrics(prepareScores(labels, scores, { threshold }), weights);
          const direct = computeMetrics(prepareScores(expandedY, expandedP, { threshold }));
          for (const m of metricNames) {
            if (Number.isNaN(direct[m])) expect(weighted[m]).toBeNaN();
            else expect(weighted[m]).toBeCloseTo(direct[m], 10);
          }
          expect([weighted.tp, weighted.fp, weighted.tn, weighted.fn]).toEqual([direct.tp, direct.fp, direct.tn, direct.fn]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the full suite on Adult: every interval brackets its estimate and is reproducible from the seed', () => {
    const a = evaluateClassification(adult.labels, full, { resamples: 300, seed: 11 });
    const b = evaluateClassification(adult.labels, full, { resamples: 300, seed: 11 });
    expect(a).toEqual(b);
    for (const m of metricNames) {
      const e = a.metrics[m]!; // probabilities: every metric is present
      expect(e.lower, m).toBeLessThanOrEqual(e.value);
      expect(e.upper, m).toBeGreaterThanOrEqual(e.value);
    }
    // With 16k rows the AUC standard error is ~0.004, so the 95% interval is roughly +-0.008.
    const auc = a.metrics.rocAuc;
    expect(auc.upper - auc.lower).toBeGreaterThan(0.008);
    expect(auc.upper - auc.lower).toBeLessThan(0.025);
    expect(a.confusion.tp.value).toBe(1319);
    expect(a.calibration?.points).toHaveLength(10);
  });

  it('a different seed gives different (but similar) intervals', () => {
    const a = bootstrapMetric('rocAuc', adult.labels, full, { resamples: 200, seed: 1 });
    const b = bootstrapMetric('rocAuc', adult.labels, full, { resamples: 200, seed: 2 });
    expect(a.lower).not.toBe(b.lower);
    expect(Math.abs(a.lower - b.lower)).toBeLessThan(0.005);
  });

  it('the interval covers the true AUC about 95% of the time on simulated data', () => {
    // Scores ~ U(0,1) and P(y=1|s) = s, so positives have density 2s and negatives 2(1-s):
    // true AUC = P(S+ > S-) = 4 * int_0^1 a * int_0^a (1-b) db da = 5/6.
    const rng = createRng(99);
    let covered = 0;
    const trials = 60;
    for (let t = 0; t < trials; t++) {
      const n = 400;
      const s = new Float64Array(n);
      const y = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        s[i] = rng.next();
        y[i] = rng.next() < s[i] ? 1 : 0;
      }
      const e = bootstrapMetric('rocAuc', y, s, { resamples: 200, seed: t });
      if (e.lower <= 5 / 6 && 5 / 6 <= e.upper) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.85);
  });
});
