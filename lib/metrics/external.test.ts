import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { adultScores, loadAdultTest } from '../../test/support/adult-scores';
import { evaluateClassifier, evaluateScoresFile, evaluationConfigSchema, formatEvaluationReport, parseEvaluationConfig } from './external';

const adult = loadAdultTest();
const production = adultScores(adult);
const featureDropped = adultScores(adult, false);
const dir = mkdtempSync(join(tmpdir(), 'steward-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

// The whole of adult.test as an externally scored file: candidate = feature-dropped model, baseline = production.
const adultCsv = write(
  'adult-scores.csv',
  'income,score,prod_score,sex,race\n' +
    Array.from({ length: adult.n }, (_, i) => `${adult.labels[i] ? '>50K' : '<=50K'},${featureDropped[i]},${production[i]},${adult.sex[i]},"${adult.race[i]}"`).join('\n') +
    '\n',
);
const config = { resamples: 100, seed: 1, fairness: { intersections: [['sex', 'race']] } };

describe('evaluateScoresFile: auditing scores produced elsewhere', () => {
  it('gives the same report as the array API on the same data', async () => {
    const fromFile = await evaluateScoresFile({ file: adultCsv, label: 'income', positiveLabel: '>50K', score: 'score', baselineScore: 'prod_score', groups: ['sex', 'race'], config });
    const fromArrays = evaluateClassifier({ labels: adult.labels, scores: featureDropped, baselineScores: production, groups: { sex: adult.sex, race: adult.race }, config });
    expect(fromFile.metrics).toEqual(fromArrays.metrics);
    expect(fromFile.fairness).toEqual(fromArrays.fairness);
    expect(fromFile.regression).toEqual(fromArrays.regression);
    expect(fromFile.source).toEqual({ file: adultCsv, label: 'income', score: 'score', baselineScore: 'prod_score', groups: ['sex', 'race'], positiveLabel: '>50K' });
    // sklearn values for the feature-dropped model (see classification.test.ts).
    expect(fromFile.metrics.metrics.rocAuc.value).toBeCloseTo(0.7900048008353788, 12);
    expect(fromFile.rows).toBe(16281);
    expect(fromFile.positives).toBe(3846);
    expect(fromFile.pass).toBe(false);
    expect(fromFile.failures.some((f) => f.startsWith('overall: rocAuc'))).toBe(true);
    expect(fromFile.fairness?.attributes.map((a) => a.name)).toEqual(['sex', 'race', 'sex x race']);
  });

  it('without groups or baseline the report has metrics only and passes', async () => {
    const file = write('plain.csv', 'y,p\n0,0.1\n1,0.8\n1,0.4\n0,0.3\n');
    const r = await evaluateScoresFile({ file, label: 'y', score: 'p', threshold: 0.35, config: { resamples: 20 } });
    expect(r.fairness).toBeUndefined();
    expect(r.regression).toBeUndefined();
    expect(r.pass).toBe(true);
    expect(r.metrics.confusion.tp.value).toBe(2);
    expect(r.metrics.metrics.rocAuc.value).toBe(1);
  });

  it('accepts true/false labels and blank group values as "(missing)"', async () => {
    const file = write('bool.csv', 'y,p,g\ntrue,0.9,a\nFALSE,0.2,\n');
    const r = await evaluateScoresFile({ file, label: 'y', score: 'p', groups: ['g'], config: { resamples: 5, minGroupSize: 1 } });
    expect(r.fairness?.attributes[0].groups.map((g) => g.key)).toEqual(['g=(missing)', 'g=a']);
  });

  const bad: [string, string, Record<string, unknown>, object][] = [
    ['a missing label column', 'y,p\n0,0.1\n', { label: 'target' }, { type: 'DataContractViolation', location: { file: '', row: 1, column: 'target' } }],
    ['a missing group column', 'y,p\n0,0.1\n', { groups: ['sex'] }, { type: 'DataContractViolation', location: { file: '', row: 1, column: 'sex' } }],
    ['a non-numeric score', 'y,p\n0,0.1\n1,high\n', {}, { type: 'DataContractViolation', location: { file: '', row: 3, column: 'p' } }],
    ['an empty score', 'y,p\n0,0.1\n1,\n', {}, { type: 'DataContractViolation', location: { file: '', row: 3, column: 'p' } }],
    ['a score outside [0, 1]', 'y,p\n0,0.1\n1,0.4\n1,1.7\n', {}, { type: 'DataContractViolation', location: { file: '', row: 4, column: 'p' } }],
    ['a baseline score outside [0, 1]', 'y,p,b\n0,0.1,-0.2\n', { baselineScore: 'b' }, { type: 'DataContractViolation', location: { file: '', row: 2, column: 'b' } }],
    ['a label that is not binary', 'y,p\n0,0.1\n2,0.4\n', {}, { type: 'DataContractViolation', location: { file: '', row: 3, column: 'y' } }],
    ['a third class with positiveLabel', 'y,p\nyes,0.1\nno,0.4\nmaybe,0.5\n', { positiveLabel: 'yes' }, { type: 'DataContractViolation', location: { file: '', row: 4, column: 'y' } }],
    ['a ragged row', 'y,p\n0,0.1\n1,0.4,extra\n', {}, { type: 'MalformedData', location: { file: '', row: 3 } }],
    ['an unterminated quote', 'y,p\n0,0.1\n1,"0.4\n', {}, { type: 'MalformedData', location: { file: '', row: 3 } }],
    ['a header without rows', 'y,p\n', {}, { type: 'DataContractViolation' }],
  ];
  for (const [what, text, args, expected] of bad) {
    it(`rejects ${what}, naming file, row and column`, async () => {
      const file = write(`bad-${what.replace(/\W+/g, '-')}.csv`, text);
      const loc = (expected as { location?: { file: string } }).location;
      if (loc) loc.file = file;
      await expect(evaluateScoresFile({ file, label: 'y', score: 'p', config: { resamples: 5 }, ...args })).rejects.toMatchObject(expected);
    });
  }

  it('rejects a file that does not exist (NotFound) and contradictory arguments (InvalidInput)', async () => {
    await expect(evaluateScoresFile({ file: join(dir, 'nope.csv'), label: 'y', score: 'p' })).rejects.toMatchObject({ type: 'NotFound', location: { file: join(dir, 'nope.csv') } });
    await expect(evaluateScoresFile({ file: adultCsv, label: 'score', score: 'score' })).rejects.toMatchObject({ type: 'InvalidInput' });
  });

  it('an invalid config is InvalidPolicy', async () => {
    await expect(evaluateScoresFile({ file: adultCsv, label: 'income', positiveLabel: '>50K', score: 'score', config: { alpha: 2 } as never })).rejects.toMatchObject({ type: 'InvalidPolicy' });
    expect(() => parseEvaluationConfig({ regression: { budgets: [] } })).toThrow(expect.objectContaining({ type: 'InvalidPolicy' }));
  });
});

describe('the evaluation config', () => {
  it('bundles budgets, fairness thresholds, min group size, resamples, alpha and seed with defaults', () => {
    const c = evaluationConfigSchema.parse({});
    expect(c).toMatchObject({ resamples: 1000, seed: 0, level: 0.95, alpha: 0.05, minGroupSize: 30, calibrationBins: 10 });
    expect(c.regression.budgets.map((b) => b.metric)).toEqual(['rocAuc', 'accuracy', 'logLoss']);
    expect(c.fairness.thresholds.disparateImpactRatio).toBe(0.8);
  });

  it('minGroupSize and alpha apply to both fairness and regression', () => {
    const r = evaluateClassifier({
      labels: adult.labels,
      scores: featureDropped,
      baselineScores: production,
      groups: { race: adult.race },
      config: { resamples: 50, minGroupSize: 200, alpha: 0.01 },
    });
    expect(r.fairness?.attributes[0].groups.filter((g) => !g.judged).map((g) => g.key)).toEqual(['race=Amer-Indian-Eskimo', 'race=Other']);
    expect(r.regression?.slices.filter((s) => !s.judged).map((s) => s.name)).toEqual(['race=Amer-Indian-Eskimo', 'race=Other']);
    expect(r.regression?.alpha).toBe(0.01);
  });
});

describe('formatEvaluationReport', () => {
  it('prints metrics with intervals, the confusion matrix, fairness, regression and the verdict', async () => {
    const r = await evaluateScoresFile({ file: adultCsv, label: 'income', positiveLabel: '>50K', score: 'score', baselineScore: 'prod_score', groups: ['sex', 'race'], config });
    const text = formatEvaluationReport(r);
    if (process.env.SHOW_REPORT) console.log(text);
    expect(text).toContain(`Evaluation of ${adultCsv} (label "income", score "score")`);
    expect(text).toContain('rows 16281, positives 3846, threshold 0.5, bootstrap 100 resamples (seed 1), 95% intervals');
    expect(text).toMatch(/ROC AUC\s+0\.7900\s+\[0\.\d{4}, 0\.\d{4}\]/);
    expect(text).toMatch(/actual 1\s+2989\s+857/);
    expect(text).toContain('sex: FAIL');
    expect(text).toMatch(/disparateImpactRatio\s+0\.\d{4}\s+\[.*\]\s+>= 0\.8\s+FAIL/);
    expect(text).toMatch(/overall\s+16281\s+rocAuc\s+0\.8156\s+0\.7900\s+0\.0256\s+0\.0100\s+paired-bootstrap\s+0\.0099\d*\s+FAIL/);
    expect(text).toContain('Verdict: FAIL');
  });
});
