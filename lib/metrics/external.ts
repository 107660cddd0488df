/**
 * The evaluation suite as one call, for the training pipeline (`evaluateClassifier`, on arrays)
 * and for auditing scores produced elsewhere (`evaluateScoresFile`, behind
 * `steward eval --data <csv> --label <col> --score <col> [--threshold t] [--group <col> ...]
 * [--baseline-score <col>] [--json]`).
 *
 * Verdict: the report passes when the fairness verdict passes (if groups were given) and the
 * regression gate passes (if baseline scores were given). Plain metrics never fail on their own:
 * they have no baseline to be judged against.
 *
 * Scores may be on any finite scale (COMPAS deciles 1-10, credit scores, logits) when a threshold
 * is given; a row is predicted positive when its score >= threshold. The calibration metrics are
 * then absent and the report's `notes` say why (see classification.ts).
 */
import { z } from 'zod';
import { StewardError } from '../core/errors';
import { parseWith } from '../core/validation';
import {
  decisionThreshold,
  evaluateClassification,
  formatRange,
  scoreRange,
  thresholdNeeded,
  validateBinaryInputs,
  type ClassificationReport,
  type Labels,
  type MetricName,
  type Scores,
} from './classification';
import { readHeader, readTable } from '../data/reader';
import { disparityMetrics, evaluateFairness, fairnessConfigSchema, type FairnessReport, type GroupColumns } from './fairness';
import { compareToBaseline, regressionConfigSchema, type RegressionReport } from './regression';

/**
 * Everything that parameterises an evaluation. Shared knobs (alpha, minimum group size,
 * resamples, seed) live at the top so fairness and regression cannot disagree on them.
 *
 * @example
 *   evaluationConfigSchema.parse({
 *     resamples: 1000, seed: 7, alpha: 0.05, minGroupSize: 30,
 *     regression: { budgets: [{ metric: 'rocAuc', budget: 0.01 }] },
 *     fairness: { thresholds: { disparateImpactRatio: 0.8 }, intersections: [['sex', 'race']] },
 *   });
 */
export const evaluationConfigSchema = z
  .object({
    /** Bootstrap resamples for every interval and the paired test (default 1000). */
    resamples: z.number().int().min(1).max(100_000).default(1000),
    seed: z.number().int().default(0),
    /** Central interval level (default 0.95). */
    level: z.number().gt(0).lt(1).default(0.95),
    /** One-sided significance level of the regression tests (default 0.05). */
    alpha: z.number().gt(0).lt(1).default(0.05),
    /** Groups and slices smaller than this are reported but not judged (default 30). */
    minGroupSize: z.number().int().min(1).default(30),
    /** Calibration bins for ECE and the calibration curve (default 10). */
    calibrationBins: z.number().int().min(1).max(1000).default(10),
    regression: regressionConfigSchema.omit({ alpha: true, minSliceSize: true }).prefault({}),
    fairness: fairnessConfigSchema.omit({ minGroupSize: true }).prefault({}),
  })
  .strict();
/** A parsed evaluation config (defaults filled in). */
export type EvaluationConfig = z.output<typeof evaluationConfigSchema>;
/** An evaluation config as written by a user or a model policy. */
export type EvaluationConfigInput = z.input<typeof evaluationConfigSchema>;

/**
 * Parses an evaluation config; zod issues become `InvalidPolicy`.
 *
 * @example
 *   parseEvaluationConfig({ alpha: 0.01 }).resamples; // 1000
 */
export function parseEvaluationConfig(input: unknown): EvaluationConfig {
  return parseWith(evaluationConfigSchema, input ?? {}, { type: 'InvalidPolicy', what: 'evaluation config' });
}

/** The whole evaluation: metrics, optional fairness and regression, and the overall verdict. */
export interface EvaluationReport {
  /** The task (absent in reports stored before regressors and multiclass models were evaluated). */
  task?: 'binary';
  /** Present when the scores came from a file. */
  source?: { file: string; label: string; score: string; baselineScore?: string; groups: string[]; positiveLabel?: string };
  rows: number;
  positives: number;
  threshold: number;
  config: EvaluationConfig;
  metrics: ClassificationReport;
  fairness?: FairnessReport;
  regression?: RegressionReport;
  pass: boolean;
  /** Why the report fails (fairness and regression reasons), empty when passing. */
  failures: string[];
  /** What is not reported or not judged, and why (calibration of scores that are not probabilities). */
  notes: string[];
}

/** Inputs of `evaluateClassifier` (arrays; groups are string columns by attribute name). */
export interface EvaluateClassifierInput {
  labels: Labels;
  scores: Scores;
  /** Predicted positive when score >= threshold. Default 0.5, for probabilities only: scores outside [0, 1] need one. */
  threshold?: number;
  groups?: GroupColumns;
  baselineScores?: Scores;
  config?: EvaluationConfigInput;
  /** Extra columns declared regression slices may filter on (in addition to `groups`). */
  sliceColumns?: GroupColumns;
}

/**
 * Metrics with intervals, fairness per group/intersection (when `groups` is given) and the
 * regression gate against `baselineScores` (when given), in one deterministic report.
 *
 * @example
 *   const report = evaluateClassifier({ labels, scores, groups: { sex, race }, baselineScores: prod,
 *     config: { fairness: { intersections: [['sex', 'race']] } } });
 *   if (!report.pass) console.log(report.failures.join('\n'));
 */
export function evaluateClassifier(input: EvaluateClassifierInput): EvaluationReport {
  const config = parseEvaluationConfig(input.config ?? {});
  validateBinaryInputs(input.labels, input.scores, 'scores', 'any');
  if (input.baselineScores) validateBinaryInputs(input.labels, input.baselineScores, 'baseline', 'any');
  const threshold = decisionThreshold(input.threshold, [
    { what: 'scores', scores: input.scores },
    ...(input.baselineScores ? [{ what: 'baseline scores', scores: input.baselineScores }] : []),
  ]);
  const boot = { resamples: config.resamples, seed: config.seed, level: config.level };
  const metrics = evaluateClassification(input.labels, input.scores, { threshold, bins: config.calibrationBins, ...boot });
  const groups = input.groups ?? {};
  const hasGroups = Object.keys(groups).length > 0;
  const fairness = hasGroups
    ? evaluateFairness(input.labels, input.scores, groups, { threshold, ...boot, config: { ...config.fairness, minGroupSize: config.minGroupSize } })
    : undefined;
  const regression = input.baselineScores
    ? compareToBaseline({ labels: input.labels, candidate: input.scores, baseline: input.baselineScores, threshold, ...gateOptions(config, groups, input.sliceColumns) })
    : undefined;
  return {
    task: 'binary',
    rows: metrics.n,
    positives: metrics.positives,
    threshold,
    config,
    metrics,
    fairness,
    regression,
    ...evaluationVerdict(metrics, fairness, regression),
  };
}

/**
 * The regression gate's options from an evaluation config, the same for every task. The fairness
 * groups and intersections are slices of the gate too, so the two verdicts look at the same people,
 * and the gate takes alpha and the minimum size from the shared knobs so it cannot disagree with
 * the fairness verdict on them.
 *
 * @example
 *   compareToBaseline({ labels, candidate, baseline, threshold: 0.5, ...gateOptions(config, { sex }, undefined) });
 */
export function gateOptions(config: EvaluationConfig, groups: GroupColumns, sliceColumns: GroupColumns | undefined) {
  return {
    groups,
    intersections: config.fairness.intersections,
    sliceColumns: { ...groups, ...(sliceColumns ?? {}) },
    resamples: config.resamples,
    seed: config.seed,
    level: config.level,
    config: { ...config.regression, alpha: config.alpha, minSliceSize: config.minGroupSize },
  };
}

/**
 * The verdict of an evaluation of any task: metrics alone never fail (they have no baseline to be
 * judged against), so it fails only on the fairness verdict or the regression gate, each absent
 * when its inputs were not given.
 *
 * @example
 *   const { pass, failures } = evaluationVerdict(metrics, fairness, regression);
 */
export function evaluationVerdict(
  metrics: { notes: string[] },
  fairness: { pass: boolean; attributes: { failures: string[] }[] } | undefined,
  regression: RegressionReport | undefined,
): { pass: boolean; failures: string[]; notes: string[] } {
  const failures = [...(fairness?.attributes.flatMap((a) => a.failures) ?? []), ...(regression?.failures ?? [])];
  return {
    pass: (fairness?.pass ?? true) && (regression?.pass ?? true),
    failures,
    notes: [...metrics.notes, ...(regression?.notes ?? [])],
  };
}

/** Inputs of `evaluateScoresFile`: the CSV and which of its columns play which role. */
export interface EvaluateScoresFileInput {
  file: string;
  label: string;
  score: string;
  /** Predicted positive when score >= threshold. Default 0.5, for probabilities only: scores outside [0, 1] need one. */
  threshold?: number;
  groups?: string[];
  baselineScore?: string;
  /** The label value meaning "positive" when labels are not 0/1 (e.g. ">50K"); others are negative. */
  positiveLabel?: string;
  config?: EvaluationConfigInput;
}

/**
 * Every column of a CSV file as trimmed text, read by the data reader (no missing tokens: an empty
 * cell stays ''), with the line of each record.
 */
export async function readTextColumns(file: string): Promise<{ header: string[]; columns: string[][]; lines: Int32Array }> {
  const header = await readHeader(file);
  const t = await readTable(file, { columns: header.map((name) => ({ name, type: 'categorical' as const })), trim: true, missing: [] });
  const columns = t.columns.map((c) => (c.type === 'categorical' ? Array.from(c.codes, (k) => c.dictionary[k]) : []));
  return { header, columns, lines: t.lines };
}

const TRUE_WORDS = new Set(['1', 'true', '1.0']);
const FALSE_WORDS = new Set(['0', 'false', '0.0']);

/**
 * Audits externally produced scores in a CSV file with a header row, read by the data reader
 * (lib/data: streaming, strict quoting, UTF-8 checked). Every data problem is a `StewardError`
 * naming the file, the physical row (header = row 1) and the column: `MalformedData` for CSV syntax
 * or encoding, `DataContractViolation` for a missing column, a score that is not a finite number,
 * or a label that is not binary; `NotFound` for a missing file; `InvalidInput` for bad arguments,
 * including scores outside [0, 1] without a `threshold` (located at the first such score).
 *
 * @example
 *   const report = await evaluateScoresFile({ file: 'scores.csv', label: 'y', score: 'p', groups: ['sex'] });
 *   console.log(formatEvaluationReport(report));
 */
export async function evaluateScoresFile(input: EvaluateScoresFileInput): Promise<EvaluationReport> {
  const { file, label, score } = input;
  const groupCols = input.groups ?? [];
  if (label === score) throw new StewardError('InvalidInput', `the label and score columns are both "${label}"`, { field: 'score' });
  if (input.baselineScore !== undefined && input.baselineScore === score) {
    throw new StewardError('InvalidInput', `the baseline score column is the candidate score column "${score}"`, { field: 'baselineScore' });
  }
  // Every column is read as text (trimmed, no missing tokens: an empty score is an error here, not
  // a missing value), so labels, groups and slices see exactly what the file says.
  const table = await readTextColumns(file);
  const col = (name: string): number => {
    const j = table.header.indexOf(name);
    if (j < 0) throw new StewardError('DataContractViolation', `no column "${name}" in the header (columns: ${table.header.join(', ')})`, { file, row: 1, column: name });
    return j;
  };
  const li = col(label);
  const si = col(score);
  const bi = input.baselineScore !== undefined ? col(input.baselineScore) : -1;
  const gi = groupCols.map(col);
  const n = table.lines.length;
  if (n === 0) throw new StewardError('DataContractViolation', 'the file has a header but no data rows', { file });

  const labels = new Uint8Array(n);
  const readScores = (j: number, name: string): Float64Array => {
    const out = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const raw = table.columns[j][r];
      const v = raw === '' ? Number.NaN : Number(raw);
      if (raw === '') throw new StewardError('DataContractViolation', 'missing score', { file, row: table.lines[r], column: name });
      if (Number.isNaN(v)) throw new StewardError('DataContractViolation', `score "${raw}" is not a number`, { file, row: table.lines[r], column: name });
      if (!Number.isFinite(v)) throw new StewardError('DataContractViolation', `score "${raw}" is not a finite number`, { file, row: table.lines[r], column: name });
      out[r] = v;
    }
    // Scores on another scale are fine, but 0.5 is no default for them: name the first one outside [0, 1].
    if (input.threshold === undefined) {
      const range = scoreRange(out);
      if (!range.probabilities) {
        const first = out.findIndex((v) => !(v >= 0 && v <= 1));
        throw thresholdNeeded(`scores in column "${name}"`, range, { file, row: table.lines[first], column: name });
      }
    }
    return out;
  };
  if (input.positiveLabel !== undefined) {
    const pos = input.positiveLabel;
    let negative: string | undefined;
    for (let r = 0; r < n; r++) {
      const v = table.columns[li][r];
      if (v === pos) labels[r] = 1;
      else if (negative === undefined || v === negative) negative = v;
      else throw new StewardError('DataContractViolation', `label "${v}" is a third class (seen "${pos}" as positive and "${negative}" as negative); the label must be binary`, { file, row: table.lines[r], column: label });
    }
  } else {
    for (let r = 0; r < n; r++) {
      const v = table.columns[li][r].toLowerCase();
      if (TRUE_WORDS.has(v)) labels[r] = 1;
      else if (!FALSE_WORDS.has(v)) {
        throw new StewardError('DataContractViolation', `label "${table.columns[li][r]}" is not binary (expected 0/1 or true/false; pass positiveLabel for other encodings)`, { file, row: table.lines[r], column: label });
      }
    }
  }
  const scores = readScores(si, score);
  const baselineScores = bi >= 0 ? readScores(bi, input.baselineScore as string) : undefined;
  const groups: Record<string, string[]> = {};
  groupCols.forEach((g, k) => (groups[g] = table.columns[gi[k]].map((v) => (v === '' ? '(missing)' : v))));
  // Declared regression slices may filter on any column of the file.
  const sliceColumns: Record<string, string[]> = {};
  table.header.forEach((h, j) => (sliceColumns[h] = table.columns[j]));

  const report = evaluateClassifier({ labels, scores, threshold: input.threshold, groups, baselineScores, config: input.config, sliceColumns: { ...sliceColumns, ...groups } });
  return {
    ...report,
    source: { file, label, score, baselineScore: input.baselineScore, groups: groupCols, positiveLabel: input.positiveLabel },
  };
}

const METRIC_LABELS: Record<MetricName, string> = {
  accuracy: 'accuracy',
  precision: 'precision',
  recall: 'recall',
  f1: 'F1',
  rocAuc: 'ROC AUC',
  prAuc: 'PR AUC (avg precision)',
  logLoss: 'log loss',
  brier: 'Brier score',
  ece: 'ECE',
};

function num(v: number, digits = 4): string {
  return Number.isFinite(v) ? v.toFixed(digits) : v === Infinity ? 'inf' : 'n/a';
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => '  ' + r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ')).join('\n');
}

/**
 * Human-readable text of a report: metrics with intervals, confusion matrix, fairness per
 * attribute, regression rows and the verdict.
 *
 * @example
 *   process.stdout.write(formatEvaluationReport(report));
 */
export function formatEvaluationReport(report: EvaluationReport): string {
  const m = report.metrics;
  const pct = Math.round(m.level * 100);
  const out: string[] = [];
  out.push(report.source ? `Evaluation of ${report.source.file} (label "${report.source.label}", score "${report.source.score}")` : 'Evaluation');
  out.push(`rows ${report.rows}, positives ${report.positives}, threshold ${report.threshold}, bootstrap ${m.resamples} resamples (seed ${m.seed}), ${pct}% intervals`);
  if (!m.scoreRange.probabilities) out.push(`scores range from ${formatRange(m.scoreRange)} (not probabilities): a row is predicted positive when its score >= ${report.threshold}`);
  out.push('', 'Metrics');
  const present = (Object.keys(METRIC_LABELS) as MetricName[]).flatMap((k) => {
    const e = m.metrics[k];
    return e ? [[METRIC_LABELS[k], num(e.value), `[${num(e.lower)}, ${num(e.upper)}]`]] : [];
  });
  out.push(table([['metric', 'value', `${pct}% interval`], ...present]));
  const absent = (Object.keys(METRIC_LABELS) as MetricName[]).filter((k) => !m.metrics[k]);
  if (absent.length > 0) out.push(`  not reported: ${absent.map((k) => METRIC_LABELS[k]).join(', ')} (see Calibration)`);
  const c = m.confusion;
  out.push('', 'Confusion matrix (rows: actual, columns: predicted)');
  out.push(table([['', 'pred 0', 'pred 1'], ['actual 0', String(c.tn.value), String(c.fp.value)], ['actual 1', String(c.fn.value), String(c.tp.value)]]));
  if (m.calibration) {
    out.push('', `Calibration (${m.calibration.bins} equal-width bins)`);
    out.push(table([['bin', 'n', 'mean score', 'observed rate'], ...m.calibration.points.map((p) => [`${num(p.binLower, 2)}-${num(p.binUpper, 2)}`, String(p.count), num(p.meanPredicted), num(p.fractionPositive)])]));
  } else {
    out.push('', 'Calibration: not reported');
    for (const note of m.notes) out.push(`  ${note}`);
  }
  if (report.fairness) {
    const f = report.fairness;
    out.push('', `Fairness (groups under ${f.minGroupSize} rows are shown but not judged)`);
    for (const a of f.attributes) {
      out.push(`  ${a.name}: ${a.judged ? (a.pass ? 'PASS' : 'FAIL') : 'NOT JUDGED (fewer than 2 large-enough groups)'}`);
      out.push(
        table([
          ['group', 'n', 'selection', 'TPR', 'FPR', 'FNR', 'precision', 'judged'],
          ...a.groups.map((g) => [g.key, String(g.size), num(g.selectionRate.value), num(g.tpr.value), num(g.fpr.value), num(g.fnr.value), num(g.precision.value), g.judged ? 'yes' : 'no']),
        ]),
      );
      out.push(
        table([
          ['disparity', 'value', `${pct}% interval`, 'threshold', 'verdict'],
          ...disparityMetrics.map((k) => {
            const d = a.disparities[k];
            return [k, num(d.value), `[${num(d.lower)}, ${num(d.upper)}]`, d.threshold === null ? '-' : `${d.kind === 'max' ? '<=' : '>='} ${d.threshold}`, d.pass === null ? '-' : d.pass ? 'pass' : 'FAIL'];
          }),
        ]),
      );
    }
  }
  if (report.regression) {
    const r = report.regression;
    out.push('', `Regression vs baseline (fail = drop > allowed AND one-sided p <= ${r.alpha})`);
    out.push(
      table([
        ['slice', 'n', 'metric', 'baseline', 'candidate', 'drop', 'allowed', 'test', 'p', 'verdict'],
        ...r.rows.map((x) => [x.slice, String(x.size), x.metric, num(x.baseline), num(x.candidate), num(x.drop), num(x.allowed), x.test, x.pValue.toPrecision(3), !x.judged ? 'not judged' : x.pass ? 'pass' : 'FAIL']),
      ]),
    );
    for (const note of r.notes) out.push(`  ${note}`);
  }
  out.push('', `Verdict: ${report.pass ? 'PASS' : 'FAIL'}`);
  for (const f of report.failures) out.push(`  - ${f}`);
  return out.join('\n') + '\n';
}
