/**
 * Timing of the evaluation suite on UCI Adult adult.test (16281 rows) with the fixed scoring rule
 * of lib/metrics/adult-fixture.ts: metrics with 1000 bootstrap resamples, fairness by sex, race and
 * sex x race with intervals, the regression gate against the feature-dropped model, the whole
 * `evaluateClassifier` call and the CSV audit path.
 *
 *   npx tsx bench/eval/run.ts [--resamples 1000] [--repeats 3]
 *
 * Each step runs once untimed (JIT warm-up at 50 resamples) and then `repeats` times; the table
 * shows the median and the fastest run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { adultScores, loadAdultTest } from '../../test/support/adult';
import { evaluateClassification } from '../../lib/metrics/classification';
import { evaluateClassifier, evaluateScoresFile } from '../../lib/metrics/external';
import { evaluateFairness } from '../../lib/metrics/fairness';
import { compareToBaseline } from '../../lib/metrics/regression';

const { values } = parseArgs({ options: { resamples: { type: 'string', default: '1000' }, repeats: { type: 'string', default: '3' } } });
const resamples = Number(values.resamples);
const repeats = Number(values.repeats);

const t0 = performance.now();
const adult = await loadAdultTest();
const candidate = adultScores(adult, false);
const baseline = adultScores(adult);
const loadMs = performance.now() - t0;
const groups = { sex: adult.sex, race: adult.race };
const intersections = [['sex', 'race']];

const dir = mkdtempSync(join(tmpdir(), 'steward-bench-eval-'));
const csv = join(dir, 'scores.csv');
writeFileSync(csv, 'y,score,prod,sex,race\n' + Array.from({ length: adult.n }, (_, i) => `${adult.labels[i]},${candidate[i]},${baseline[i]},${adult.sex[i]},${adult.race[i]}`).join('\n') + '\n');

const steps: [string, (b: number) => unknown][] = [
  ['metrics (9 metrics + confusion, bootstrap)', (b) => evaluateClassification(adult.labels, candidate, { resamples: b, seed: 1 })],
  ['fairness sex, race, sex x race (intervals)', (b) => evaluateFairness(adult.labels, candidate, groups, { resamples: b, seed: 1, config: { intersections } })],
  ['regression vs baseline (18 slices x 3 budgets)', (b) => compareToBaseline({ labels: adult.labels, candidate, baseline, groups, intersections, resamples: b, seed: 1 })],
  ['evaluateClassifier (all of the above)', (b) => evaluateClassifier({ labels: adult.labels, scores: candidate, baselineScores: baseline, groups, config: { resamples: b, seed: 1, fairness: { intersections } } })],
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const rows: [string, string, string][] = [['step', 'median ms', 'min ms']];
rows.push(['load adult.test + score 2 models', loadMs.toFixed(0), loadMs.toFixed(0)]);
for (const [name, run] of steps) {
  run(50);
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    run(resamples);
    times.push(performance.now() - t);
  }
  rows.push([name, median(times).toFixed(0), Math.min(...times).toFixed(0)]);
}
{
  const run = () => evaluateScoresFile({ file: csv, label: 'y', score: 'score', baselineScore: 'prod', groups: ['sex', 'race'], config: { resamples, seed: 1, fairness: { intersections } } });
  await evaluateScoresFile({ file: csv, label: 'y', score: 'score', config: { resamples: 50 } });
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  rows.push(['evaluateScoresFile (CSV read + validate + all)', median(times).toFixed(0), Math.min(...times).toFixed(0)]);
}
rmSync(dir, { recursive: true, force: true });

const w = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
console.log(`Evaluation suite on adult.test: ${adult.n} rows, ${resamples} bootstrap resamples, ${repeats} timed runs per step (node ${process.version})`);
for (const [i, r] of rows.entries()) {
  console.log(r.map((c, j) => (j === 0 ? c.padEnd(w[j]) : c.padStart(w[j]))).join('  '));
  if (i === 0) console.log(w.map((x) => '-'.repeat(x)).join('  '));
}
