import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../lib/core/random';
import { projectRoot } from '../../lib/runtime/paths';
import { loadAdult } from '../support/adult';
import { loadBikeYear } from '../support/bike';
import { bikeRules, educationClasses, educationRules } from '../support/task-rules';
import { evaluateMulticlassFairness, evaluateRegressionFairness } from '../../lib/metrics/group-fairness';
import { evaluateMulticlass, prepareMulticlass } from '../../lib/metrics/multiclass';
import { compareTaskToBaseline } from '../../lib/metrics/paired';
import { evaluateRegression, prepareRegression } from '../../lib/metrics/regressor';

interface Interval {
  value: number;
  interval: [number, number];
}
const reference = JSON.parse(readFileSync(join(projectRoot, 'test/fixtures/task-metrics/task-reference.json'), 'utf8')) as {
  resamples: number;
  seed: number;
  level: number;
  minGroupSize: number;
  rng: number[];
  regression: {
    n: number;
    metrics: Record<string, Interval>;
    residuals: Record<string, number>;
    fairness: { groups: Record<string, { size: number; mae: number; rmse: number; meanResidual: number; maeInterval: [number, number]; meanResidualInterval: [number, number] }>; gaps: Record<string, Interval> };
    gate: Record<string, Record<string, { candidate: number; baseline: number; drop: number; dropInterval: [number, number]; pValue: number }>>;
  };
  multiclass: {
    n: number;
    metrics: Record<string, Interval>;
    predictedOnly: Record<string, number>;
    perClass: Record<string, Record<'precision' | 'recall' | 'f1', Interval>>;
    confusion: number[][];
    fairness: { groups: Record<string, Record<string, Interval> & { size: number }>; gaps: Record<string, Interval> };
    gate: Record<string, Record<string, { candidate: number; baseline: number; drop?: number; dropInterval?: [number, number]; pValue: number; b?: number; c?: number }>>;
  };
};
const boot = { resamples: reference.resamples, seed: reference.seed, level: reference.level };
const options = { ...boot, minGroupSize: reference.minGroupSize, intersections: [] };

/** Equal to 1e-9, relative to the size of the number (intervals of a count are in the hundreds). */
function close(actual: number, expected: number, what: string) {
  const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
  if (!(Math.abs(actual - expected) <= tolerance || (Number.isNaN(actual) && Number.isNaN(expected)))) {
    throw new Error(`${what}: ${actual} differs from scikit-learn's ${expected} by ${Math.abs(actual - expected)}`);
  }
}
const closeEstimate = (e: { value: number; lower: number; upper: number }, r: Interval, what: string) => {
  close(e.value, r.value, `${what} value`);
  close(e.lower, r.interval[0], `${what} lower bound`);
  close(e.upper, r.interval[1], `${what} upper bound`);
};

describe('the bootstrap the reference script ports', () => {
  it('draws the same numbers in Python as createRng does here', () => {
    const rng = createRng(reference.seed);
    expect(Array.from({ length: 5 }, () => rng.next() * 4294967296)).toEqual(reference.rng);
  });
});

describe('regression metrics against scikit-learn on Bike Sharing 2012 (8,734 rows, 200 resamples)', () => {
  let cnt: Float64Array;
  let season: string[];
  let full: Float64Array;
  let degraded: Float64Array;
  beforeAll(async () => {
    const { table } = await loadBikeYear(2012);
    cnt = table.cnt as Float64Array;
    season = Array.from(table.season as Float64Array, (v) => String(v));
    ({ full, degraded } = bikeRules(table));
  });

  it('MAE, RMSE, MSE, R^2, MAPE and the mean residual match with their bootstrap intervals to 1e-9', () => {
    const r = evaluateRegression(cnt, full, boot);
    expect(r.n).toBe(reference.regression.n);
    for (const [name, expected] of Object.entries(reference.regression.metrics)) closeEstimate(r.metrics[name as keyof typeof r.metrics]!, expected, name);
  });

  it('the residual summary matches numpy and median_absolute_error', () => {
    const s = evaluateRegression(cnt, full, { ...boot, resamples: 1 }).residuals;
    for (const [name, expected] of Object.entries(reference.regression.residuals)) close(s[name as keyof typeof s] as number, expected, name);
    expect(s.histogram.counts.reduce((a, b) => a + b, 0)).toBe(cnt.length);
  });

  it('group MAE, RMSE and mean residual by season, and their gaps, match with intervals', () => {
    const f = evaluateRegressionFairness(prepareRegression(cnt, full), { season }, { maeRatio: 1.2 }, options);
    const [bySeason] = f.attributes;
    for (const g of bySeason!.groups) {
      const ref = reference.regression.fairness.groups[g.key]!;
      expect(g.size).toBe(ref.size);
      close(g.stats.mae!.value, ref.mae, `${g.key} mae`);
      close(g.stats.rmse!.value, ref.rmse, `${g.key} rmse`);
      closeEstimate(g.stats.mae!, { value: ref.mae, interval: ref.maeInterval }, `${g.key} mae`);
      closeEstimate(g.stats.meanResidual!, { value: ref.meanResidual, interval: ref.meanResidualInterval }, `${g.key} mean residual`);
    }
    for (const gap of bySeason!.gaps) closeEstimate(gap, reference.regression.fairness.gaps[gap.name]!, gap.name);
    const ratio = bySeason!.gaps.find((g) => g.name === 'maeRatio')!;
    expect(ratio.pass).toBe(ratio.value <= 1.2);
    expect(bySeason!.gaps.find((g) => g.name === 'maeDifference')!.pass).toBeNull();
  });

  it('the paired gate per slice (MAE, RMSE, R^2) matches: values, drop intervals and p-values', () => {
    const g = compareTaskToBaseline({
      predictions: { task: 'regression', candidate: prepareRegression(cnt, degraded), baseline: prepareRegression(cnt, full) },
      groups: { season },
      ...boot,
      config: { budgets: [{ metric: 'mae', budget: 0.05, kind: 'relative' }, { metric: 'rmse', budget: 0.05, kind: 'relative' }, { metric: 'r2', budget: 0.01 }], minSliceSize: 30 },
    });
    expect(g.rows).toHaveLength(5 * 3);
    for (const row of g.rows) {
      const ref = reference.regression.gate[row.slice]![row.metric]!;
      close(row.candidate, ref.candidate, `${row.slice} ${row.metric} candidate`);
      close(row.baseline, ref.baseline, `${row.slice} ${row.metric} baseline`);
      close(row.drop, ref.drop, `${row.slice} ${row.metric} drop`);
      close(row.dropLower, ref.dropInterval[0], `${row.slice} ${row.metric} drop lower`);
      close(row.dropUpper, ref.dropInterval[1], `${row.slice} ${row.metric} drop upper`);
      close(row.pValue, ref.pValue, `${row.slice} ${row.metric} p`);
    }
    // Without the working-day rush hours the degraded rule is clearly worse: the gate fails overall.
    expect(g.pass).toBe(false);
    expect(g.failures.some((f) => f.startsWith('overall: mae'))).toBe(true);
  });

  it('leaves MAPE out, saying why, when an actual value is 0', () => {
    const r = evaluateRegression([0, 2, 4], [1, 2, 3], { resamples: 10 });
    expect(r.metrics.mape).toBeUndefined();
    expect(r.notes.join()).toMatch(/MAPE is not reported: some actual values are 0/);
  });
});

describe('multiclass metrics against scikit-learn on adult.test education levels (16,281 rows, 200 resamples)', () => {
  let labels: Int32Array;
  let full: Float64Array;
  let degraded: Float64Array;
  let sex: string[];
  beforeAll(async () => {
    const { table } = await loadAdult('adult.test');
    ({ labels, full, degraded } = educationRules(table));
    sex = table.sex as string[];
  });

  it('accuracy, balanced accuracy, macro/weighted F1, macro precision/recall, log loss and top-2 accuracy match with intervals', () => {
    const r = evaluateMulticlass(labels, { probabilities: full }, educationClasses, boot);
    expect(r.n).toBe(reference.multiclass.n);
    for (const [name, expected] of Object.entries(reference.multiclass.metrics)) closeEstimate(r.metrics[name as keyof typeof r.metrics]!, expected, name);
    expect(r.confusion).toEqual(reference.multiclass.confusion);
  });

  it('per-class precision, recall and F1 match with intervals', () => {
    const r = evaluateMulticlass(labels, { probabilities: full }, educationClasses, boot);
    for (const c of r.perClass) for (const m of ['precision', 'recall', 'f1'] as const) closeEstimate(c[m], reference.multiclass.perClass[c.class]![m], `${c.class} ${m}`);
  });

  it('from predicted classes alone: the same class metrics, and no log loss or top-2 accuracy', () => {
    const predicted = prepareMulticlass(labels, { probabilities: full }, educationClasses).predicted;
    const r = evaluateMulticlass(labels, { predicted }, educationClasses, { ...boot, resamples: 1 });
    for (const [name, expected] of Object.entries(reference.multiclass.predictedOnly)) close(r.metrics[name as keyof typeof r.metrics]!.value, expected, name);
    expect(r.metrics.logLoss).toBeUndefined();
    expect(r.notes.join()).toMatch(/need class probabilities/);
  });

  it('per-class selection rate and recall by sex, and their gaps, match with intervals', () => {
    const f = evaluateMulticlassFairness(prepareMulticlass(labels, { probabilities: full }, educationClasses), { sex }, { recallDifference: 0.05 }, options);
    const [bySex] = f.attributes;
    for (const g of bySex!.groups) {
      const ref = reference.multiclass.fairness.groups[g.key]!;
      expect(g.size).toBe(ref.size);
      for (const [stat, e] of Object.entries(g.stats)) closeEstimate(e, ref[stat] as Interval, `${g.key} ${stat}`);
    }
    for (const gap of bySex!.gaps) closeEstimate(gap, reference.multiclass.fairness.gaps[gap.name]!, gap.name);
    const recall = bySex!.gaps.find((g) => g.name === 'recallDifference')!;
    expect(recall.pass).toBe(recall.value <= 0.05);
    expect(recall.class).toBeDefined();
  });

  it('the paired gate matches: McNemar on accuracy, the paired bootstrap on macro F1 and log loss', () => {
    const g = compareTaskToBaseline({
      predictions: {
        task: 'multiclass',
        candidate: prepareMulticlass(labels, { probabilities: degraded }, educationClasses),
        baseline: prepareMulticlass(labels, { probabilities: full }, educationClasses),
      },
      groups: { sex },
      ...boot,
      config: { budgets: [{ metric: 'accuracy', budget: 0.01 }, { metric: 'macroF1', budget: 0.02 }, { metric: 'logLoss', budget: 0.05, kind: 'relative' }], minSliceSize: 30 },
    });
    for (const row of g.rows) {
      const ref = reference.multiclass.gate[row.slice]![row.metric]!;
      close(row.candidate, ref.candidate, `${row.slice} ${row.metric} candidate`);
      close(row.baseline, ref.baseline, `${row.slice} ${row.metric} baseline`);
      close(row.pValue, ref.pValue, `${row.slice} ${row.metric} p`);
      if (row.metric === 'accuracy') expect(row.discordant).toEqual({ b: ref.b, c: ref.c });
      else {
        close(row.drop, ref.drop!, `${row.slice} ${row.metric} drop`);
        close(row.dropLower, ref.dropInterval![0], `${row.slice} ${row.metric} drop lower`);
        close(row.dropUpper, ref.dropInterval![1], `${row.slice} ${row.metric} drop upper`);
      }
    }
    expect(g.pass).toBe(false);
  });

  it('reports a probability budget as not judged when only predicted classes are given', () => {
    const predicted = prepareMulticlass(labels, { probabilities: full }, educationClasses).predicted;
    const g = compareTaskToBaseline({
      predictions: { task: 'multiclass', candidate: prepareMulticlass(labels, { predicted }, educationClasses), baseline: prepareMulticlass(labels, { predicted }, educationClasses) },
      resamples: 20,
      config: { budgets: [{ metric: 'logLoss', budget: 0.05, kind: 'relative' }] },
    });
    expect(g.rows[0]).toMatchObject({ judged: false, pass: true, note: expect.stringMatching(/needs class probabilities/) });
    expect(g.notes[0]).toMatch(/logLoss budget not judged/);
  });
});
