/**
 * The input of a model card: everything Steward knows about one model version, gathered from the
 * policy, the data profiles, the evaluation, the registry and the sign-off, in one JSON-serialisable
 * document. The layout follows Mitchell et al., "Model Cards for Model Reporting" (details, intended
 * use, factors, metrics, evaluation/training data, quantitative analyses, ethical considerations,
 * caveats), extended with what a promotion decision needs (regression against production, latency,
 * lineage, approvals, gate outcome).
 *
 * Almost every section is optional: a card is rendered at every stage of a version's life, and a
 * missing section means "not evaluated", which the renderers say explicitly rather than hiding it.
 *
 * Numbers that may be impossible to compute (a TPR for a group with no positives, a p-value for a
 * degenerate comparison) are `number | null`: JSON has no NaN, so `null` is the only portable way
 * to say "not computable". The renderers show it, and any stray NaN/Infinity, as "n/a".
 */
import { z } from 'zod';

/** A statistic that may be impossible to compute; `null` means "not computable" and renders as "n/a". */
const maybeNumber = z.number().nullable();

const nonNegativeInt = z.number().int().nonnegative();

/** ISO-8601 instant; offsets are accepted because approvals may be recorded in local time. */
const instant = z.iso.datetime({ offset: true });

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256 digest');

/** A pass/fail judgement; `inconclusive` when the evidence cannot decide (small groups, wide intervals). */
export const verdictSchema = z.enum(['pass', 'fail', 'inconclusive']);
export type Verdict = z.infer<typeof verdictSchema>;

/**
 * A point estimate with an optional 95% interval. Bounds are optional because not every estimate
 * comes with one (e.g. a metric computed on the full population).
 *
 * @example
 *   const tpr: Estimate = { value: 0.61, low: 0.57, high: 0.65 };
 */
export const estimateSchema = z.object({
  value: maybeNumber,
  /** Lower bound of the 95% interval. */
  low: maybeNumber.optional(),
  /** Upper bound of the 95% interval. */
  high: maybeNumber.optional(),
});
export type Estimate = z.infer<typeof estimateSchema>;

/**
 * A short profile of one column of a data set. Numeric columns summarise with mean/std, categorical
 * ones with their most frequent categories (shares are fractions of all rows, missing included).
 *
 * @example
 *   const age: ColumnProfile = { name: 'age', type: 'numeric', missingShare: 0, mean: 38.6, std: 13.7, min: 17, max: 90 };
 */
export const columnProfileSchema = z.discriminatedUnion('type', [
  z.object({
    name: z.string().min(1),
    type: z.literal('numeric'),
    /** Fraction of rows with no value, in [0, 1]. */
    missingShare: z.number().min(0).max(1),
    mean: maybeNumber,
    std: maybeNumber,
    min: maybeNumber.optional(),
    max: maybeNumber.optional(),
  }),
  z.object({
    name: z.string().min(1),
    type: z.literal('categorical'),
    missingShare: z.number().min(0).max(1),
    /** Number of distinct non-missing values. */
    distinct: nonNegativeInt.optional(),
    /** Most frequent categories, most frequent first. */
    topCategories: z.array(z.object({ value: z.string(), share: z.number().min(0).max(1) })),
  }),
]);
export type ColumnProfile = z.infer<typeof columnProfileSchema>;

/**
 * One data file as it was used: identity (name + content hash) and a column profile.
 *
 * @example
 *   const data: DatasetSummary = { fileName: 'adult.train.csv', sha256: 'ab…', rows: 32561, columns: [] };
 */
export const datasetSummarySchema = z.object({
  fileName: z.string().min(1),
  sha256,
  rows: nonNegativeInt,
  columns: z.array(columnProfileSchema),
});
export type DatasetSummary = z.infer<typeof datasetSummarySchema>;

/**
 * A headline metric on the evaluation data with its 95% interval.
 *
 * @example
 *   const auc: Metric = { name: 'ROC AUC', value: 0.905, low: 0.899, high: 0.911 };
 */
export const metricSchema = estimateSchema.extend({ name: z.string().min(1) });
export type Metric = z.infer<typeof metricSchema>;

/** The per-group rates a fairness analysis compares. */
export const groupMetricKeys = ['selectionRate', 'tpr', 'fpr'] as const;
export type GroupMetricKey = (typeof groupMetricKeys)[number];

/**
 * One group of a breakdown. `judged: false` marks a group too small to judge: it is reported so
 * nobody is silently left out, but it does not count towards the gaps.
 *
 * @example
 *   const g: FairnessGroup = {
 *     group: 'Female', size: 5421, judged: true,
 *     selectionRate: { value: 0.11, low: 0.10, high: 0.12 },
 *     tpr: { value: 0.58, low: 0.54, high: 0.62 },
 *     fpr: { value: 0.02, low: 0.015, high: 0.025 },
 *   };
 */
export const fairnessGroupSchema = z.object({
  /** Display label, e.g. "Female" or "Female × Black" for an intersection. */
  group: z.string(),
  size: nonNegativeInt,
  judged: z.boolean(),
  selectionRate: estimateSchema,
  tpr: estimateSchema,
  fpr: estimateSchema,
});
export type FairnessGroup = z.infer<typeof fairnessGroupSchema>;

/**
 * A summary gap over the judged groups of one breakdown, checked against the policy's threshold.
 * A `difference` (max − min) passes when at most `threshold`; a `ratio` (min / max) passes when at
 * least `threshold` (e.g. the four-fifths rule).
 *
 * @example
 *   const dp: FairnessGap = {
 *     name: 'Demographic parity difference', metric: 'selectionRate', kind: 'difference',
 *     value: 0.19, low: 0.17, high: 0.21, threshold: 0.1, verdict: 'fail',
 *   };
 */
export const fairnessGapSchema = z.object({
  name: z.string().min(1),
  metric: z.enum(groupMetricKeys),
  kind: z.enum(['difference', 'ratio']),
  value: maybeNumber,
  low: maybeNumber.optional(),
  high: maybeNumber.optional(),
  threshold: z.number(),
  verdict: verdictSchema,
});
export type FairnessGap = z.infer<typeof fairnessGapSchema>;

/**
 * The groups of one protected attribute, or of an intersection of several.
 *
 * @example
 *   const bySex: FairnessBreakdown = { attributes: ['sex'], minGroupSize: 30, groups: [], gaps: [] };
 */
export const fairnessBreakdownSchema = z.object({
  /** One attribute (e.g. `['sex']`) or an intersection (e.g. `['sex', 'race']`). */
  attributes: z.array(z.string().min(1)).min(1),
  /** Groups smaller than this are reported but not judged. */
  minGroupSize: nonNegativeInt.optional(),
  groups: z.array(fairnessGroupSchema),
  gaps: z.array(fairnessGapSchema),
});
export type FairnessBreakdown = z.infer<typeof fairnessBreakdownSchema>;

/**
 * One bin of a reliability diagram: mean predicted probability vs observed positive rate.
 *
 * @example
 *   const bin: CalibrationBin = { low: 0.3, high: 0.4, meanPredicted: 0.35, observed: 0.33, count: 1210 };
 */
export const calibrationBinSchema = z.object({
  low: z.number().min(0).max(1).optional(),
  high: z.number().min(0).max(1).optional(),
  meanPredicted: maybeNumber,
  observed: maybeNumber,
  count: nonNegativeInt,
});
export type CalibrationBin = z.infer<typeof calibrationBinSchema>;

/**
 * Permutation importance of one feature: the drop in `metric` when the feature is shuffled, over
 * several repeats. `deltaVsProduction` is this mean minus the production model's, when one exists.
 *
 * @example
 *   const f: FeatureImportance = { feature: 'capital_gain', mean: 0.041, std: 0.003, deltaVsProduction: 0.006 };
 */
export const featureImportanceSchema = z.object({
  feature: z.string().min(1),
  mean: maybeNumber,
  std: maybeNumber,
  deltaVsProduction: maybeNumber.optional(),
});
export type FeatureImportance = z.infer<typeof featureImportanceSchema>;

/**
 * The candidate compared with production on one metric. `difference` is candidate − production;
 * `budget` is the largest degradation the policy tolerates.
 *
 * @example
 *   const r: RegressionComparison = {
 *     metric: 'ROC AUC', candidate: 0.905, production: 0.902, difference: 0.003,
 *     budget: 0.01, pValue: 0.21, verdict: 'pass',
 *   };
 */
export const regressionComparisonSchema = z.object({
  metric: z.string().min(1),
  candidate: maybeNumber,
  production: maybeNumber,
  difference: maybeNumber,
  budget: z.number(),
  pValue: maybeNumber,
  verdict: verdictSchema,
});
export type RegressionComparison = z.infer<typeof regressionComparisonSchema>;

const percentilesSchema = z.object({ p50: maybeNumber, p95: maybeNumber, p99: maybeNumber });

/**
 * Measured inference latency (milliseconds per call) and model size.
 *
 * @example
 *   const l: Latency = {
 *     single: { p50: 0.8, p95: 1.4, p99: 2.1 },
 *     batch: { size: 256, p50: 6.2, p95: 8.9, p99: 12.5 },
 *     modelSizeBytes: 412_880,
 *   };
 */
export const latencySchema = z.object({
  single: percentilesSchema.optional(),
  batch: percentilesSchema.extend({ size: z.number().int().positive() }).optional(),
  modelSizeBytes: nonNegativeInt.optional(),
  /** Where it was measured, e.g. "tfjs-node, 2 vCPU". */
  environment: z.string().optional(),
});
export type Latency = z.infer<typeof latencySchema>;

/**
 * Where the version came from: enough to rebuild it or to tell two versions apart.
 *
 * @example
 *   const l: Lineage = { codeVersion: 'git:3f2c1ab', backend: 'tfjs-node', parentVersion: 'v6' };
 */
export const lineageSchema = z.object({
  trainingDataSha256: sha256.optional(),
  evaluationDataSha256: sha256.optional(),
  codeVersion: z.string().optional(),
  trainingConfigSha256: sha256.optional(),
  policySha256: sha256.optional(),
  /** `null` for a first version. */
  parentVersion: z.string().nullable().optional(),
  backend: z.string().optional(),
});
export type Lineage = z.infer<typeof lineageSchema>;

/**
 * One sign-off decision.
 *
 * @example
 *   const a: Approval = { principal: 'alice@example.com', decision: 'approve', at: '2024-05-02T09:12:00Z' };
 */
export const approvalSchema = z.object({
  principal: z.string().min(1),
  decision: z.enum(['approve', 'reject']),
  comment: z.string().optional(),
  at: instant,
});
export type Approval = z.infer<typeof approvalSchema>;

/**
 * The promotion gate: the overall verdict and the checks that produced it.
 *
 * @example
 *   const g: GateOutcome = { verdict: 'fail', checks: [{ name: 'fairness', verdict: 'fail', detail: 'DP gap 0.19 > 0.10' }] };
 */
export const gateOutcomeSchema = z.object({
  verdict: verdictSchema,
  checks: z.array(z.object({ name: z.string().min(1), verdict: verdictSchema, detail: z.string().optional() })),
  decidedAt: instant.optional(),
});
export type GateOutcome = z.infer<typeof gateOutcomeSchema>;

/** What the model predicts (absent: a binary classifier, as in cards written before tasks). */
export const cardTaskSchema = z.enum(['binary', 'multiclass', 'regression']);

/**
 * Fairness of a regressor (group MAE, RMSE, mean residual) or multiclass model (group accuracy, per-class
 * selection rate and recall), with the gaps between groups.
 */
export const taskFairnessSchema = z.object({
  attributes: z.array(z.string().min(1)).min(1),
  minGroupSize: nonNegativeInt.optional(),
  groups: z.array(z.object({ group: z.string(), size: nonNegativeInt, judged: z.boolean(), stats: z.record(z.string(), estimateSchema) })),
  gaps: z.array(
    z.object({
      name: z.string().min(1),
      /** Multiclass: the class with the largest gap. */
      class: z.string().optional(),
      value: maybeNumber,
      low: maybeNumber.optional(),
      high: maybeNumber.optional(),
      /** `null`: reported, not judged. */
      threshold: z.number().nullable(),
      verdict: verdictSchema.nullable(),
    }),
  ),
});
export type TaskFairness = z.infer<typeof taskFairnessSchema>;

/** A regressor's residuals (actual − predicted) and predicted against actual. */
export const residualsSchema = z.object({
  summary: z.array(z.object({ name: z.string().min(1), value: maybeNumber })),
  /** Rows grouped by prediction into bins of equal count. */
  bins: z.array(z.object({ predictedLow: maybeNumber, predictedHigh: maybeNumber, meanPredicted: maybeNumber, meanActual: maybeNumber, count: nonNegativeInt })),
  /** A sample of rows for the scatter plot. */
  points: z.array(z.object({ predicted: z.number(), actual: z.number() })),
});
export type Residuals = z.infer<typeof residualsSchema>;

/** A multiclass model's per-class rates and confusion matrix. */
export const classBreakdownSchema = z.object({
  classes: z.array(z.string()).min(2),
  perClass: z.array(z.object({ class: z.string(), support: nonNegativeInt, predicted: nonNegativeInt, precision: estimateSchema, recall: estimateSchema, f1: estimateSchema })),
  /** `confusion[actual][predicted]`, in class order. */
  confusion: z.array(z.array(nonNegativeInt)),
});
export type ClassBreakdown = z.infer<typeof classBreakdownSchema>;

/** Where the model came from: trained by Steward, or imported (artifact hash, declared origin). */
export const candidateSourceSchema = z.object({
  format: z.string().min(1),
  runtime: z.string().optional(),
  imported: z
    .object({
      format: z.string().min(1),
      fileName: z.string().min(1),
      sha256,
      origin: z.string().nullable(),
      producer: z.string().nullable().optional(),
      declaredIn: z.string().optional(),
    })
    .optional(),
});
export type CandidateSource = z.infer<typeof candidateSourceSchema>;

/**
 * Everything a model card shows. Only the identity (name, version, creation time) is required.
 *
 * @example
 *   const card = modelCardInputSchema.parse({ name: 'adult-income', version: 'v7', createdAt: '2024-05-01T10:00:00Z' });
 *   renderModelCardHtml(card); // every other section says "Not evaluated"
 */
export const modelCardInputSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  createdAt: instant,
  description: z.string().optional(),
  task: cardTaskSchema.optional(),
  source: candidateSourceSchema.optional(),
  /** From the model's policy. */
  intendedUse: z.array(z.string()).optional(),
  /** From the model's policy. */
  outOfScopeUses: z.array(z.string()).optional(),
  trainingData: datasetSummarySchema.optional(),
  evaluationData: datasetSummarySchema.optional(),
  metrics: z.array(metricSchema).optional(),
  fairness: z.array(fairnessBreakdownSchema).optional(),
  /** Regression and multiclass models: fairness by group (instead of `fairness`). */
  taskFairness: z.array(taskFairnessSchema).optional(),
  residuals: residualsSchema.optional(),
  classes: classBreakdownSchema.optional(),
  calibration: z
    .object({
      bins: z.array(calibrationBinSchema),
      /** Expected calibration error. */
      ece: maybeNumber.optional(),
      brier: maybeNumber.optional(),
      /** Why there are no bins, e.g. scores that are not probabilities. */
      note: z.string().optional(),
    })
    .optional(),
  featureImportance: z
    .object({
      /** The metric whose drop is measured, e.g. "ROC AUC". */
      metric: z.string().min(1),
      repeats: z.number().int().positive().optional(),
      features: z.array(featureImportanceSchema),
    })
    .optional(),
  regression: z
    .object({
      productionVersion: z.string().min(1),
      comparisons: z.array(regressionComparisonSchema),
    })
    .optional(),
  latency: latencySchema.optional(),
  limitations: z.array(z.string()).optional(),
  ethicalConsiderations: z.array(z.string()).optional(),
  lineage: lineageSchema.optional(),
  approvals: z.array(approvalSchema).optional(),
  gate: gateOutcomeSchema.optional(),
});
export type ModelCardInput = z.infer<typeof modelCardInputSchema>;
