/**
 * Regression gate: is a candidate model worse than the production baseline, scored on the SAME
 * rows, by more than the policy allows?
 *
 * DECISION RULE (per metric, per slice). With `drop` = how much worse the candidate is
 * (baseline - candidate for higher-is-better metrics, candidate - baseline for lower-is-better):
 *
 *     fail  <=>  slice is judged  AND  drop > allowed  AND  p-value <= alpha
 *
 * where `allowed` is the budget (absolute) or budget x |baseline value| (relative), and the
 * p-value is for the one-sided null "the candidate is not worse" (true drop <= 0):
 * - accuracy: McNemar's test on the discordant rows (b = candidate wrong & baseline right,
 *   c = candidate right & baseline wrong). Exact one-sided binomial P(X >= b | X ~ Bin(b + c, 1/2))
 *   when b + c < `mcnemarExactBelow` (default 25, where the chi-square approximation is poor),
 *   otherwise the continuity-corrected normal form z = (b - c - 1) / sqrt(b + c), p = 1 - Phi(z)
 *   (half of statsmodels' two-sided chi-square p when b > c).
 * - every other metric: paired bootstrap. Rows are resampled with replacement, both models are
 *   scored on the same resample, and p = (1 + #{resamples with drop <= 0}) / (1 + #resamples).
 *   Pairing cancels the row-to-row difficulty both models share, so the test is far more
 *   sensitive than comparing two independent intervals. p cannot go below 1 / (resamples + 1).
 *
 * Why both conditions: a drop inside the budget is acceptable by policy even if it is real, and a
 * drop beyond the budget that the data cannot distinguish from noise (small slices, tiny
 * differences) should not block a release on a coin flip. A large, real drop fails.
 *
 * Slices: the whole set ("overall"), every value of every group column, every requested
 * intersection, and every declared slice. Slices smaller than `minSliceSize` are reported with
 * `judged: false` and never fail. Each slice is tested at `alpha` with no multiplicity correction:
 * with many slices expect occasional false alarms at rate ~alpha per (slice, metric) where the
 * candidate is truly no worse; tighten `alpha` when declaring many slices.
 *
 * Scores that are not probabilities (either model's scores outside [0, 1]): the threshold must be
 * given, and a budget on a calibration metric (logLoss, brier, ece) is reported as not judged,
 * with the reason in the row's `note`, since those metrics do not exist for such scores.
 */
import { z } from 'zod';
import { StewardError } from '../core/errors';
import { parseWith } from '../core/validation';
import {
  calibrationAbsence,
  computeMetrics,
  decisionThreshold,
  forEachResample,
  higherIsBetter,
  isCalibrationMetric,
  metricNames,
  prepareScores,
  scoreRange,
  validateBinaryInputs,
  validateLevel,
  type Labels,
  type MetricName,
  type Scores,
} from './classification';
import type { GroupColumns } from './fairness';
import { percentile } from './bootstrap';
import { multiclassHigherIsBetter, multiclassMetricNames, type MulticlassMetricName } from './multiclass';
import { regressorGateMetrics, regressorHigherIsBetter, type RegressorGateMetric } from './regressor';

/**
 * Every metric a regression budget may name: the binary classification metrics, the multiclass ones
 * and the regressor ones (`accuracy` and `logLoss` mean the same for both classification tasks). A
 * policy's cross-checks keep each budget to its task's metrics.
 */
export const gateMetricNames = [...new Set([...metricNames, ...multiclassMetricNames, ...regressorGateMetrics])] as [GateMetricName, ...GateMetricName[]];
export type GateMetricName = MetricName | MulticlassMetricName | RegressorGateMetric;

/** Whether a larger value of a budgeted metric is better. */
export const gateHigherIsBetter: Readonly<Record<GateMetricName, boolean>> = { ...higherIsBetter, ...multiclassHigherIsBetter, ...regressorHigherIsBetter };

/** One metric's budget: how much worse the candidate may be, and which way is worse. */
export const regressionBudgetSchema = z
  .object({
    metric: z.enum(gateMetricNames),
    /** Allowed worsening: in metric units (absolute) or as a fraction of the baseline value (relative). */
    budget: z.number().min(0),
    kind: z.enum(['absolute', 'relative']).default('absolute'),
    /** Defaults to the metric's natural direction (e.g. lower-is-better for logLoss). */
    direction: z.enum(['higher-is-better', 'lower-is-better']).optional(),
  })
  .strict();
/** A parsed budget. */
export type RegressionBudget = z.output<typeof regressionBudgetSchema>;

/** A declared slice: a name and equality filters over data columns, e.g. `{ name: 'EU', where: { region: ['DE', 'FR'] } }`. */
export const sliceSchema = z
  .object({
    name: z.string().min(1),
    /** Row filter: column -> accepted value(s); all conditions must hold. */
    where: z.record(z.string().min(1), z.union([z.string(), z.array(z.string()).min(1)])),
  })
  .strict();
/** A parsed slice definition. */
export type SliceDefinition = z.output<typeof sliceSchema>;

/**
 * Regression policy.
 *
 * @example
 *   regressionConfigSchema.parse({ budgets: [{ metric: 'rocAuc', budget: 0.01 }], alpha: 0.01 });
 */
export const regressionConfigSchema = z
  .object({
    budgets: z
      .array(regressionBudgetSchema)
      .min(1)
      .default([
        { metric: 'rocAuc', budget: 0.01, kind: 'absolute' },
        { metric: 'accuracy', budget: 0.01, kind: 'absolute' },
        { metric: 'logLoss', budget: 0.05, kind: 'relative' },
      ])
      .refine((b) => new Set(b.map((x) => x.metric)).size === b.length, { message: 'each metric may have only one budget' }),
    alpha: z.number().gt(0).lt(1).default(0.05),
    minSliceSize: z.number().int().min(1).default(30),
    mcnemarExactBelow: z.number().int().min(1).default(25),
    slices: z.array(sliceSchema).default([]),
  })
  .strict();
/** A parsed regression policy (defaults filled in). */
export type RegressionConfig = z.output<typeof regressionConfigSchema>;
/** A regression policy as written by a user. */
export type RegressionConfigInput = z.input<typeof regressionConfigSchema>;

/**
 * Parses a regression policy, turning zod issues into `InvalidPolicy`.
 *
 * @example
 *   parseRegressionConfig({ budgets: [{ metric: 'accuracy', budget: 0.02, kind: 'relative' }] });
 */
export function parseRegressionConfig(input: unknown): RegressionConfig {
  return parseWith(regressionConfigSchema, input ?? {}, { type: 'InvalidPolicy', what: 'regression config', field: 'regression' });
}

/** Which test produced a row's p-value. */
export type RegressionTest = 'paired-bootstrap' | 'mcnemar-exact' | 'mcnemar-chi2';

/** The verdict for one (slice, metric) pair and the numbers behind it. */
export interface RegressionRow {
  slice: string;
  size: number;
  metric: GateMetricName;
  direction: 'higher-is-better' | 'lower-is-better';
  candidate: number;
  baseline: number;
  /** Positive = candidate worse. */
  drop: number;
  /** Bootstrap percentile interval of the drop (paired). */
  dropLower: number;
  dropUpper: number;
  budget: number;
  kind: 'absolute' | 'relative';
  /** The budget in metric units. */
  allowed: number;
  test: RegressionTest;
  pValue: number;
  /** McNemar's discordant counts (accuracy rows only): b = only the candidate wrong, c = only the baseline wrong. */
  discordant?: { b: number; c: number };
  exceedsBudget: boolean;
  significant: boolean;
  judged: boolean;
  pass: boolean;
  /** Why the row is not judged whatever the slice's size (a calibration metric on scores that are not probabilities). */
  note?: string;
}

/** Whether a slice passed (all its metrics) and whether it was large enough to be judged. */
export interface SliceVerdict {
  name: string;
  size: number;
  judged: boolean;
  pass: boolean;
}

/** All rows and slice verdicts; `pass` when no judged row failed. */
export interface RegressionReport {
  alpha: number;
  threshold: number;
  resamples: number;
  seed: number;
  level: number;
  rows: RegressionRow[];
  slices: SliceVerdict[];
  pass: boolean;
  /** One line per failing row. */
  failures: string[];
  /** One line per budget that could not be judged at all, and why; empty for probabilities. */
  notes: string[];
}

/** Inputs of `compareToBaseline`: labels and both models' scores on the same rows, plus slicing. */
export interface RegressionInput {
  labels: Labels;
  candidate: Scores;
  baseline: Scores;
  /** Predicted positive when score >= threshold. Default 0.5, for probabilities only: scores outside [0, 1] need one. */
  threshold?: number;
  /** Protected groups: each value becomes a slice. */
  groups?: GroupColumns;
  /** Intersections of group columns to slice by, e.g. [['sex', 'race']]. */
  intersections?: string[][];
  /** Columns declared slices may filter on (defaults to `groups`). */
  sliceColumns?: GroupColumns;
  config?: RegressionConfigInput;
  resamples?: number;
  seed?: number;
  level?: number;
}

/**
 * Upper tail Q(z) = P(Z > z) of the standard normal, accurate in relative terms far into the tail
 * (McNemar p-values on large tables are often 1e-40 and below, and still get compared and shown).
 * |z| < 3: Marsaglia's series Phi(z) = 1/2 + phi(z) (z + z^3/3 + z^5/(3*5) + ...), where Q is not
 * small enough for the subtraction to lose relative precision. z >= 3: Laplace's continued
 * fraction for the Mills ratio, Q(z) = phi(z) / (z + 1/(z + 2/(z + 3/(z + ...)))), evaluated
 * bottom-up; it converges quickly there. Q(-z) = 1 - Q(z).
 *
 * @example
 *   normalUpperTail(1.959963984540054); // 0.025
 */
export function normalUpperTail(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  if (z < 0) return 1 - normalUpperTail(-z);
  const phi = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
  if (z < 3) {
    let term = z;
    let sum = z;
    for (let k = 3; k < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); k += 2) {
      term *= (z * z) / k;
      sum += term;
    }
    return 0.5 - phi * sum;
  }
  let frac = z;
  for (let k = 120; k >= 1; k--) frac = z + k / frac;
  return phi / frac;
}

/**
 * P(X >= k) for X ~ Binomial(m, 1/2), summed in log space so large m does not underflow early.
 *
 * @example
 *   binomialUpperTail(9, 12); // 0.072998046875
 */
export function binomialUpperTail(k: number, m: number): number {
  if (k <= 0) return 1;
  if (k > m) return 0;
  let logC = 0; // log C(m, 0)
  const terms: number[] = [];
  for (let j = 0; j <= m; j++) {
    if (j > 0) logC += Math.log(m - j + 1) - Math.log(j);
    if (j >= k) terms.push(logC - m * Math.LN2);
  }
  const top = Math.max(...terms);
  let s = 0;
  for (const t of terms) s += Math.exp(t - top);
  return Math.min(1, Math.exp(top) * s);
}

/**
 * One-sided McNemar p-value for "the candidate is less accurate than the baseline".
 * b = rows only the candidate gets wrong, c = rows only the baseline gets wrong.
 *
 * @example
 *   mcnemarOneSided(9, 3);              // { test: 'mcnemar-exact', pValue: 0.0730 }
 *   mcnemarOneSided(40, 22);            // { test: 'mcnemar-chi2', pValue: 0.0154 }
 */
export function mcnemarOneSided(b: number, c: number, exactBelow = 25): { test: RegressionTest; pValue: number } {
  const m = b + c;
  if (m === 0) return { test: 'mcnemar-exact', pValue: 1 };
  if (m < exactBelow) return { test: 'mcnemar-exact', pValue: binomialUpperTail(b, m) };
  return { test: 'mcnemar-chi2', pValue: normalUpperTail((b - c - 1) / Math.sqrt(m)) };
}

/** A named set of rows the gate judges separately. */
export interface Slice {
  name: string;
  rows: Uint32Array;
}

/**
 * The gate's slices: every row ("overall"), each value of each group column, each requested
 * intersection, each declared slice.
 */
export function buildSlices(n: number, groups: GroupColumns, intersections: string[][], declared: SliceDefinition[], sliceColumns: GroupColumns): Slice[] {
  const slices: Slice[] = [{ name: 'overall', rows: Uint32Array.from({ length: n }, (_, i) => i) }];
  const byKey = (attrs: string[]) => {
    for (const a of attrs) {
      if (!groups[a]) throw new StewardError('InvalidInput', `unknown group attribute "${a}"`, { field: a });
      if (groups[a].length !== n) throw new StewardError('InvalidInput', `group column "${a}" has ${groups[a].length} rows, labels have ${n}`, { field: a });
    }
    const map = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const key = attrs.map((a) => `${a}=${groups[a][i]}`).join(' & ');
      let list = map.get(key);
      if (!list) map.set(key, (list = []));
      list.push(i);
    }
    return [...map.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([name, rows]) => ({ name, rows: Uint32Array.from(rows) }));
  };
  for (const a of Object.keys(groups)) slices.push(...byKey([a]));
  for (const attrs of intersections) slices.push(...byKey(attrs));
  for (const d of declared) {
    const conds = Object.entries(d.where).map(([col, v]) => {
      const values = sliceColumns[col];
      if (!values) throw new StewardError('InvalidInput', `slice "${d.name}" filters on unknown column "${col}"`, { column: col, field: `slices.${d.name}` });
      return { values, accept: new Set(Array.isArray(v) ? v : [v]) };
    });
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (conds.every((c) => c.accept.has(c.values[i]))) rows.push(i);
    slices.push({ name: d.name, rows: Uint32Array.from(rows) });
  }
  return slices;
}

/**
 * Compares a candidate against the baseline on the same rows, overall and per slice.
 *
 * @example
 *   const r = compareToBaseline({ labels, candidate, baseline, groups: { sex }, config: {
 *     budgets: [{ metric: 'rocAuc', budget: 0.01 }, { metric: 'accuracy', budget: 0.005 }],
 *   } });
 *   r.pass; // false when AUC or accuracy dropped beyond budget, significantly
 */
export function compareToBaseline(input: RegressionInput): RegressionReport {
  const { labels, candidate, baseline } = input;
  validateBinaryInputs(labels, candidate, 'candidate', 'any');
  validateBinaryInputs(labels, baseline, 'baseline', 'any');
  const threshold = decisionThreshold(input.threshold, [
    { what: 'candidate scores', scores: candidate },
    { what: 'baseline scores', scores: baseline },
  ]);
  // A calibration metric exists only when both models' scores are probabilities.
  const noCalibration = calibrationAbsence(scoreRange(candidate), 'candidate scores') ?? calibrationAbsence(scoreRange(baseline), 'baseline scores');
  const { level, resamples, seed, config } = gateSettings(input);
  const n = labels.length;
  const groups = input.groups ?? {};
  const slices = buildSlices(n, groups, input.intersections ?? [], config.slices, input.sliceColumns ?? groups);

  for (const b of config.budgets) {
    if (!(metricNames as readonly string[]).includes(b.metric)) throw new StewardError('InvalidInput', `"${b.metric}" is not a binary classification metric (${metricNames.join(', ')})`, { field: 'regression.budgets' });
  }
  const budgets = config.budgets.map((b) => ({ ...b, metric: b.metric as MetricName, higher: b.direction ? b.direction === 'higher-is-better' : higherIsBetter[b.metric as MetricName] }));
  const prepared = slices.map((s) =>
    s.rows.length === 0 ? null : { c: prepareScores(labels, candidate, { threshold, rows: s.rows }), b: prepareScores(labels, baseline, { threshold, rows: s.rows }) },
  );
  const dropOf = (higher: boolean, cand: number, base: number) => (higher ? base - cand : cand - base);

  // drops[slice][budget][resample]
  const drops = slices.map(() => budgets.map(() => new Float64Array(resamples)));
  const scratch = new Float64Array(3 * 1000);
  const needed = new Set(budgets.map((b) => b.metric).filter((m) => !(noCalibration && isCalibrationMetric(m))));
  forEachResample(n, resamples, seed, (w, r) => {
    prepared.forEach((pp, s) => {
      if (!pp) return;
      const mc = computeMetrics(pp.c, w, scratch, needed);
      const mb = computeMetrics(pp.b, w, scratch, needed);
      budgets.forEach((bud, k) => (drops[s][k][r] = dropOf(bud.higher, mc[bud.metric], mb[bud.metric])));
    });
  });

  const rows: RegressionRow[] = [];
  const verdicts: SliceVerdict[] = [];
  const failures: string[] = [];
  slices.forEach((slice, s) => {
    const pp = prepared[s];
    const size = slice.rows.length;
    const judged = size >= config.minSliceSize;
    let slicePass = true;
    const pc = pp ? computeMetrics(pp.c) : null;
    const pb = pp ? computeMetrics(pp.b) : null;
    budgets.forEach((bud, k) => {
      const note = noCalibration && isCalibrationMetric(bud.metric) ? `not judged: ${noCalibration}` : undefined;
      const cand = pc ? pc[bud.metric] : Number.NaN;
      const base = pb ? pb[bud.metric] : Number.NaN;
      let test: RegressionTest = 'paired-bootstrap';
      let pValue: number;
      let discordant: { b: number; c: number } | undefined;
      if (bud.metric === 'accuracy' && pp) {
        discordant = mcnemarCounts(labels, candidate, baseline, slice.rows, threshold, bud.higher);
        ({ test, pValue } = mcnemarOneSided(discordant.b, discordant.c, config.mcnemarExactBelow));
      } else {
        pValue = bootstrapPValue(drops[s][k]);
      }
      const { row, failure } = judgeBudget({ slice: slice.name, size, judged, budget: bud, candidate: cand, baseline: base, drops: drops[s][k], level, test, pValue, discordant, note, alpha: config.alpha });
      if (failure) {
        slicePass = false;
        failures.push(failure);
      }
      rows.push(row);
    });
    verdicts.push({ name: slice.name, size, judged, pass: slicePass });
  });
  const notes = noCalibration ? budgets.filter((b) => isCalibrationMetric(b.metric)).map((b) => `${b.metric} budget not judged: ${noCalibration}`) : [];
  return { alpha: config.alpha, threshold, resamples, seed, level, rows, slices: verdicts, pass: failures.length === 0, failures, notes };
}

/**
 * The settings every gate validates the same way: the interval level, the number of paired
 * resamples (at least one, or there is no p-value), the seed and the parsed budgets and slices.
 *
 * @example
 *   const { level, resamples, seed, config } = gateSettings({ resamples: 500, config: { budgets } });
 */
export function gateSettings(input: { level?: number; resamples?: number; seed?: number; config?: RegressionConfigInput }): {
  level: number;
  resamples: number;
  seed: number;
  config: RegressionConfig;
} {
  const level = input.level ?? 0.95;
  validateLevel(level);
  const resamples = input.resamples ?? 1000;
  if (!Number.isInteger(resamples) || resamples < 1) throw new StewardError('InvalidInput', `the paired bootstrap needs at least 1 resample, got ${resamples}`, { field: 'resamples' });
  const seed = input.seed ?? 0;
  const config = parseRegressionConfig(input.config ?? {});
  return { level, resamples, seed, config };
}

/** One budget on one slice, as `judgeBudget` weighs it. */
export interface BudgetJudgement {
  slice: string;
  size: number;
  /** Whether the slice is large enough to be judged. */
  judged: boolean;
  budget: { metric: GateMetricName; budget: number; kind: 'absolute' | 'relative'; higher: boolean };
  candidate: number;
  baseline: number;
  /** The drop on every resample, paired (for its interval). */
  drops: Float64Array;
  level: number;
  test: RegressionTest;
  pValue: number;
  discordant?: { b: number; c: number };
  /** Why the budget cannot be judged on these predictions, if it cannot. */
  note?: string;
  alpha: number;
}

/**
 * The decision rule above applied to one budget on one slice: its report row, and the failure line
 * when it fails. The binary gate and the regressor / multiclass gate (paired.ts) differ only in how
 * they get the values and the p-value, so both judge through this one function and cannot drift
 * apart on the rule.
 *
 * @example
 *   const { row, failure } = judgeBudget({ slice: 'overall', size: 500, judged: true, budget, candidate: 0.81,
 *     baseline: 0.84, drops, level: 0.95, test: 'paired-bootstrap', pValue: 0.01, alpha: 0.05 });
 */
export function judgeBudget(j: BudgetJudgement): { row: RegressionRow; failure?: string } {
  const { budget: bud, candidate: cand, baseline: base, test, pValue, discordant, note } = j;
  const drop = bud.higher ? base - cand : cand - base;
  const allowed = bud.kind === 'absolute' ? bud.budget : bud.budget * Math.abs(base);
  const exceedsBudget = drop > allowed;
  const significant = pValue <= j.alpha;
  const pass = !(j.judged && !note && exceedsBudget && significant);
  const tail = ((1 - j.level) / 2) * 100;
  const row: RegressionRow = {
    slice: j.slice,
    size: j.size,
    metric: bud.metric,
    direction: bud.higher ? 'higher-is-better' : 'lower-is-better',
    candidate: cand,
    baseline: base,
    drop,
    dropLower: percentile(j.drops, tail),
    dropUpper: percentile(j.drops, 100 - tail),
    budget: bud.budget,
    kind: bud.kind,
    allowed,
    test,
    pValue,
    ...(discordant ? { discordant } : {}),
    exceedsBudget,
    significant,
    judged: j.judged && !note,
    pass,
    ...(note ? { note } : {}),
  };
  if (pass) return { row };
  return { row, failure: `${j.slice}: ${bud.metric} ${fmt(base)} -> ${fmt(cand)} (drop ${fmt(drop)} > allowed ${fmt(allowed)}, ${test} p=${pValue.toPrecision(3)} <= ${j.alpha})` };
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : String(v);
}

/** One-sided paired-bootstrap p-value for H0 "drop <= 0"; undefined resamples (NaN) are skipped. */
export function bootstrapPValue(drops: Float64Array): number {
  let valid = 0;
  let notWorse = 0;
  for (const d of drops) {
    if (Number.isNaN(d)) continue;
    valid++;
    if (d <= 0) notWorse++;
  }
  return (1 + notWorse) / (1 + valid);
}

/** Discordant counts; for a metric declared lower-is-better the roles of b and c swap. */
function mcnemarCounts(labels: Labels, cand: Scores, base: Scores, rows: Uint32Array, threshold: number, higher: boolean): { b: number; c: number } {
  let b = 0;
  let c = 0;
  for (const i of rows) {
    const okC = (cand[i] >= threshold ? 1 : 0) === labels[i];
    const okB = (base[i] >= threshold ? 1 : 0) === labels[i];
    if (!okC && okB) b++;
    else if (okC && !okB) c++;
  }
  return higher ? { b, c } : { b: c, c: b };
}

