/**
 * The regression gate for regressors and multiclass classifiers: is the candidate worse than the
 * production model on the same rows, per slice, by more than the policy allows? The decision rule
 * and the slices are the binary gate's (regression.ts): fail when the slice is judged, the drop
 * exceeds the budget and the one-sided test says it is real (p <= alpha).
 *
 * The tests are paired on per-row losses: both models are scored on the same bootstrap resample of
 * the rows, so what the two share (hard rows, a busy hour) cancels out.
 * - Regression: MAE is the mean absolute error per row, MSE / RMSE the mean squared error, so their
 *   drop is the mean of the per-row differences of absolute or squared error between the models;
 *   R^2 and MAPE are judged the same way. p = (1 + #{resamples whose drop <= 0}) / (1 + #resamples).
 * - Multiclass: accuracy by McNemar's test on the rows only one model gets right (as for binary
 *   models); log loss (per-row losses), macro F1 and the other metrics by the paired bootstrap.
 *
 * A budget on a metric the predictions cannot give (MAPE with zero actual values, log loss from
 * predicted classes only) is reported as not judged, with the reason in its row's `note`.
 */
import { StewardError } from '../core/errors';
import { forEachResample } from './classification';
import { multiclassMetricNames, multiclassMetrics, probabilityMetricNames, type PreparedMulticlass } from './multiclass';
import {
  bootstrapPValue,
  buildSlices,
  gateHigherIsBetter,
  gateSettings,
  judgeBudget,
  mcnemarOneSided,
  type RegressionInput,
  type RegressionReport,
  type RegressionRow,
  type RegressionTest,
  type SliceVerdict,
} from './regression';
import { regressionMetrics, regressorGateMetrics, type PreparedRegression } from './regressor';

/** Both models' prepared predictions on the same rows, for one task. */
export type PairedPredictions =
  | { task: 'regression'; candidate: PreparedRegression; baseline: PreparedRegression }
  | { task: 'multiclass'; candidate: PreparedMulticlass; baseline: PreparedMulticlass };

/** Inputs of `compareTaskToBaseline`: both models' predictions, and the binary gate's slicing and settings. */
export interface PairedGateInput extends Omit<RegressionInput, 'labels' | 'candidate' | 'baseline' | 'threshold'> {
  predictions: PairedPredictions;
}

/**
 * The gate of a regressor or multiclass classifier against production, overall and per slice.
 *
 * @example
 *   const r = compareTaskToBaseline({
 *     predictions: { task: 'regression', candidate: prepareRegression(cnt, yhat), baseline: prepareRegression(cnt, yhatProd) },
 *     groups: { workingday }, config: { budgets: [{ metric: 'mae', budget: 0.05, kind: 'relative' }] },
 *   });
 *   r.pass; // false when MAE rose by more than 5%, significantly
 */
export function compareTaskToBaseline(input: PairedGateInput): RegressionReport {
  const { predictions } = input;
  const { task } = predictions;
  const n = predictions.candidate.n;
  if (predictions.baseline.n !== n) throw new StewardError('InvalidInput', `the candidate has ${n} rows, the baseline ${predictions.baseline.n}`, { field: 'baseline' });
  const { level, resamples, seed, config } = gateSettings(input);
  const allowedMetrics: readonly string[] = task === 'regression' ? regressorGateMetrics : multiclassMetricNames;
  for (const b of config.budgets) {
    if (!allowedMetrics.includes(b.metric)) throw new StewardError('InvalidInput', `"${b.metric}" is not a ${task} metric (${allowedMetrics.join(', ')})`, { field: 'regression.budgets' });
  }
  const groups = input.groups ?? {};
  const slices = buildSlices(n, groups, input.intersections ?? [], config.slices, input.sliceColumns ?? groups);

  // Why a budget cannot be judged on these predictions, if it cannot.
  const absence = (metric: string): string | undefined => {
    if (predictions.task === 'regression') {
      if (metric === 'mape' && !(predictions.candidate.mapeDefined && predictions.baseline.mapeDefined)) return 'not judged: some actual values are 0, where MAPE is undefined';
    } else if ((probabilityMetricNames as readonly string[]).includes(metric) && !(predictions.candidate.logLoss && predictions.baseline.logLoss)) {
      return `not judged: ${metric} needs class probabilities from both models`;
    }
    return undefined;
  };
  const budgets = config.budgets.map((b) => ({ ...b, higher: b.direction ? b.direction === 'higher-is-better' : gateHigherIsBetter[b.metric], note: absence(b.metric) }));
  const dropOf = (higher: boolean, cand: number, base: number) => (higher ? base - cand : cand - base);
  const scratch = new Float64Array(task === 'multiclass' ? predictions.candidate.classes.length ** 2 : 0);
  const valuesOf = (which: 'candidate' | 'baseline', w: Uint32Array | undefined, rows: Uint32Array): Record<string, number> =>
    predictions.task === 'regression' ? regressionMetrics(predictions[which], w, rows) : multiclassMetrics(predictions[which], w, rows, scratch);

  const drops = slices.map(() => budgets.map(() => new Float64Array(resamples)));
  forEachResample(n, resamples, seed, (w, r) => {
    slices.forEach((slice, s) => {
      if (slice.rows.length === 0) return;
      const mc = valuesOf('candidate', w, slice.rows);
      const mb = valuesOf('baseline', w, slice.rows);
      budgets.forEach((bud, k) => (drops[s][k][r] = dropOf(bud.higher, mc[bud.metric]!, mb[bud.metric]!)));
    });
  });

  const rows: RegressionRow[] = [];
  const verdicts: SliceVerdict[] = [];
  const failures: string[] = [];
  slices.forEach((slice, s) => {
    const size = slice.rows.length;
    const judged = size >= config.minSliceSize;
    let slicePass = true;
    const pc = size > 0 ? valuesOf('candidate', undefined, slice.rows) : null;
    const pb = size > 0 ? valuesOf('baseline', undefined, slice.rows) : null;
    budgets.forEach((bud, k) => {
      const cand = pc ? pc[bud.metric]! : Number.NaN;
      const base = pb ? pb[bud.metric]! : Number.NaN;
      let test: RegressionTest = 'paired-bootstrap';
      let pValue: number;
      let discordant: { b: number; c: number } | undefined;
      if (predictions.task === 'multiclass' && bud.metric === 'accuracy' && size > 0) {
        let b = 0;
        let c = 0;
        for (const i of slice.rows) {
          const okC = predictions.candidate.predicted[i] === predictions.candidate.actual[i];
          const okB = predictions.baseline.predicted[i] === predictions.baseline.actual[i];
          if (!okC && okB) b++;
          else if (okC && !okB) c++;
        }
        discordant = bud.higher ? { b, c } : { b: c, c: b };
        ({ test, pValue } = mcnemarOneSided(discordant.b, discordant.c, config.mcnemarExactBelow));
      } else {
        pValue = bootstrapPValue(drops[s][k]);
      }
      const { row, failure } = judgeBudget({ slice: slice.name, size, judged, budget: bud, candidate: cand, baseline: base, drops: drops[s][k], level, test, pValue, discordant, note: bud.note, alpha: config.alpha });
      if (failure) {
        slicePass = false;
        failures.push(failure);
      }
      rows.push(row);
    });
    verdicts.push({ name: slice.name, size, judged, pass: slicePass });
  });
  const notes = budgets.filter((b) => b.note).map((b) => `${b.metric} budget ${b.note}`);
  return { alpha: config.alpha, threshold: Number.NaN, resamples, seed, level, rows, slices: verdicts, pass: failures.length === 0, failures, notes };
}
