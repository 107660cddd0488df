import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { adultScores, loadAdultTest } from '../../test/support/adult';
import { compasFile, compasRecords } from '../../test/support/compas';
import { evaluateClassifier, evaluateScoresFile, evaluationConfigSchema, formatEvaluationReport, parseEvaluationConfig } from './external';

const adult = await loadAdultTest();
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
    ['a score outside [0, 1] without a threshold', 'y,p\n0,0.1\n1,0.4\n1,1.7\n', {}, { type: 'InvalidInput', location: { file: '', row: 4, column: 'p', field: 'threshold' } }],
    ['a baseline score outside [0, 1] without a threshold', 'y,p,b\n0,0.1,-0.2\n', { baselineScore: 'b' }, { type: 'InvalidInput', location: { file: '', row: 2, column: 'b', field: 'threshold' } }],
    ['an infinite score', 'y,p\n0,0.1\n1,1e999\n', { threshold: 0.5 }, { type: 'DataContractViolation', location: { file: '', row: 3, column: 'p' } }],
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

describe('scores that are not probabilities (risk scores on their own scale, with a threshold)', () => {
  // ProPublica's COMPAS analysis: a defendant is "medium or high risk" when the decile score is 5 or
  // more, and two_year_recid says whether they were charged again within two years.
  const [header, ...records] = compasRecords();
  const at = (name: string) => header.indexOf(name);
  const decile = records.map((r) => Number(r[at('decile_score')]));
  const recid = records.map((r) => Number(r[at('two_year_recid')]));
  const race = records.map((r) => r[at('race')]);

  // Confusion counts at decile >= 5, counted here from the raw text.
  function counts(rows: number[]) {
    const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
    for (const i of rows) {
      const predicted = decile[i] >= 5;
      if (recid[i] === 1) predicted ? c.tp++ : c.fn++;
      else predicted ? c.fp++ : c.tn++;
    }
    return c;
  }
  const all = records.map((_, i) => i);
  const ofRace = (r: string) => all.filter((i) => race[i] === r);

  it("reproduces ProPublica's finding from compas-scores-two-years.csv: deciles >= 5 flag about twice as many Black as white non-reoffenders", async () => {
    const report = await evaluateScoresFile({ file: compasFile(), label: 'two_year_recid', score: 'decile_score', threshold: 5, groups: ['race'], config: { resamples: 50, seed: 1 } });
    expect(report.rows).toBe(7214);
    expect(report.positives).toBe(recid.filter((y) => y === 1).length);
    const c = counts(all);
    expect(c).toEqual({ tp: 2035, fp: 1282, tn: 2681, fn: 1216 });
    const m = report.metrics;
    expect({ tp: m.confusion.tp.value, fp: m.confusion.fp.value, tn: m.confusion.tn.value, fn: m.confusion.fn.value }).toEqual(c);
    expect(m.metrics.accuracy.value).toBeCloseTo((c.tp + c.tn) / 7214, 12);
    expect(m.metrics.precision.value).toBeCloseTo(c.tp / (c.tp + c.fp), 12);
    expect(m.metrics.recall.value).toBeCloseTo(c.tp / (c.tp + c.fn), 12);

    // ROC AUC from decile histograms: each (reoffender, non-reoffender) pair ordered right counts 1, a tie 1/2.
    const pos = new Array<number>(11).fill(0);
    const neg = new Array<number>(11).fill(0);
    all.forEach((i) => (recid[i] === 1 ? pos : neg)[decile[i]]++);
    let pairs = 0;
    for (let d = 1; d <= 10; d++) pairs += neg[d] * (pos.slice(d + 1).reduce((a, b) => a + b, 0) + 0.5 * pos[d]);
    const auc = pairs / (pos.reduce((a, b) => a + b) * neg.reduce((a, b) => a + b));
    expect(m.metrics.rocAuc.value).toBeCloseTo(auc, 12);
    expect(auc).toBeCloseTo(0.7022, 4);

    const groups = report.fairness!.attributes[0].groups;
    expect(groups.map((g) => g.key)).toEqual(['race=African-American', 'race=Asian', 'race=Caucasian', 'race=Hispanic', 'race=Native American', 'race=Other']);
    for (const g of groups) {
      const k = counts(ofRace(g.values.race));
      expect(g.size).toBe(k.tp + k.fp + k.tn + k.fn);
      expect(g.positives).toBe(k.tp + k.fn);
      expect(g.fpr.value).toBeCloseTo(k.fp / (k.fp + k.tn), 12);
      expect(g.fnr.value).toBeCloseTo(k.fn / (k.fn + k.tp), 12);
      expect(g.selectionRate.value).toBeCloseTo((k.tp + k.fp) / g.size, 12);
    }
    const black = groups.find((g) => g.key === 'race=African-American')!;
    const white = groups.find((g) => g.key === 'race=Caucasian')!;
    // ProPublica (2016): 44.9% vs 23.5% false positives; 28.0% vs 47.7% false negatives.
    expect(black.fpr.value).toBeCloseTo(805 / 1795, 12);
    expect(white.fpr.value).toBeCloseTo(349 / 1488, 12);
    expect(black.fpr.value / white.fpr.value).toBeGreaterThan(1.9);
    expect(black.fnr.value).toBeCloseTo(532 / 1901, 12);
    expect(white.fnr.value).toBeCloseTo(461 / 966, 12);
    expect(report.pass).toBe(false);
    expect(report.failures.some((f) => f.startsWith('race: equalizedOddsDifference'))).toBe(true);
  });

  it('reports no calibration for deciles and says why, in the report, its text and its JSON', async () => {
    const report = await evaluateScoresFile({ file: compasFile(), label: 'two_year_recid', score: 'decile_score', threshold: 5, config: { resamples: 20 } });
    const why = 'log loss, Brier score, ECE and the calibration table need probabilities in [0, 1]; the scores range from 1 to 10';
    expect(report.metrics.scoreRange).toEqual({ min: 1, max: 10, probabilities: false });
    expect(report.metrics.calibration).toBeNull();
    expect(report.metrics.notes).toEqual([why]);
    expect(report.notes).toEqual([why]);
    expect(Object.keys(report.metrics.metrics)).toEqual(['accuracy', 'precision', 'recall', 'f1', 'rocAuc', 'prAuc']);
    const text = formatEvaluationReport(report);
    expect(text).toContain('threshold 5,');
    expect(text).toContain('scores range from 1 to 10 (not probabilities): a row is predicted positive when its score >= 5');
    expect(text).toContain('not reported: log loss, Brier score, ECE (see Calibration)');
    expect(text).toContain(`Calibration: not reported\n  ${why}`);
    expect(text).not.toMatch(/^\s+log loss\s/m);
    const json = JSON.parse(JSON.stringify(report));
    expect(json.metrics.calibration).toBeNull();
    expect(json.notes).toEqual([why]);
    expect(json.metrics.metrics.logLoss).toBeUndefined();
    // The second copy of the score column (decile_score.1) is the same score.
    const copy = await evaluateScoresFile({ file: compasFile(), label: 'two_year_recid', score: 'decile_score.1', threshold: 5, config: { resamples: 20 } });
    expect(copy.metrics).toEqual(report.metrics);
  });

  it('asks for a threshold when scores are not probabilities, naming their range and the first such score', async () => {
    const e = await evaluateScoresFile({ file: compasFile(), label: 'two_year_recid', score: 'decile_score', config: { resamples: 5 } }).catch((x: unknown) => x);
    expect(e).toMatchObject({ type: 'InvalidInput', location: { file: compasFile(), row: 3, column: 'decile_score', field: 'threshold' } });
    expect((e as Error).message).toContain('the scores in column "decile_score" range from 1 to 10, outside [0, 1]: they are not probabilities, so there is no default threshold');
    expect(() => evaluateClassifier({ labels: [0, 1], scores: [0.2, 0.9], baselineScores: [-1, 2] })).toThrow(
      expect.objectContaining({ type: 'InvalidInput', location: { field: 'threshold' }, message: expect.stringContaining('baseline scores range from -1 to 2') }),
    );
  });

  it('treats logits with threshold 0 exactly like the probabilities with threshold 0.5, except calibration', async () => {
    const logit = (p: number) => {
      const q = Math.min(Math.max(p, 1e-9), 1 - 1e-9); // a few production scores round to 1.000000
      return Math.log(q / (1 - q));
    };
    const file = write(
      'adult-logits.csv',
      'income,p,prod_p,logit,prod_logit,sex,race\n' +
        Array.from({ length: adult.n }, (_, i) => `${adult.labels[i] ? '>50K' : '<=50K'},${featureDropped[i]},${production[i]},${logit(featureDropped[i])},${logit(production[i])},${adult.sex[i]},"${adult.race[i]}"`).join('\n') +
        '\n',
    );
    const common = { file, label: 'income', positiveLabel: '>50K', groups: ['sex', 'race'], config };
    const probs = await evaluateScoresFile({ ...common, score: 'p', baselineScore: 'prod_p', threshold: 0.5 });
    const logits = await evaluateScoresFile({ ...common, score: 'logit', baselineScore: 'prod_logit', threshold: 0 });
    const { logLoss, brier, ece, ...ranked } = probs.metrics.metrics;
    expect([logLoss, brier, ece].every((e) => e !== undefined)).toBe(true);
    expect(logits.metrics.metrics).toEqual(ranked);
    expect(logits.metrics.confusion).toEqual(probs.metrics.confusion);
    expect(logits.metrics.calibration).toBeNull();
    expect(logits.fairness!.attributes).toEqual(probs.fairness!.attributes);
    const judged = (r: typeof probs) => r.regression!.rows.filter((x) => x.metric !== 'logLoss');
    expect(judged(logits)).toEqual(judged(probs));
    const logLossRows = logits.regression!.rows.filter((x) => x.metric === 'logLoss');
    expect(logLossRows.length).toBeGreaterThan(1);
    expect(logLossRows.every((x) => !x.judged && x.pass && x.note?.startsWith('not judged: log loss, Brier score, ECE'))).toBe(true);
    expect(logits.regression!.notes).toEqual([expect.stringMatching(/^logLoss budget not judged: .* the candidate scores range from -\d+\.\d+ to \d+\.\d+$/)]);
    expect(logits.failures).toEqual(probs.failures.filter((f) => !f.includes(': logLoss ')));
    expect(logits.failures.some((f) => f.startsWith('overall: rocAuc'))).toBe(true);
    expect(formatEvaluationReport(logits)).toMatch(/overall\s+16281\s+logLoss\s+n\/a\s+n\/a\s+n\/a\s+n\/a\s+paired-bootstrap\s+1\.00\s+not judged\n/);
  });
});
