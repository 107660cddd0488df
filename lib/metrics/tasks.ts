/**
 * The evaluation suite of a regressor and of a multiclass classifier as one call each, on arrays (the
 * release's evaluation) or on a CSV file of predictions made elsewhere (`steward eval --task
 * regression|multiclass`), and their text reports. Binary classifiers: external.ts.
 *
 * Verdict, as for binary models: the report fails when the fairness verdict fails (groups given) or
 * the regression gate fails (baseline predictions given); metrics alone never fail.
 *
 * Files (a header row; every column read as text): regression takes `--label` and `--score` (the
 * prediction) as numbers. Multiclass takes the label as text and either one probability column per
 * class (`--score p_a --score p_b ...`, or every column starting with `--score-prefix`) or one column
 * of predicted classes (`--predicted`). A probability column's class is its name without the common
 * prefix of all of them up to its last separator (`_`, `-`, `.`, `:` or a space): `p_low` and
 * `p_high` are the classes `low` and `high`, `a1` and `a2` keep their names.
 */
import { StewardError } from '../core/errors';
import { evaluationVerdict, gateOptions, parseEvaluationConfig, readTextColumns, evaluateScoresFile, formatEvaluationReport, type EvaluationConfig, type EvaluationConfigInput, type EvaluationReport, type EvaluateScoresFileInput } from './external';
import type { GroupColumns } from './fairness';
import { evaluateMulticlassFairness, evaluateRegressionFairness, type TaskFairnessReport } from './group-fairness';
import { evaluateMulticlass, multiclassMetricNames, prepareMulticlass, type MulticlassReport } from './multiclass';
import { compareTaskToBaseline } from './paired';
import type { RegressionReport } from './regression';
import { evaluateRegression, prepareRegression, regressorMetricNames, type RegressorReport } from './regressor';

/** A regressor's evaluation: metrics, fairness by group, the gate against a baseline, the verdict. */
export interface RegressorEvaluationReport {
  task: 'regression';
  source?: { file: string; label: string; score: string; baselineScore?: string; groups: string[] };
  rows: number;
  config: EvaluationConfig;
  metrics: RegressorReport;
  fairness?: TaskFairnessReport;
  regression?: RegressionReport;
  pass: boolean;
  failures: string[];
  notes: string[];
}

/** A multiclass classifier's evaluation. */
export interface MulticlassEvaluationReport {
  task: 'multiclass';
  source?: { file: string; label: string; scores?: string[]; predicted?: string; baselineScores?: string[]; baselinePredicted?: string; groups: string[] };
  rows: number;
  classes: string[];
  config: EvaluationConfig;
  metrics: MulticlassReport;
  fairness?: TaskFairnessReport;
  regression?: RegressionReport;
  pass: boolean;
  failures: string[];
  notes: string[];
}

/** Any task's evaluation report (a binary one from before the task was recorded has no `task`). */
export type TaskEvaluationReport = EvaluationReport | RegressorEvaluationReport | MulticlassEvaluationReport;

/** The task of a report. */
export function reportTask(report: TaskEvaluationReport): 'binary' | 'regression' | 'multiclass' {
  return report.task ?? 'binary';
}

/** Inputs of `evaluateRegressor`. */
export interface EvaluateRegressorInput {
  labels: ArrayLike<number>;
  predictions: ArrayLike<number>;
  groups?: GroupColumns;
  baselinePredictions?: ArrayLike<number>;
  config?: EvaluationConfigInput;
  sliceColumns?: GroupColumns;
}

/**
 * A regressor's metrics with intervals, fairness per group (`groups`) and the gate against
 * `baselinePredictions`.
 *
 * @example
 *   const report = evaluateRegressor({ labels: cnt, predictions, groups: { workingday }, baselinePredictions: prod,
 *     config: { regression: { budgets: [{ metric: 'mae', budget: 0.05, kind: 'relative' }] } } });
 */
export function evaluateRegressor(input: EvaluateRegressorInput): RegressorEvaluationReport {
  const config = parseTaskEvaluationConfig('regression', input.config);
  const boot = { resamples: config.resamples, seed: config.seed, level: config.level };
  const candidate = prepareRegression(input.labels, input.predictions);
  const baseline = input.baselinePredictions ? prepareRegression(input.labels, input.baselinePredictions, 'baseline') : undefined;
  const metrics = evaluateRegression(input.labels, input.predictions, boot);
  const groups = input.groups ?? {};
  const fairness = Object.keys(groups).length > 0 ? evaluateRegressionFairness(candidate, groups, config.fairness.errorThresholds, taskFairnessOptions(config)) : undefined;
  const regression = baseline ? compareTaskToBaseline({ predictions: { task: 'regression', candidate, baseline }, ...gateOptions(config, groups, input.sliceColumns) }) : undefined;
  return {
    task: 'regression',
    rows: metrics.n,
    config,
    metrics,
    fairness,
    regression,
    ...evaluationVerdict(metrics, fairness, regression),
  };
}

/** The fairness options of a regressor's or multiclass classifier's evaluation: the shared knobs and the policy's attributes. */
function taskFairnessOptions(config: EvaluationConfig) {
  return { resamples: config.resamples, seed: config.seed, level: config.level, minGroupSize: config.minGroupSize, intersections: config.fairness.intersections, attributes: config.fairness.attributes };
}

/** One model's multiclass predictions: class probabilities (`rows x classes`, row-major) or predicted class indices. */
export type MulticlassPrediction = { probabilities: Float64Array } | { predicted: ArrayLike<number> };

/** Inputs of `evaluateMulticlassModel`. */
export interface EvaluateMulticlassInput {
  /** Class index of each row's label. */
  labels: ArrayLike<number>;
  classes: readonly string[];
  prediction: MulticlassPrediction;
  groups?: GroupColumns;
  baseline?: MulticlassPrediction;
  config?: EvaluationConfigInput;
  sliceColumns?: GroupColumns;
}

/**
 * A multiclass classifier's metrics with intervals, per-class rates per group and the gate.
 *
 * @example
 *   const report = evaluateMulticlassModel({ labels, classes, prediction: { probabilities }, groups: { sex } });
 */
export function evaluateMulticlassModel(input: EvaluateMulticlassInput): MulticlassEvaluationReport {
  const config = parseTaskEvaluationConfig('multiclass', input.config);
  const boot = { resamples: config.resamples, seed: config.seed, level: config.level };
  const candidate = prepareMulticlass(input.labels, input.prediction, input.classes);
  const baseline = input.baseline ? prepareMulticlass(input.labels, input.baseline, input.classes, 'baseline') : undefined;
  const metrics = evaluateMulticlass(input.labels, input.prediction, input.classes, boot);
  const groups = input.groups ?? {};
  const fairness = Object.keys(groups).length > 0 ? evaluateMulticlassFairness(candidate, groups, config.fairness.classThresholds, taskFairnessOptions(config)) : undefined;
  const regression = baseline ? compareTaskToBaseline({ predictions: { task: 'multiclass', candidate, baseline }, ...gateOptions(config, groups, input.sliceColumns) }) : undefined;
  return {
    task: 'multiclass',
    rows: metrics.n,
    classes: [...input.classes],
    config,
    metrics,
    fairness,
    regression,
    ...evaluationVerdict(metrics, fairness, regression),
  };
}

/**
 * The default budgets of a task's regression gate (a policy without budgets gets these).
 *
 * @example defaultBudgets('regression'); // MAE and RMSE may not rise by more than 5%
 */
export function defaultBudgets(task: 'binary' | 'regression' | 'multiclass') {
  if (task === 'regression') {
    return [
      { metric: 'mae' as const, budget: 0.05, kind: 'relative' as const },
      { metric: 'rmse' as const, budget: 0.05, kind: 'relative' as const },
    ];
  }
  if (task === 'multiclass') {
    return [
      { metric: 'accuracy' as const, budget: 0.01, kind: 'absolute' as const },
      { metric: 'macroF1' as const, budget: 0.02, kind: 'absolute' as const },
      { metric: 'logLoss' as const, budget: 0.05, kind: 'relative' as const },
    ];
  }
  return [
    { metric: 'rocAuc' as const, budget: 0.01, kind: 'absolute' as const },
    { metric: 'accuracy' as const, budget: 0.01, kind: 'absolute' as const },
    { metric: 'logLoss' as const, budget: 0.05, kind: 'relative' as const },
  ];
}

/**
 * Parses an evaluation config for a task: without budgets of its own, the gate gets the task's
 * default budgets (the schema's defaults are the binary ones).
 *
 * @example parseTaskEvaluationConfig('regression', {}).regression.budgets[0].metric; // 'mae'
 */
export function parseTaskEvaluationConfig(task: 'binary' | 'regression' | 'multiclass', input: EvaluationConfigInput | undefined): EvaluationConfig {
  const config = parseEvaluationConfig(input ?? {});
  if (task === 'binary' || input?.regression?.budgets !== undefined) return config;
  return { ...config, regression: { ...config.regression, budgets: defaultBudgets(task).map((b) => ({ ...b })) } };
}

/** The metrics a task's budgets may name. */
export function budgetMetricsOf(task: 'binary' | 'regression' | 'multiclass'): readonly string[] {
  if (task === 'regression') return regressorMetricNames.filter((m) => m !== 'meanResidual');
  if (task === 'multiclass') return multiclassMetricNames;
  return ['accuracy', 'precision', 'recall', 'f1', 'rocAuc', 'prAuc', 'logLoss', 'brier', 'ece'];
}

// -------------------------------------------------------------------------------------------------
// Predictions made elsewhere, from a CSV file.

/** Inputs of `evaluateTaskScoresFile`: the binary inputs, or a regression / multiclass file's columns. */
export type EvaluateTaskScoresFileInput =
  | (EvaluateScoresFileInput & { task?: 'binary' })
  | { task: 'regression'; file: string; label: string; score: string; baselineScore?: string; groups?: string[]; config?: EvaluationConfigInput }
  | {
      task: 'multiclass';
      file: string;
      label: string;
      /** One probability column per class. */
      scores?: string[];
      /** Every column starting with this prefix is a class's probability; the class is the rest of the name. */
      scorePrefix?: string;
      /** A column of predicted classes (instead of probabilities). */
      predicted?: string;
      baselineScores?: string[];
      baselineScorePrefix?: string;
      baselinePredicted?: string;
      groups?: string[];
      config?: EvaluationConfigInput;
    };

const SEPARATORS = /[_\-.: ]/;

/**
 * The class of each probability column: the name without the prefix all of them share, cut after
 * its last separator.
 *
 * @example classesOfColumns(['p_low', 'p_high']); // ['low', 'high']
 */
export function classesOfColumns(columns: readonly string[]): string[] {
  if (columns.length < 2) return [...columns];
  let prefix = columns[0]!;
  for (const c of columns) while (!c.startsWith(prefix)) prefix = prefix.slice(0, -1);
  let cut = -1;
  for (let i = 0; i < prefix.length; i++) if (SEPARATORS.test(prefix[i]!)) cut = i;
  return columns.map((c) => c.slice(cut + 1));
}

/**
 * Audits a regressor's or multiclass classifier's predictions in a CSV file (binary: external.ts's
 * `evaluateScoresFile`). Data problems are `StewardError`s naming file, row and column.
 *
 * @example
 *   const report = await evaluateTaskScoresFile({ task: 'regression', file: 'bikes.csv', label: 'cnt', score: 'yhat', groups: ['season'] });
 */
export async function evaluateTaskScoresFile(input: EvaluateTaskScoresFileInput): Promise<TaskEvaluationReport> {
  if (input.task === undefined || input.task === 'binary') return evaluateScoresFile(input);
  const { file } = input;
  const table = await readTextColumns(file);
  const n = table.lines.length;
  const col = (name: string): string[] => {
    const j = table.header.indexOf(name);
    if (j < 0) throw new StewardError('DataContractViolation', `no column "${name}" in the header (columns: ${table.header.join(', ')})`, { file, row: 1, column: name });
    return table.columns[j]!;
  };
  if (n === 0) throw new StewardError('DataContractViolation', 'the file has a header but no data rows', { file });
  const numbers = (name: string, what: string): Float64Array => {
    const values = col(name);
    return Float64Array.from(values, (raw, r) => {
      const v = raw === '' ? Number.NaN : Number(raw);
      if (raw === '') throw new StewardError('DataContractViolation', `missing ${what}`, { file, row: table.lines[r], column: name });
      if (!Number.isFinite(v)) throw new StewardError('DataContractViolation', `${what} "${raw}" is not a finite number`, { file, row: table.lines[r], column: name });
      return v;
    });
  };
  const groupNames = input.groups ?? [];
  const groups: Record<string, string[]> = {};
  for (const g of groupNames) groups[g] = col(g).map((v) => (v === '' ? '(missing)' : v));
  const sliceColumns: Record<string, string[]> = {};
  table.header.forEach((h, j) => (sliceColumns[h] = table.columns[j]!));

  if (input.task === 'regression') {
    if (input.label === input.score) throw new StewardError('InvalidInput', `the label and score columns are both "${input.label}"`, { field: 'score' });
    const report = evaluateRegressor({
      labels: numbers(input.label, 'label'),
      predictions: numbers(input.score, 'prediction'),
      baselinePredictions: input.baselineScore !== undefined ? numbers(input.baselineScore, 'prediction') : undefined,
      groups,
      config: input.config,
      sliceColumns: { ...sliceColumns, ...groups },
    });
    return { ...report, source: { file, label: input.label, score: input.score, baselineScore: input.baselineScore, groups: groupNames } };
  }

  // Multiclass: the columns of one model's prediction, and their classes.
  const multi = input as Extract<EvaluateTaskScoresFileInput, { task: 'multiclass' }>;
  const choose = (scores: string[] | undefined, prefix: string | undefined, predicted: string | undefined, role: string): { scores?: string[]; classes?: string[]; predicted?: string } | undefined => {
    const given = [scores && scores.length > 0, prefix !== undefined, predicted !== undefined].filter(Boolean).length;
    if (given === 0) return undefined;
    if (given > 1) throw new StewardError('InvalidInput', `give the ${role} as probability columns (--score / --score-prefix) or as a predicted-class column (--predicted), not both`, { field: role });
    if (predicted !== undefined) return { predicted };
    const columns = prefix !== undefined ? table.header.filter((h) => h.startsWith(prefix) && h.length > prefix.length) : scores!;
    if (columns.length < 2) throw new StewardError('InvalidInput', prefix !== undefined ? `fewer than two columns start with "${prefix}" (columns: ${table.header.join(', ')})` : 'a multiclass model needs one probability column per class (at least two)', { field: role });
    return { scores: columns, classes: prefix !== undefined ? columns.map((c) => c.slice(prefix.length)) : classesOfColumns(columns) };
  };
  const mine = choose(multi.scores, multi.scorePrefix, multi.predicted, 'scores');
  if (!mine) throw new StewardError('InvalidInput', 'a multiclass evaluation needs the class probabilities (--score p_a --score p_b ..., or --score-prefix p_) or the predicted class (--predicted)', { field: 'score' });
  const theirs = choose(multi.baselineScores, multi.baselineScorePrefix, multi.baselinePredicted, 'baseline');
  const labelText = col(multi.label);
  // Class order: the probability columns' when given, else sorted label and predicted values.
  const classes = mine.classes ?? [...new Set([...labelText, ...col(mine.predicted!), ...(theirs?.predicted ? col(theirs.predicted) : [])])].filter((c) => c !== '').sort();
  if (theirs?.classes && theirs.classes.join('\u0000') !== classes.join('\u0000')) {
    throw new StewardError('InvalidInput', `the baseline's classes (${theirs.classes.join(', ')}) are not the candidate's (${classes.join(', ')})`, { field: 'baseline' });
  }
  const index = new Map(classes.map((c, k) => [c, k]));
  const classIndex = (values: string[], column: string, what: string) =>
    Int32Array.from(values, (v, r) => {
      const k = index.get(v);
      if (k === undefined) {
        throw new StewardError('DataContractViolation', v === '' ? `missing ${what}` : `${what} "${v}" is not one of the classes ${classes.join(', ')}${mine.classes ? ' (the probability columns\' classes)' : ''}`, { file, row: table.lines[r], column });
      }
      return k;
    });
  const predictionOf = (p: { scores?: string[]; predicted?: string }): MulticlassPrediction => {
    if (p.predicted !== undefined) return { predicted: classIndex(col(p.predicted), p.predicted, 'predicted class') };
    const k = p.scores!.length;
    const probabilities = new Float64Array(n * k);
    p.scores!.forEach((c, j) => numbers(c, 'probability').forEach((v, r) => (probabilities[r * k + j] = v)));
    return { probabilities };
  };
  const report = evaluateMulticlassModel({
    labels: classIndex(labelText, multi.label, 'label'),
    classes,
    prediction: predictionOf(mine),
    baseline: theirs ? predictionOf(theirs) : undefined,
    groups,
    config: multi.config,
    sliceColumns: { ...sliceColumns, ...groups },
  });
  return {
    ...report,
    source: { file, label: multi.label, scores: mine.scores, predicted: mine.predicted, baselineScores: theirs?.scores, baselinePredicted: theirs?.predicted, groups: groupNames },
  };
}

// -------------------------------------------------------------------------------------------------
// Text reports.

function num(v: number | undefined, digits = 4): string {
  return v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : v === Infinity ? 'inf' : 'n/a';
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  return rows.map((r) => '  ' + r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ')).join('\n');
}

const LABELS: Record<string, string> = {
  mae: 'MAE',
  rmse: 'RMSE',
  mse: 'MSE',
  r2: 'R^2',
  mape: 'MAPE',
  meanResidual: 'mean residual (actual - predicted)',
  accuracy: 'accuracy',
  balancedAccuracy: 'balanced accuracy',
  macroF1: 'macro F1',
  weightedF1: 'weighted F1',
  macroPrecision: 'macro precision',
  macroRecall: 'macro recall',
  logLoss: 'log loss',
  top2Accuracy: 'top-2 accuracy',
};

function fairnessText(f: TaskFairnessReport, pct: number): string[] {
  const out = ['', `Fairness (groups under ${f.minGroupSize} rows are shown but not judged)`];
  for (const a of f.attributes) {
    out.push(`  ${a.name}: ${a.judged ? (a.pass ? 'PASS' : 'FAIL') : 'NOT JUDGED (fewer than 2 large-enough groups)'}`);
    const stats = Object.keys(a.groups[0]?.stats ?? {});
    out.push(table([['group', 'n', ...stats, 'judged'], ...a.groups.map((g) => [g.key, String(g.size), ...stats.map((s) => num(g.stats[s]!.value)), g.judged ? 'yes' : 'no'])]));
    out.push(
      table([
        ['gap', 'value', `${pct}% interval`, 'threshold', 'verdict'],
        ...a.gaps.map((g) => [`${g.name}${g.class ? ` (${g.class})` : ''}`, num(g.value), `[${num(g.lower)}, ${num(g.upper)}]`, g.threshold === null ? '-' : `<= ${g.threshold}`, g.pass === null ? '-' : g.pass ? 'pass' : 'FAIL']),
      ]),
    );
  }
  return out;
}

function gateText(r: RegressionReport): string[] {
  return [
    '',
    `Regression vs baseline (fail = drop > allowed AND one-sided p <= ${r.alpha})`,
    table([
      ['slice', 'n', 'metric', 'baseline', 'candidate', 'drop', 'allowed', 'test', 'p', 'verdict'],
      ...r.rows.map((x) => [x.slice, String(x.size), x.metric, num(x.baseline), num(x.candidate), num(x.drop), num(x.allowed), x.test, x.pValue.toPrecision(3), !x.judged ? 'not judged' : x.pass ? 'pass' : 'FAIL']),
    ]),
    ...r.notes.map((n) => `  ${n}`),
  ];
}

/**
 * A report of any task as readable text.
 *
 * @example process.stdout.write(formatTaskReport(report));
 */
export function formatTaskReport(report: TaskEvaluationReport): string {
  if (report.task === undefined || report.task === 'binary') return formatEvaluationReport(report as EvaluationReport);
  return formatOtherTask(report as RegressorEvaluationReport | MulticlassEvaluationReport);
}

function formatOtherTask(report: RegressorEvaluationReport | MulticlassEvaluationReport): string {
  const out: string[] = [];
  const m = report.metrics;
  const pct = Math.round(m.level * 100);
  if (report.task === 'regression') {
    const r = report.metrics;
    out.push(report.source ? `Evaluation of ${report.source.file} (regression: label "${report.source.label}", prediction "${report.source.score}")` : 'Evaluation (regression)');
    out.push(`rows ${report.rows}, actual mean ${num(r.actual.mean, 2)} (std ${num(r.actual.std, 2)}, ${num(r.actual.min, 2)} to ${num(r.actual.max, 2)}), bootstrap ${r.resamples} resamples (seed ${r.seed}), ${pct}% intervals`);
    out.push('', 'Metrics');
    out.push(table([['metric', 'value', `${pct}% interval`], ...Object.entries(r.metrics).map(([k, e]) => [LABELS[k] ?? k, num(e.value), `[${num(e.lower)}, ${num(e.upper)}]`])]));
    const s = r.residuals;
    out.push('', 'Residuals (actual - predicted)');
    out.push(table([['mean', 'std', 'min', 'p05', 'p25', 'median', 'p75', 'p95', 'max', 'median |residual|'], [s.mean, s.std, s.min, s.p05, s.p25, s.median, s.p75, s.p95, s.max, s.medianAbsoluteError].map((v) => num(v, 2))]));
    out.push('', 'Predicted vs actual (10 bins of equal count by prediction)');
    out.push(table([['predicted', 'n', 'mean predicted', 'mean actual'], ...r.predictedVsActual.bins.map((b) => [`${num(b.predictedLow, 1)} to ${num(b.predictedHigh, 1)}`, String(b.count), num(b.meanPredicted, 2), num(b.meanActual, 2)])]));
  } else {
    const r = report.metrics;
    out.push(report.source ? `Evaluation of ${report.source.file} (multiclass: label "${report.source.label}", ${report.source.predicted ? `predicted class "${report.source.predicted}"` : `probabilities ${report.source.scores!.join(', ')}`})` : 'Evaluation (multiclass)');
    out.push(`rows ${report.rows}, classes ${r.classes.join(', ')}, bootstrap ${r.resamples} resamples (seed ${r.seed}), ${pct}% intervals`);
    out.push('', 'Metrics');
    out.push(table([['metric', 'value', `${pct}% interval`], ...Object.entries(r.metrics).map(([k, e]) => [LABELS[k] ?? k, num(e.value), `[${num(e.lower)}, ${num(e.upper)}]`])]));
    out.push('', 'Per class');
    out.push(table([['class', 'support', 'predicted', 'precision', 'recall', 'F1'], ...r.perClass.map((c) => [c.class, String(c.support), String(c.predicted), num(c.precision.value), num(c.recall.value), num(c.f1.value)])]));
    out.push('', 'Confusion matrix (rows: actual, columns: predicted)');
    out.push(table([['', ...r.classes], ...r.classes.map((c, t) => [c, ...r.confusion[t]!.map(String)])]));
  }
  for (const note of m.notes) out.push(`  ${note}`);
  if (report.fairness) out.push(...fairnessText(report.fairness, pct));
  if (report.regression) out.push(...gateText(report.regression));
  out.push('', `Verdict: ${report.pass ? 'PASS' : 'FAIL'}`);
  for (const f of report.failures) out.push(`  - ${f}`);
  return out.join('\n') + '\n';
}

/**
 * The headline numbers of a report: what the version row keeps and the workflow shows.
 *
 * @example taskHeadlineMetrics(regressorReport); // { mae: 41.2, rmse: 63.0, r2: 0.87, mape: 0.41, meanResidual: 12.1 }
 */
export function taskHeadlineMetrics(report: RegressorEvaluationReport | MulticlassEvaluationReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, e] of Object.entries(report.metrics.metrics)) if (e && Number.isFinite(e.value)) out[k] = e.value;
  return out;
}
