import { describe, expect, it } from 'vitest';
import { ProfileBuilder } from '../drift/profile';
import { calibrationCurve, rocAuc } from '../metrics/classification';
import { createRng } from '../core/random';
import { calibratorFrom, estimatePerformance } from './cbpe';
import { computeWindow, type WindowRow } from './compute';

function rows(n: number, seed: number, shift = 0, labelled = true): WindowRow[] {
  const g = createRng(seed);
  const rng = () => g.next();
  return Array.from({ length: n }, () => {
    const x = rng() * 10 + shift;
    const colour = rng() < (shift > 0 ? 0.8 : 0.3) ? 'red' : 'blue';
    const score = Math.min(0.99, Math.max(0.01, x / 10));
    const y = rng() < score;
    return { mode: 'serve', version: 1, latencyMs: 2 + rng() * 8, score, error: null, inputs: { x, colour }, label: labelled ? (y ? 'yes' : 'no') : null };
  });
}

const reference = (() => {
  const base = rows(2000, 1);
  const b = new ProfileBuilder();
  b.add({
    firstRow: 1,
    rows: base.length,
    columns: [
      { name: 'x', type: 'numeric', values: Float64Array.from(base, (r) => r.inputs.x as number) },
      { name: 'colour', type: 'categorical', codes: Int32Array.from(base, (r) => (r.inputs.colour === 'red' ? 0 : 1)), dictionary: ['red', 'blue'] },
    ],
  });
  const labels = Uint8Array.from(base, (r) => (r.label === 'yes' ? 1 : 0));
  const scores = Float64Array.from(base, (r) => r.score!);
  return { profile: b.finish(), calibration: calibrationCurve(labels, scores, 10) };
})();

const window = (r: WindowRow[], extra = {}) =>
  computeWindow({ model: 'm', index: 0, start: '2026-01-01T00:00:00Z', end: '2026-01-01T01:00:00Z', version: 1, rows: r, reference: reference.profile, calibration: reference.calibration, positiveLabel: 'yes', groupColumns: ['colour'], ...extra });

describe('computeWindow', () => {
  it('finds no drift in a window drawn like the reference, and drift in a shifted one', () => {
    const same = window(rows(500, 2));
    expect(same.featureDrift?.dataset.drifted).toBe(false);
    expect(same.predictionDrift?.drifted).toBe(false);
    const shifted = window(rows(500, 3, 4));
    expect(shifted.featureDrift?.dataset.drifted).toBe(true);
    expect(shifted.featureDrift?.columns.map((c) => [c.column, c.drifted])).toEqual([
      ['x', true],
      ['colour', true],
    ]);
    expect(shifted.predictionDrift?.drifted).toBe(true);
  });

  it('reports volume, error rate and latency percentiles against the budgets', () => {
    const r = rows(200, 4);
    for (let i = 0; i < 20; i++) r[i] = { ...r[i], score: null, error: 'boom' };
    const w = window(r, { budgets: { errorRate: 0.05, latencyP99Ms: 100, latencyP50Ms: 1 } });
    expect(w.volume).toBe(200);
    expect(w.counts.errors).toBe(20);
    expect(w.errorRate).toBeCloseTo(0.1);
    expect(w.latency.p50Ms).toBeGreaterThan(2);
    expect(w.breaches).toHaveLength(2);
    expect(w.breaches.join('\n')).toMatch(/error rate 10.00% is over the 5.00% budget/);
  });

  it('computes realised performance with intervals, per group and declared slice, beside the CBPE estimate', () => {
    const w = window(rows(1000, 5), { slices: [{ name: 'red', where: { colour: 'red' } }, { name: 'none', where: { colour: ['green'] } }] });
    const red = w.performance!.groups.colour.find((g) => g.value === 'red')!;
    expect(w.performance!.slices).toEqual([
      { name: 'red', labelled: red.labelled, accuracy: red.accuracy },
      { name: 'none', labelled: 0, accuracy: { value: NaN, lower: NaN, upper: NaN } },
    ]);
    expect(w.performance!.labelled).toBe(1000);
    expect(w.performance!.accuracy.lower).toBeLessThan(w.performance!.accuracy.value);
    expect(w.performance!.groups.colour.map((g) => g.value)).toEqual(['blue', 'red']);
    expect(Math.abs(w.estimated!.accuracy - w.performance!.accuracy.value)).toBeLessThan(0.05);
    expect(Math.abs(w.estimated!.rocAuc! - w.performance!.rocAuc!.value)).toBeLessThan(0.05);
  });

  it('estimates performance while labels are still missing', () => {
    const w = window(rows(300, 6, 0, false));
    expect(w.performance).toBeNull();
    expect(w.estimated?.calibration).toBe('reference');
  });

  it('keeps to feature drift and operations for models that are not binary classifiers', () => {
    const w = window(rows(300, 8, 4), { positiveLabel: null });
    expect(w.featureDrift?.dataset.drifted).toBe(true);
    expect([w.performance, w.estimated, w.predictionDrift]).toEqual([null, null, null]);
    expect(w.notes).toContain('prediction drift, performance and its estimate are computed for binary classifiers only');
  });

  it('ignores shadow traffic and other versions', () => {
    const r = rows(100, 7).map((x, i) => (i % 2 === 0 ? { ...x, mode: 'shadow' as const } : i % 3 === 0 ? { ...x, version: 2 } : x));
    expect(window(r).volume).toBe(r.filter((x) => x.mode === 'serve' && x.version === 1).length);
  });
});

describe('CBPE', () => {
  it('matches the realised accuracy and ROC AUC of calibrated scores', () => {
    const g = createRng(9);
    const rng = () => g.next();
    const scores = Float64Array.from({ length: 20000 }, () => rng());
    const labels = Uint8Array.from(scores, (s) => (rng() < s ? 1 : 0));
    const e = estimatePerformance(scores, calibratorFrom(null));
    let correct = 0;
    for (let i = 0; i < scores.length; i++) correct += (scores[i] >= 0.5 ? 1 : 0) === labels[i] ? 1 : 0;
    expect(e.accuracy).toBeCloseTo(correct / scores.length, 2);
    expect(e.rocAuc!).toBeCloseTo(rocAuc(labels, scores), 2);
  });


  it('judges a multiclass window by the accuracy of the predicted class, overall and per group, with drift and volume as for any model', () => {
    const classes = ['low', 'mid', 'high'];
    // 300 rows: the predicted class is right on two rows of three; `colour` red rows are all right.
    const r: WindowRow[] = rows(300, 11).map((row, i) => {
      const predictedClass = classes[i % 3]!;
      const label = row.inputs.colour === 'red' || i % 3 !== 0 ? predictedClass : classes[(i + 1) % 3]!;
      return { ...row, score: 0.5 + (i % 5) / 10, predictedClass, label };
    });
    const expected = r.filter((x) => x.label === x.predictedClass).length;
    const w = window(r, { positiveLabel: null, calibration: null });
    expect(w.volume).toBe(300);
    expect(w.featureDrift?.dataset.drifted).toBe(false);
    expect(w.performance).toMatchObject({ labelled: 300, positives: 0, rocAuc: null, ece: null, brier: null });
    expect(w.performance!.accuracy.value).toBeCloseTo(expected / 300, 12);
    expect(w.performance!.accuracy.value).toBeLessThan(1);
    const red = w.performance!.groups.colour!.find((g) => g.value === 'red')!;
    expect(red.accuracy.value).toBe(1);
    expect(w.predictionDrift).toBeNull();
    expect(w.estimated).toBeNull();
    expect(w.notes.join('\n')).toMatch(/multiclass: performance is the accuracy of the predicted class/);
    // A regressor's rows carry no predicted class: no performance, as before.
    expect(window(r.map((x) => ({ ...x, predictedClass: null })), { positiveLabel: null, calibration: null }).performance).toBeNull();
  });
  it('calibrates scores through the reference reliability curve, monotonically', () => {
    const c = calibratorFrom([
      { binLower: 0, binUpper: 0.5, meanPredicted: 0.25, fractionPositive: 0.5, count: 10 },
      { binLower: 0.5, binUpper: 1, meanPredicted: 0.75, fractionPositive: 0.3, count: 10 },
    ]);
    expect(c(0.25)).toBeCloseTo(0.4);
    expect(c(0.9)).toBeCloseTo(0.4);
  });
});
