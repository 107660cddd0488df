import { describe, expect, it } from 'vitest';
import { adultScores, loadAdultTest } from '../../test/support/adult';
import { createRng } from '../core/random';
import {
  binomialUpperTail,
  compareToBaseline,
  mcnemarOneSided,
  normalUpperTail,
  parseRegressionConfig,
  regressionConfigSchema,
  type RegressionReport,
} from './regression';

const adult = await loadAdultTest();
const production = adultScores(adult);
/** A realistic regression: the capital-gain feature was lost upstream. */
const featureDropped = adultScores(adult, false);
/** An equivalent model: the same scores with +-5e-5 jitter (e.g. a retrain with another seed). */
const jitterRng = createRng(5);
const jittered = production.map((v) => Math.min(1, Math.max(0, v + (jitterRng.next() - 0.5) * 1e-4)));
const groups = { sex: adult.sex, race: adult.race };

const row = (r: RegressionReport, slice: string, metric: string) => {
  const x = r.rows.find((q) => q.slice === slice && q.metric === metric);
  if (!x) throw new Error(`no row ${slice}/${metric}`);
  return x;
};

describe("McNemar's test (reference: statsmodels 0.15 / scipy, see reference_values.py)", () => {
  it('uses the exact one-sided binomial for few discordant pairs: b=9, c=3 gives scipy binomtest(9, 12, alternative="greater") = 0.072998046875', () => {
    expect(mcnemarOneSided(9, 3)).toEqual({ test: 'mcnemar-exact', pValue: expect.closeTo(0.072998046875, 14) });
    // statsmodels mcnemar(exact=True) is two-sided: twice the one-sided tail when b > c.
    expect(2 * binomialUpperTail(9, 12)).toBeCloseTo(0.14599609375, 14);
  });

  it('uses the continuity-corrected chi-square otherwise: b=40, c=22 gives half of statsmodels two-sided p 0.030849999436874987', () => {
    const r = mcnemarOneSided(40, 22);
    expect(r.test).toBe('mcnemar-chi2');
    expect(r.pValue / (0.030849999436874987 / 2)).toBeCloseTo(1, 10);
  });

  it('is not significant when the candidate wins the discordant pairs or there are none', () => {
    expect(mcnemarOneSided(3, 9).pValue).toBeGreaterThan(0.9);
    expect(mcnemarOneSided(22, 40).pValue).toBeGreaterThan(0.9);
    expect(mcnemarOneSided(0, 0).pValue).toBe(1);
  });

  it('the normal tail is accurate far out (statsmodels: p = 9.178736262291633e-49 for b=462, c=110)', () => {
    expect(mcnemarOneSided(462, 110).pValue / (9.178736262291633e-49 / 2)).toBeCloseTo(1, 9);
    expect(normalUpperTail(0)).toBe(0.5);
    expect(normalUpperTail(1.959963984540054)).toBeCloseTo(0.025, 14);
    // scipy.stats.norm.sf ("normalSf" in reference_values.py): 3, 10, -1
    expect(normalUpperTail(3) / 0.0013498980316300933).toBeCloseTo(1, 12);
    expect(normalUpperTail(2.999) / normalUpperTail(3.001)).toBeGreaterThan(1);
    expect(normalUpperTail(10) / 7.61985302416047e-24).toBeCloseTo(1, 12);
    expect(normalUpperTail(-1)).toBeCloseTo(0.8413447460685429, 14);
  });
});

describe('the regression gate on Adult', () => {
  const degraded = compareToBaseline({ labels: adult.labels, candidate: featureDropped, baseline: production, groups, resamples: 200, seed: 3 });
  const equivalent = compareToBaseline({ labels: adult.labels, candidate: jittered, baseline: production, groups, resamples: 200, seed: 3 });

  it('fails a model that lost a feature: drops beyond budget and significant, overall and per group', () => {
    expect(degraded.pass).toBe(false);
    const auc = row(degraded, 'overall', 'rocAuc');
    expect(auc).toMatchObject({ test: 'paired-bootstrap', exceedsBudget: true, significant: true, pass: false });
    expect(auc.drop).toBeCloseTo(0.8156498660428927 - 0.7900048008353788, 12); // sklearn AUCs of the two models
    expect(auc.dropLower).toBeGreaterThan(0.01);
    const acc = row(degraded, 'overall', 'accuracy');
    // statsmodels on the same 2x2 table: b=462, c=110, two-sided chi-square p = 9.18e-49.
    expect(acc.discordant).toEqual({ b: 462, c: 110 });
    expect(acc).toMatchObject({ test: 'mcnemar-chi2', pass: false });
    expect(row(degraded, 'sex=Female', 'rocAuc').pass).toBe(false);
    expect(degraded.slices.find((s) => s.name === 'sex=Female')).toMatchObject({ judged: true, pass: false });
    expect(degraded.failures[0]).toMatch(/^overall: rocAuc 0\.8156 -> 0\.7900 \(drop 0\.0256 > allowed 0\.0100, paired-bootstrap p=0\.00498 <= 0\.05\)$/);
  });

  it('passes an equivalent model (tiny jitter): no row comes near its budget', () => {
    expect(equivalent.pass).toBe(true);
    expect(equivalent.failures).toEqual([]);
    // (Some log-loss rows may even be "significant": zero-mean noise really does raise a convex
    // loss by ~1e-5. That is exactly why significance alone must not fail a release.)
    for (const r of equivalent.rows) expect(r, `${r.slice} ${r.metric}`).toMatchObject({ exceedsBudget: false, pass: true });
    for (const r of equivalent.rows.filter((x) => x.slice === 'overall')) expect(Math.abs(r.drop)).toBeLessThan(1e-4);
    expect(row(equivalent, 'overall', 'accuracy')).toMatchObject({ discordant: { b: 0, c: 0 }, pValue: 1 });
  });

  it('slices are overall, each protected group, in a stable order', () => {
    expect(degraded.slices.map((s) => s.name)).toEqual([
      'overall',
      'sex=Female',
      'sex=Male',
      'race=Amer-Indian-Eskimo',
      'race=Asian-Pac-Islander',
      'race=Black',
      'race=Other',
      'race=White',
    ]);
    expect(degraded.rows).toHaveLength(8 * 3); // default budgets: rocAuc, accuracy, logLoss
  });

  it('a relative budget is a fraction of the baseline value', () => {
    const ll = row(degraded, 'overall', 'logLoss');
    expect(ll).toMatchObject({ kind: 'relative', budget: 0.05, direction: 'lower-is-better' });
    expect(ll.allowed).toBeCloseTo(0.05 * 0.4174496291839794, 12);
    expect(ll.drop).toBeCloseTo(0.449099074379384 - 0.4174496291839794, 12);
  });

  it('a real drop inside the budget passes (significant, but allowed by policy)', () => {
    const r = compareToBaseline({
      labels: adult.labels,
      candidate: featureDropped,
      baseline: production,
      resamples: 200,
      seed: 3,
      config: { budgets: [{ metric: 'rocAuc', budget: 0.03 }] },
    });
    expect(row(r, 'overall', 'rocAuc')).toMatchObject({ exceedsBudget: false, significant: true, pass: true });
    expect(r.pass).toBe(true);
  });

  it('a drop beyond the budget that is inside the noise passes (bootstrap)', () => {
    // Two equally good models (the same scores with independent +-0.1 noise) on 200 rows: the
    // candidate happens to score 0.0137 lower in AUC, over the 0.005 budget, but p = 0.27.
    const rng = createRng(1);
    const n = 200;
    const noisy = () => production.slice(0, n).map((v) => Math.min(1, Math.max(0, v + (rng.next() - 0.5) * 0.2)));
    const baseline = noisy();
    const candidate = noisy();
    const r = compareToBaseline({ labels: adult.labels.slice(0, n), candidate, baseline, resamples: 500, seed: 1, config: { budgets: [{ metric: 'rocAuc', budget: 0.005 }] } });
    const auc = row(r, 'overall', 'rocAuc');
    expect(auc.drop).toBeGreaterThan(0.005);
    expect(auc.pValue).toBeGreaterThan(0.05);
    expect(auc).toMatchObject({ exceedsBudget: true, significant: false, pass: true });
  });

  it('a drop beyond the budget that is inside the noise passes (McNemar)', () => {
    // +-0.1 noise on 150 rows flips 4 rows to wrong and 1 to right: accuracy -0.02 but exact p = 0.1875.
    const rng = createRng(3);
    const n = 150;
    const baseline = production.slice(0, n);
    const candidate = baseline.map((v) => Math.min(1, Math.max(0, v + (rng.next() - 0.5) * 0.2)));
    const r = compareToBaseline({ labels: adult.labels.slice(0, n), candidate, baseline, resamples: 100, config: { budgets: [{ metric: 'accuracy', budget: 0.005 }] } });
    expect(row(r, 'overall', 'accuracy')).toMatchObject({
      discordant: { b: 4, c: 1 },
      test: 'mcnemar-exact',
      pValue: expect.closeTo(0.1875, 12),
      exceedsBudget: true,
      significant: false,
      pass: true,
    });
  });

  it('catches a regression confined to one group that the overall numbers hide', () => {
    // The candidate lost capital gain for women only.
    const candidate = production.map((v, i) => (adult.sex[i] === 'Female' ? featureDropped[i] : v));
    const r = compareToBaseline({ labels: adult.labels, candidate, baseline: production, groups: { sex: adult.sex }, resamples: 200, seed: 2, config: { budgets: [{ metric: 'rocAuc', budget: 0.02 }] } });
    expect(row(r, 'overall', 'rocAuc').pass).toBe(true);
    expect(row(r, 'sex=Female', 'rocAuc')).toMatchObject({ exceedsBudget: true, significant: true, pass: false });
    expect(row(r, 'sex=Male', 'rocAuc')).toMatchObject({ drop: 0, pValue: 1, pass: true });
    expect(r.pass).toBe(false);
  });

  it('slices under minSliceSize are reported with judged: false and cannot fail', () => {
    const r = compareToBaseline({
      labels: adult.labels,
      candidate: featureDropped,
      baseline: production,
      groups: { race: adult.race },
      resamples: 100,
      config: { minSliceSize: 200, budgets: [{ metric: 'rocAuc', budget: 0 }] },
    });
    const other = r.slices.find((s) => s.name === 'race=Other');
    expect(other).toEqual({ name: 'race=Other', size: 135, judged: false, pass: true });
    expect(row(r, 'race=Amer-Indian-Eskimo', 'rocAuc')).toMatchObject({ judged: false, pass: true });
  });

  it('declared slices and intersections are gated too', () => {
    const r = compareToBaseline({
      labels: adult.labels,
      candidate: featureDropped,
      baseline: production,
      groups,
      intersections: [['sex', 'race']],
      resamples: 50,
      config: { budgets: [{ metric: 'accuracy', budget: 0.01 }], slices: [{ name: 'white men', where: { sex: 'Male', race: 'White' } }, { name: 'non-white', where: { race: ['Black', 'Asian-Pac-Islander', 'Amer-Indian-Eskimo', 'Other'] } }] },
    });
    expect(r.slices.find((s) => s.name === 'white men')?.size).toBe(9561);
    expect(r.slices.find((s) => s.name === 'non-white')?.size).toBe(159 + 480 + 1561 + 135);
    expect(r.slices.find((s) => s.name === 'sex=Male & race=White')?.size).toBe(9561);
    expect(row(r, 'white men', 'accuracy').pass).toBe(false);
  });
});

describe('regression configuration', () => {
  it('has documented defaults', () => {
    expect(regressionConfigSchema.parse({})).toEqual({
      budgets: [
        { metric: 'rocAuc', budget: 0.01, kind: 'absolute' },
        { metric: 'accuracy', budget: 0.01, kind: 'absolute' },
        { metric: 'logLoss', budget: 0.05, kind: 'relative' },
      ],
      alpha: 0.05,
      minSliceSize: 30,
      mcnemarExactBelow: 25,
      slices: [],
    });
  });

  it("a declared direction overrides the metric's natural one", () => {
    // Brier is naturally lower-is-better; declared higher-is-better, the candidate's lower Brier
    // (0.025 vs 0.125) counts as a drop of 0.1.
    const r = compareToBaseline({ labels: [0, 1, 0, 1], candidate: [0.1, 0.9, 0.2, 0.8], baseline: [0.3, 0.7, 0.4, 0.6], resamples: 20, config: { budgets: [{ metric: 'brier', budget: 0, direction: 'higher-is-better' }] } });
    expect(r.rows[0].direction).toBe('higher-is-better');
    expect(r.rows[0].drop).toBeCloseTo(0.1, 12);
  });

  it('rejects bad policies as InvalidPolicy and bad data as InvalidInput', () => {
    expect(() => parseRegressionConfig({ budgets: [{ metric: 'rocAuc', budget: -0.1 }] })).toThrow(expect.objectContaining({ type: 'InvalidPolicy' }));
    expect(() => parseRegressionConfig({ budgets: [{ metric: 'auc', budget: 0.1 }] })).toThrow(expect.objectContaining({ type: 'InvalidPolicy' }));
    expect(() => parseRegressionConfig({ budgets: [{ metric: 'rocAuc', budget: 0.1 }, { metric: 'rocAuc', budget: 0.2 }] })).toThrow(expect.objectContaining({ type: 'InvalidPolicy' }));
    expect(() => parseRegressionConfig({ alpha: 0 })).toThrow(expect.objectContaining({ type: 'InvalidPolicy' }));
    expect(() => compareToBaseline({ labels: [0, 1], candidate: [0.1, 0.9], baseline: [0.1], resamples: 1 })).toThrow(expect.objectContaining({ type: 'InvalidInput' }));
    expect(() =>
      compareToBaseline({ labels: [0, 1], candidate: [0.1, 0.9], baseline: [0.2, 0.8], resamples: 1, config: { slices: [{ name: 'x', where: { region: 'EU' } }] } }),
    ).toThrow(expect.objectContaining({ type: 'InvalidInput', location: expect.objectContaining({ column: 'region' }) }));
  });

  it('reports a calibration budget on scores that are not probabilities as not judged, with the reason, and judges the rest as usual', () => {
    // Both models' scores on a 0-10 scale: the same decisions at 5 as the probabilities at 0.5.
    const budgets = [
      { metric: 'rocAuc' as const, budget: 0.01 },
      { metric: 'accuracy' as const, budget: 0.01 },
      { metric: 'logLoss' as const, budget: 0.05, kind: 'relative' as const },
      { metric: 'ece' as const, budget: 0 },
    ];
    const options = { labels: adult.labels, groups, resamples: 50, seed: 3, config: { budgets } };
    const scaled = compareToBaseline({ ...options, candidate: featureDropped.map((p) => p * 10), baseline: production.map((p) => p * 10), threshold: 5 });
    const probabilities = compareToBaseline({ ...options, candidate: featureDropped, baseline: production, threshold: 0.5 });
    const calibration = (x: { metric: string }) => x.metric === 'logLoss' || x.metric === 'ece';
    expect(scaled.rows.filter((x) => !calibration(x))).toEqual(probabilities.rows.filter((x) => !calibration(x)));
    const skipped = scaled.rows.filter(calibration);
    expect(skipped).toHaveLength(2 * scaled.slices.length);
    for (const x of skipped) {
      expect(x).toMatchObject({ judged: false, pass: true, exceedsBudget: false });
      expect(x.note).toMatch(/^not judged: log loss, Brier score, ECE and the calibration table need probabilities in \[0, 1\]; the candidate scores range from 0\.\d+ to \d\.\d+$/);
    }
    expect(scaled.notes).toEqual([expect.stringMatching(/^logLoss budget not judged: /), expect.stringMatching(/^ece budget not judged: /)]);
    expect(probabilities.notes).toEqual([]);
    expect(scaled.failures).toEqual(probabilities.failures.filter((f) => !/: (logLoss|ece) /.test(f)));
    expect(scaled.failures.some((f) => f.startsWith('overall: rocAuc'))).toBe(true);
    expect(() => compareToBaseline({ ...options, candidate: featureDropped.map((p) => p * 10), baseline: production.map((p) => p * 10) })).toThrow(
      expect.objectContaining({ type: 'InvalidInput', location: { field: 'threshold' }, message: expect.stringContaining('the candidate scores range from') }),
    );
  });
});
