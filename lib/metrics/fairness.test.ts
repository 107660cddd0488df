import { describe, expect, it } from 'vitest';
import { adultScores, loadAdultTest } from '../../test/support/adult';
import { evaluateFairness, fairnessConfigSchema, parseFairnessConfig, type AttributeFairness } from './fairness';

/*
 * Reference values: fairlearn 0.15.0 `MetricFrame` (selection_rate, true_positive_rate,
 * false_positive_rate, false_negative_rate, sklearn precision_score, count) and
 * demographic_parity_difference/ratio, equalized_odds_difference, equal_opportunity_difference on
 * Adult adult.test with the fixed scoring rule thresholded at 0.5, sensitive features
 * df[["sex"]], df[["race"]] and df[["sex", "race"]]. Produced by
 *
 *     /tmp/venv-metrics/bin/python lib/metrics/reference_values.py /work/shared/data/adult/adult.test
 *
 * (key "fairness" of its JSON output). fairlearn judges every group, so the comparison uses
 * minGroupSize 1.
 */
const FAIRLEARN = {
  sex: {
    groups: {
      'sex=Female': { selectionRate: 0.06825308983582365, tpr: 0.3423728813559322, fpr: 0.034775408818050094, fnr: 0.6576271186440678, precision: 0.5459459459459459, count: 5421 },
      'sex=Male': { selectionRate: 0.13784530386740332, tpr: 0.3430589680589681, fpr: 0.04997369805365597, fnr: 0.6569410319410319, precision: 0.7461589846359385, count: 10860 },
    },
    demographicParityDifference: 0.06959221403157967,
    demographicParityRatio: 0.4951426557228088,
    equalizedOddsDifference: 0.015198289235605879,
    equalOpportunityDifference: 0.0006860867030358819,
  },
  race: {
    groups: {
      'race=Amer-Indian-Eskimo': { selectionRate: 0.0440251572327044, tpr: 0.15789473684210525, fpr: 0.02857142857142857, fnr: 0.8421052631578947, precision: 0.42857142857142855, count: 159 },
      'race=Asian-Pac-Islander': { selectionRate: 0.15416666666666667, tpr: 0.39097744360902253, fpr: 0.06340057636887608, fnr: 0.6090225563909775, precision: 0.7027027027027027, count: 480 },
      'race=Black': { selectionRate: 0.05637411915438821, tpr: 0.27932960893854747, fpr: 0.027496382054992764, fnr: 0.7206703910614525, precision: 0.5681818181818182, count: 1561 },
      'race=Other': { selectionRate: 0.07407407407407407, tpr: 0.32, fpr: 0.01818181818181818, fnr: 0.68, precision: 0.8, count: 135 },
      'race=White': { selectionRate: 0.12103829054926143, tpr: 0.34555873925501435, fpr: 0.046097934200459066, fnr: 0.6544412607449857, precision: 0.7144549763033176, count: 13946 },
    },
    demographicParityDifference: 0.11014150943396228,
    demographicParityRatio: 0.2855685874553799,
    equalizedOddsDifference: 0.23308270676691728,
    equalOpportunityDifference: 0.23308270676691728,
  },
  sexRace: {
    groups: {
      'sex=Female & race=Amer-Indian-Eskimo': { selectionRate: 0.030303030303030304, tpr: 0.0, fpr: 0.031746031746031744, fnr: 1.0, precision: 0.0, count: 66 },
      'sex=Female & race=Asian-Pac-Islander': { selectionRate: 0.07017543859649122, tpr: 0.2692307692307692, fpr: 0.034482758620689655, fnr: 0.7307692307692307, precision: 0.5833333333333334, count: 171 },
      'sex=Female & race=Black': { selectionRate: 0.043824701195219126, tpr: 0.35714285714285715, fpr: 0.02531645569620253, fnr: 0.6428571428571429, precision: 0.45454545454545453, count: 753 },
      'sex=Female & race=Other': { selectionRate: 0.08695652173913043, tpr: 0.6, fpr: 0.024390243902439025, fnr: 0.4, precision: 0.75, count: 46 },
      'sex=Female & race=White': { selectionRate: 0.07274800456100342, tpr: 0.3443579766536965, fpr: 0.03668302764143632, fnr: 0.6556420233463035, precision: 0.554858934169279, count: 4385 },
      'sex=Male & race=Amer-Indian-Eskimo': { selectionRate: 0.053763440860215055, tpr: 0.1875, fpr: 0.025974025974025976, fnr: 0.8125, precision: 0.6, count: 93 },
      'sex=Male & race=Asian-Pac-Islander': { selectionRate: 0.20064724919093851, tpr: 0.4205607476635514, fpr: 0.08415841584158416, fnr: 0.5794392523364486, precision: 0.7258064516129032, count: 309 },
      'sex=Male & race=Black': { selectionRate: 0.06806930693069307, tpr: 0.25547445255474455, fpr: 0.029806259314456036, fnr: 0.7445255474452555, precision: 0.6363636363636364, count: 808 },
      'sex=Male & race=Other': { selectionRate: 0.06741573033707865, tpr: 0.25, fpr: 0.014492753623188406, fnr: 0.75, precision: 0.8333333333333334, count: 89 },
      'sex=Male & race=White': { selectionRate: 0.14318585921974689, tpr: 0.34576612903225806, fpr: 0.051632498101746395, fnr: 0.6542338709677419, precision: 0.7516435354273192, count: 9561 },
    },
    demographicParityDifference: 0.1703442188879082,
    demographicParityRatio: 0.15102639296187684,
    equalizedOddsDifference: 0.6,
    equalOpportunityDifference: 0.6,
  },
};

const adult = await loadAdultTest();
const scores = adultScores(adult);
const groups = { sex: adult.sex, race: adult.race };

interface GroupRef {
  selectionRate: number;
  tpr: number;
  fpr: number;
  fnr: number;
  precision: number;
  count: number;
}
interface AttributeRef {
  groups: Record<string, GroupRef>;
  demographicParityDifference: number;
  demographicParityRatio: number;
  equalizedOddsDifference: number;
  equalOpportunityDifference: number;
}

function expectMatchesFairlearn(a: AttributeFairness, ref: AttributeRef): void {
  expect(a.groups.map((g) => g.key)).toEqual(Object.keys(ref.groups));
  for (const g of a.groups) {
    const r = ref.groups[g.key];
    expect(g.size).toBe(r.count);
    for (const k of ['selectionRate', 'tpr', 'fpr', 'fnr', 'precision'] as const) expect(g[k].value, `${g.key} ${k}`).toBeCloseTo(r[k], 12);
  }
  for (const k of ['demographicParityDifference', 'demographicParityRatio', 'equalizedOddsDifference', 'equalOpportunityDifference'] as const) {
    expect(a.disparities[k].value, k).toBeCloseTo(ref[k], 12);
  }
  // Disparate impact is min/max selection rate: the same number as the parity ratio.
  expect(a.disparities.disparateImpactRatio.value).toBeCloseTo(ref.demographicParityRatio, 12);
}

describe('fairness on Adult equals fairlearn', () => {
  const report = evaluateFairness(adult.labels, scores, groups, {
    config: { minGroupSize: 1, intersections: [['sex', 'race']] },
    resamples: 200,
    seed: 5,
  });

  it('reports sex, race and the sex x race intersection, in that order', () => {
    expect(report.attributes.map((a) => a.name)).toEqual(['sex', 'race', 'sex x race']);
    expect(report.attributes[2].groups[0].values).toEqual({ sex: 'Female', race: 'Amer-Indian-Eskimo' });
  });

  it('by sex', () => expectMatchesFairlearn(report.attributes[0], FAIRLEARN.sex));
  it('by race', () => expectMatchesFairlearn(report.attributes[1], FAIRLEARN.race));
  it('by sex x race (intersectional groups)', () => expectMatchesFairlearn(report.attributes[2], FAIRLEARN.sexRace));

  it('every group rate and every disparity carries a bootstrap interval around its estimate', () => {
    for (const a of report.attributes) {
      for (const g of a.groups) {
        expect(g.selectionRate.lower).toBeLessThanOrEqual(g.selectionRate.value);
        expect(g.selectionRate.upper).toBeGreaterThanOrEqual(g.selectionRate.value);
      }
      const dp = a.disparities.demographicParityDifference;
      expect(dp.lower).toBeLessThanOrEqual(dp.value);
      expect(dp.upper).toBeGreaterThanOrEqual(dp.value);
    }
    // The 66-row intersection has a much wider interval than the 9561-row one.
    const g = report.attributes[2].groups;
    const width = (k: number) => g[k].selectionRate.upper - g[k].selectionRate.lower;
    expect(width(0)).toBeGreaterThan(5 * width(9));
  });

  it('verdicts use the configured thresholds: default disparate impact 0.8 fails every attribute here', () => {
    expect(report.pass).toBe(false);
    expect(report.attributes[0].disparities.disparateImpactRatio).toMatchObject({ threshold: 0.8, kind: 'min', pass: false });
    expect(report.attributes[0].failures.some((f) => f.includes('disparateImpactRatio'))).toBe(true);
    // Equal opportunity by sex is tiny (0.0007) and passes the default 0.1.
    expect(report.attributes[0].disparities.equalOpportunityDifference.pass).toBe(true);
  });
});

describe('fairness configuration and small groups', () => {
  it('groups under minGroupSize are reported with judged: false and left out of the gaps', () => {
    const r = evaluateFairness(adult.labels, scores, groups, { config: { minGroupSize: 100, intersections: [['sex', 'race']] }, resamples: 50 });
    const x = r.attributes[2];
    const small = x.groups.filter((g) => !g.judged).map((g) => g.key);
    expect(small).toEqual(['sex=Female & race=Amer-Indian-Eskimo', 'sex=Female & race=Other', 'sex=Male & race=Amer-Indian-Eskimo', 'sex=Male & race=Other']);
    expect(x.judgedGroups).toBe(6);
    // Without Female & Other (TPR 0.6) and Female & AIE (TPR 0), the TPR gap is over the 6 large groups:
    // max 0.4205607476635514 (Male & API) - min 0.25547445255474455 (Male & Black).
    expect(x.disparities.equalOpportunityDifference.value).toBeCloseTo(0.4205607476635514 - 0.25547445255474455, 12);
    // Selection rates: max Male & API 0.20064724919093851, min Female & Black 0.043824701195219126.
    expect(x.disparities.demographicParityDifference.value).toBeCloseTo(0.20064724919093851 - 0.043824701195219126, 12);
    // Small groups still get their numbers.
    expect(x.groups[0].size).toBe(66);
    expect(x.groups[0].selectionRate.value).toBeCloseTo(0.030303030303030304, 12);
  });

  it('an attribute with fewer than two large-enough groups is not judged and does not fail', () => {
    const r = evaluateFairness(adult.labels, scores, { race: adult.race }, { config: { minGroupSize: 2000 }, resamples: 20 });
    expect(r.attributes[0]).toMatchObject({ judged: false, judgedGroups: 1, pass: true });
    expect(r.attributes[0].disparities.disparateImpactRatio.pass).toBeNull();
    expect(r.pass).toBe(true);
  });

  it('every threshold is configurable, and null turns a verdict off', () => {
    const loose = evaluateFairness(adult.labels, scores, { sex: adult.sex }, {
      config: { thresholds: { disparateImpactRatio: 0.45, demographicParityDifference: 0.07, equalizedOddsDifference: 0.02, equalOpportunityDifference: null, demographicParityRatio: 0.49 } },
      resamples: 20,
    });
    expect(loose.pass).toBe(true);
    expect(loose.attributes[0].disparities.equalOpportunityDifference.pass).toBeNull();
    const strict = evaluateFairness(adult.labels, scores, { sex: adult.sex }, { config: { thresholds: { equalizedOddsDifference: 0.01, disparateImpactRatio: null, demographicParityDifference: null } }, resamples: 20 });
    expect(strict.pass).toBe(false);
    expect(strict.attributes[0].failures).toEqual(['sex: equalizedOddsDifference 0.0152 > 0.01']);
  });

  it('the schema supplies documented defaults and rejects nonsense as InvalidPolicy', () => {
    expect(fairnessConfigSchema.parse({})).toEqual({
      minGroupSize: 30,
      thresholds: { demographicParityDifference: 0.1, demographicParityRatio: null, equalizedOddsDifference: 0.1, equalOpportunityDifference: 0.1, disparateImpactRatio: 0.8 },
      intersections: [],
    });
    expect(() => parseFairnessConfig({ thresholds: { disparateImpactRatio: 1.5 } })).toThrow(expect.objectContaining({ type: 'InvalidPolicy' }));
    expect(() => parseFairnessConfig({ minGroupSize: 0 })).toThrow(expect.objectContaining({ type: 'InvalidPolicy' }));
    expect(() => parseFairnessConfig({ intersections: [['sex']] })).toThrow(expect.objectContaining({ type: 'InvalidPolicy' }));
    expect(() => parseFairnessConfig({ thresholds: { fourFifths: 0.8 } })).toThrow(expect.objectContaining({ type: 'InvalidPolicy' }));
  });

  it('an unknown attribute or a column of the wrong length is InvalidInput', () => {
    expect(() => evaluateFairness(adult.labels, scores, groups, { config: { intersections: [['sex', 'age']] }, resamples: 1 })).toThrow(expect.objectContaining({ type: 'InvalidInput' }));
    expect(() => evaluateFairness([0, 1], [0.2, 0.7], { sex: ['F'] }, { resamples: 1 })).toThrow(expect.objectContaining({ type: 'InvalidInput' }));
  });

  it('a group without positives has an undefined TPR that is skipped, not counted as 0', () => {
    const labels = [1, 0, 1, 0, 0, 0];
    const s = [0.9, 0.1, 0.2, 0.8, 0.7, 0.1];
    const g = { a: ['x', 'x', 'x', 'y', 'y', 'y'] };
    const r = evaluateFairness(labels, s, g, { config: { minGroupSize: 1 }, resamples: 10 });
    expect(r.attributes[0].groups[1].tpr.value).toBeNaN();
    expect(r.attributes[0].disparities.equalOpportunityDifference.value).toBeNaN();
    // FPR gap: x has FPR 0/1 = 0, y has 2/3.
    expect(r.attributes[0].disparities.equalizedOddsDifference.value).toBeCloseTo(2 / 3, 12);
  });

  it('judges logits at threshold 0 exactly as their probabilities at 0.5, and needs that threshold', () => {
    // Clipped, since a few scores round to 1.000000; the order and the ties stay as they were.
    const logits = scores.map((p) => Math.log(Math.min(Math.max(p, 1e-9), 1 - 1e-9) / (1 - Math.min(Math.max(p, 1e-9), 1 - 1e-9))));
    const options = { config: { intersections: [['sex', 'race']] }, resamples: 30, seed: 4 };
    const fromLogits = evaluateFairness(adult.labels, logits, groups, { ...options, threshold: 0 });
    const fromProbabilities = evaluateFairness(adult.labels, scores, groups, { ...options, threshold: 0.5 });
    expect(fromLogits.attributes).toEqual(fromProbabilities.attributes);
    expect(fromLogits.threshold).toBe(0);
    expect(() => evaluateFairness(adult.labels, logits, groups, { resamples: 1 })).toThrow(expect.objectContaining({ type: 'InvalidInput', location: { field: 'threshold' } }));
  });
});
