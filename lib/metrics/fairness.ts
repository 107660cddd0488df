/**
 * Group fairness of a thresholded classifier, per protected attribute and per intersection of
 * attributes (e.g. sex x race), in the style of Fairlearn's `MetricFrame` and AIF360.
 *
 * Definitions (match fairlearn 0.15 with its default `method="between_groups"`, `agg="worst_case"`):
 * - selection rate = P(pred = 1); TPR = P(pred = 1 | y = 1); FPR = P(pred = 1 | y = 0);
 *   FNR = 1 - TPR; precision = P(y = 1 | pred = 1);
 * - demographic parity difference = max - min selection rate over groups; ratio = min / max;
 * - equalized odds difference = max(TPR gap, FPR gap), each gap = max - min over groups;
 * - equal opportunity difference = TPR gap;
 * - disparate impact ratio = min selection rate / max selection rate (the "four-fifths rule"
 *   quantity when compared against 0.8; here the threshold is configuration, not a constant).
 *
 * Small groups: a group with fewer than `minGroupSize` rows is reported with `judged: false` and
 * left out of every gap and ratio, because the rate of a handful of rows is mostly noise and would
 * dominate a max-minus-min statistic. A rate with an empty denominator (TPR of a group without
 * positives, precision of a group with no predicted positives) is NaN and is skipped in gaps.
 *
 * Intervals: rows are resampled over the WHOLE dataset (one shared resample for every group and
 * every attribute), so group sizes vary across resamples as they would in a fresh sample, and the
 * gaps get intervals from the same resamples as the group rates.
 */
import { z } from 'zod';
import { StewardError } from '../core/errors';
import { parseWith } from '../core/validation';
import { decisionThreshold, forEachResample, validateBinaryInputs, validateLevel, type Labels, type Scores } from './classification';
import { estimate, type Estimate } from './bootstrap';

/** Protected attributes: one string value per row for each attribute name. */
export type GroupColumns = Readonly<Record<string, readonly string[]>>;

/** The disparity statistics judged per attribute. */
export const disparityMetrics = [
  'demographicParityDifference',
  'demographicParityRatio',
  'equalizedOddsDifference',
  'equalOpportunityDifference',
  'disparateImpactRatio',
] as const;
/** A disparity statistic name, e.g. `'disparateImpactRatio'`. */
export type DisparityMetric = (typeof disparityMetrics)[number];

/** Ratios pass when at least the threshold; differences pass when at most the threshold. */
export const disparityKind: Readonly<Record<DisparityMetric, 'max' | 'min'>> = {
  demographicParityDifference: 'max',
  demographicParityRatio: 'min',
  equalizedOddsDifference: 'max',
  equalOpportunityDifference: 'max',
  disparateImpactRatio: 'min',
};

const limit = z.number().min(0).max(1).nullable();

const labelUnits = z.number().min(0).nullable();
const share = z.number().min(0).max(1).nullable();

/** Regression fairness thresholds (label units, except the ratio); null = reported, not judged. */
export const errorThresholdsSchema = z.strictObject({
  maeDifference: labelUnits.default(null),
  maeRatio: z.number().min(1).nullable().default(null),
  meanResidualDifference: labelUnits.default(null),
});
/** Multiclass fairness thresholds (shares); null = reported, not judged. */
export const classThresholdsSchema = z.strictObject({
  accuracyDifference: share.default(null),
  selectionRateDifference: share.default(0.1),
  recallDifference: share.default(0.1),
});
export type ErrorThresholds = z.output<typeof errorThresholdsSchema>;
export type ClassThresholds = z.output<typeof classThresholdsSchema>;

/**
 * Fairness thresholds and options. `null` switches a metric's verdict off (it is still reported).
 * Defaults are conventional starting points, not policy: a policy should set them explicitly.
 *
 * @example
 *   fairnessConfigSchema.parse({ thresholds: { disparateImpactRatio: 0.9 }, intersections: [['sex', 'race']] });
 */
export const fairnessConfigSchema = z
  .object({
    /** Groups with fewer rows are reported but not judged (default 30). */
    minGroupSize: z.number().int().min(1).default(30),
    thresholds: z
      .object({
        demographicParityDifference: limit.default(0.1),
        demographicParityRatio: limit.default(null),
        equalizedOddsDifference: limit.default(0.1),
        equalOpportunityDifference: limit.default(0.1),
        disparateImpactRatio: limit.default(0.8),
      })
      .strict()
      .prefault({}),
    /** Which group columns to judge one by one; default: every group column given. */
    attributes: z.array(z.string().min(1)).optional(),
    /** Intersections to judge, each a list of at least two attribute names, e.g. [['sex', 'race']]. */
    intersections: z.array(z.array(z.string().min(1)).min(2)).default([]),
    /** Regression models: thresholds on group error gaps (group-fairness.ts). */
    errorThresholds: errorThresholdsSchema.optional(),
    /** Multiclass models: thresholds on per-class rate gaps (group-fairness.ts). */
    classThresholds: classThresholdsSchema.optional(),
  })
  .strict();
/** A parsed fairness config (defaults filled in). */
export type FairnessConfig = z.output<typeof fairnessConfigSchema>;
/** A fairness config as written by a user (every field optional). */
export type FairnessConfigInput = z.input<typeof fairnessConfigSchema>;

/**
 * Parses a fairness config, turning zod issues into an `InvalidPolicy` error.
 *
 * @example
 *   parseFairnessConfig({ minGroupSize: 50 });
 */
export function parseFairnessConfig(input: unknown): FairnessConfig {
  return parseWith(fairnessConfigSchema, input ?? {}, { type: 'InvalidPolicy', what: 'fairness config', field: 'fairness' });
}

/** One group's size and rates (each with a bootstrap interval); `judged` is false under minGroupSize. */
export interface GroupFairness {
  /** e.g. "sex=Female & race=Black". */
  key: string;
  values: Record<string, string>;
  size: number;
  positives: number;
  judged: boolean;
  selectionRate: Estimate;
  tpr: Estimate;
  fpr: Estimate;
  fnr: Estimate;
  precision: Estimate;
}

/** A gap or ratio over the judged groups, with interval, threshold and verdict. */
export interface DisparityResult {
  value: number;
  lower: number;
  upper: number;
  threshold: number | null;
  /** 'max': passes when value <= threshold; 'min': passes when value >= threshold. */
  kind: 'max' | 'min';
  /** null when there is no threshold or fewer than two judged groups. */
  pass: boolean | null;
}

/** Fairness of one attribute or intersection: its groups, disparities and verdict. */
export interface AttributeFairness {
  /** e.g. ['sex'] or ['sex', 'race']. */
  attributes: string[];
  /** e.g. "sex x race". */
  name: string;
  groups: GroupFairness[];
  judgedGroups: number;
  /** False when fewer than two groups are large enough to compare. */
  judged: boolean;
  disparities: Record<DisparityMetric, DisparityResult>;
  pass: boolean;
  /** Human-readable reasons for failure, empty when passing. */
  failures: string[];
}

/** Fairness over all requested attributes and intersections; `pass` when every attribute passes. */
export interface FairnessReport {
  threshold: number;
  minGroupSize: number;
  resamples: number;
  seed: number;
  level: number;
  attributes: AttributeFairness[];
  pass: boolean;
}

/** Threshold, config and bootstrap settings for `evaluateFairness`. */
export interface FairnessOptions {
  /** Predicted positive when score >= threshold. Default 0.5, for probabilities only: scores outside [0, 1] need one. */
  threshold?: number;
  config?: FairnessConfigInput;
  resamples?: number;
  seed?: number;
  level?: number;
}

/** Rows split by the values of some attributes: group keys in sorted order and each row's group. */
export interface Partition {
  attributes: string[];
  keys: string[];
  values: Record<string, string>[];
  groupOf: Uint32Array;
}

/**
 * Splits `n` rows into the groups of `attributes` (one attribute, or an intersection), groups sorted
 * by key ("race=Black & sex=Female").
 *
 * @example partition({ sex: ['F', 'M', 'F'] }, ['sex'], 3).groupOf; // Uint32Array [0, 1, 0]
 */
export function partition(groups: GroupColumns, attributes: string[], n: number): Partition {
  for (const a of attributes) {
    const col = groups[a];
    if (!col) throw new StewardError('InvalidInput', `unknown group attribute "${a}"; known: ${Object.keys(groups).join(', ') || '(none)'}`, { field: a });
    if (col.length !== n) throw new StewardError('InvalidInput', `group column "${a}" has ${col.length} rows, labels have ${n}`, { field: a });
  }
  const index = new Map<string, number>();
  const raw: { key: string; values: Record<string, string> }[] = [];
  const rawGroup = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let key = '';
    for (let j = 0; j < attributes.length; j++) key += (j ? ' & ' : '') + `${attributes[j]}=${groups[attributes[j]][i]}`;
    let g = index.get(key);
    if (g === undefined) {
      g = raw.length;
      index.set(key, g);
      raw.push({ key, values: Object.fromEntries(attributes.map((a) => [a, groups[a][i]])) });
    }
    rawGroup[i] = g;
  }
  // Stable, readable order: by key.
  const sorted = raw.map((r, g) => ({ ...r, g })).sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const remap = new Uint32Array(raw.length);
  sorted.forEach((s, idx) => (remap[s.g] = idx));
  const groupOf = rawGroup.map((g) => remap[g]);
  const keys = sorted.map((s) => s.key);
  const values = sorted.map((s) => s.values);
  return { attributes, keys, values, groupOf };
}

const RATE_COUNT = 5; // selectionRate, tpr, fpr, fnr, precision

/** Accumulates weighted [size, positives, predictedPositives, truePositives] per group. */
function groupCounts(p: Partition, y: Labels, pred: Uint8Array, weights: Uint32Array | undefined, out: Float64Array): void {
  out.fill(0);
  const { groupOf } = p;
  for (let i = 0; i < groupOf.length; i++) {
    const w = weights ? weights[i] : 1;
    if (w === 0) continue; // (measured: faster than a branch-free update, which serialises on out[b])
    const b = 4 * groupOf[i];
    out[b] += w;
    if (y[i] === 1) {
      out[b + 1] += w;
      if (pred[i]) out[b + 3] += w;
    }
    if (pred[i]) out[b + 2] += w;
  }
}

function ratesFromCounts(c: Float64Array, g: number, out: Float64Array, offset: number): void {
  const size = c[4 * g];
  const pos = c[4 * g + 1];
  const predPos = c[4 * g + 2];
  const tp = c[4 * g + 3];
  const neg = size - pos;
  out[offset] = size > 0 ? predPos / size : Number.NaN;
  out[offset + 1] = pos > 0 ? tp / pos : Number.NaN;
  out[offset + 2] = neg > 0 ? (predPos - tp) / neg : Number.NaN;
  out[offset + 3] = pos > 0 ? 1 - tp / pos : Number.NaN;
  out[offset + 4] = predPos > 0 ? tp / predPos : Number.NaN;
}

/** Max and min of one rate over the judged groups where it is defined; NaN when fewer than two are. */
function gap(rates: Float64Array, judged: number[], which: number): { max: number; min: number } {
  let max = -Infinity;
  let min = Infinity;
  let defined = 0;
  for (const g of judged) {
    const v = rates[g * RATE_COUNT + which];
    if (Number.isNaN(v)) continue;
    defined++;
    if (v > max) max = v;
    if (v < min) min = v;
  }
  return defined >= 2 ? { max, min } : { max: Number.NaN, min: Number.NaN };
}

/** The larger of two gaps, ignoring an undefined one (e.g. no judged group has positives). */
function worst(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return Math.max(a, b);
}

function disparitiesOf(rates: Float64Array, judged: number[]): Record<DisparityMetric, number> {
  const sel = gap(rates, judged, 0);
  const tpr = gap(rates, judged, 1);
  const fpr = gap(rates, judged, 2);
  const d = (r: { max: number; min: number }) => r.max - r.min;
  // All groups selecting nobody is parity, not an undefined ratio.
  const ratio = sel.max > 0 ? sel.min / sel.max : sel.max === 0 ? 1 : Number.NaN;
  const tprGap = d(tpr);
  const fprGap = d(fpr);
  return {
    demographicParityDifference: d(sel),
    demographicParityRatio: ratio,
    equalizedOddsDifference: worst(tprGap, fprGap),
    equalOpportunityDifference: tprGap,
    disparateImpactRatio: ratio,
  };
}

/**
 * Fairness report for every requested attribute and intersection.
 *
 * @example
 *   const r = evaluateFairness(labels, scores, { sex, race }, {
 *     config: { minGroupSize: 30, intersections: [['sex', 'race']], thresholds: { disparateImpactRatio: 0.8 } },
 *   });
 *   r.attributes.map((a) => [a.name, a.pass]); // [['sex', false], ['race', false], ['sex x race', false]]
 */
export function evaluateFairness(labels: Labels, scores: Scores, groups: GroupColumns, options: FairnessOptions = {}): FairnessReport {
  // Group rates only compare scores with the threshold: any scale works once a threshold is given.
  validateBinaryInputs(labels, scores, 'scores', 'any');
  const threshold = decisionThreshold(options.threshold, [{ what: 'scores', scores }]);
  const level = options.level ?? 0.95;
  validateLevel(level);
  const resamples = options.resamples ?? 1000;
  const seed = options.seed ?? 0;
  const config = parseFairnessConfig(options.config ?? {});
  const n = labels.length;
  const pred = new Uint8Array(n);
  for (let i = 0; i < n; i++) pred[i] = scores[i] >= threshold ? 1 : 0;

  const sets: string[][] = [...(config.attributes ?? Object.keys(groups)).map((a) => [a]), ...config.intersections];
  const parts = sets.map((s) => partition(groups, s, n));
  const counts = parts.map((p) => new Float64Array(4 * p.keys.length));
  const pointRates = parts.map((p, a) => {
    groupCounts(p, labels, pred, undefined, counts[a]);
    const r = new Float64Array(RATE_COUNT * p.keys.length);
    for (let g = 0; g < p.keys.length; g++) ratesFromCounts(counts[a], g, r, g * RATE_COUNT);
    return r;
  });
  const sizes = parts.map((p, a) => p.keys.map((_, g) => counts[a][4 * g]));
  const positives = parts.map((p, a) => p.keys.map((_, g) => counts[a][4 * g + 1]));
  const judged = sizes.map((s) => s.flatMap((size, g) => (size >= config.minGroupSize ? [g] : [])));

  // Replicates: per attribute set, per group and rate; plus per disparity metric.
  const rateReps = parts.map((p) => new Float64Array(resamples * RATE_COUNT * p.keys.length));
  const dispReps = parts.map(() => Object.fromEntries(disparityMetrics.map((m) => [m, new Float64Array(resamples)])) as Record<DisparityMetric, Float64Array>);
  const scratch = parts.map((p) => new Float64Array(RATE_COUNT * p.keys.length));
  forEachResample(n, resamples, seed, (w, b) => {
    parts.forEach((p, a) => {
      groupCounts(p, labels, pred, w, counts[a]);
      const r = scratch[a];
      for (let g = 0; g < p.keys.length; g++) ratesFromCounts(counts[a], g, r, g * RATE_COUNT);
      rateReps[a].set(r, b * RATE_COUNT * p.keys.length);
      const d = disparitiesOf(r, judged[a]);
      for (const m of disparityMetrics) dispReps[a][m][b] = d[m];
    });
  });

  const attributes: AttributeFairness[] = parts.map((p, a) => {
    const G = p.keys.length;
    const repOf = (g: number, which: number) => {
      const out = new Float64Array(resamples);
      for (let b = 0; b < resamples; b++) out[b] = rateReps[a][b * RATE_COUNT * G + g * RATE_COUNT + which];
      return out;
    };
    const groupsOut: GroupFairness[] = p.keys.map((key, g) => ({
      key,
      values: p.values[g],
      size: sizes[a][g],
      positives: positives[a][g],
      judged: sizes[a][g] >= config.minGroupSize,
      selectionRate: estimate(pointRates[a][g * RATE_COUNT], repOf(g, 0), level),
      tpr: estimate(pointRates[a][g * RATE_COUNT + 1], repOf(g, 1), level),
      fpr: estimate(pointRates[a][g * RATE_COUNT + 2], repOf(g, 2), level),
      fnr: estimate(pointRates[a][g * RATE_COUNT + 3], repOf(g, 3), level),
      precision: estimate(pointRates[a][g * RATE_COUNT + 4], repOf(g, 4), level),
    }));
    const isJudged = judged[a].length >= 2;
    const point = disparitiesOf(pointRates[a], judged[a]);
    const failures: string[] = [];
    const name = p.attributes.join(' x ');
    const disparities = {} as Record<DisparityMetric, DisparityResult>;
    for (const m of disparityMetrics) {
      const t = config.thresholds[m];
      const kind = disparityKind[m];
      const value = point[m];
      const e = estimate(value, dispReps[a][m], level);
      let pass: boolean | null = null;
      if (t !== null && isJudged && !Number.isNaN(value)) {
        pass = kind === 'max' ? value <= t : value >= t;
        if (!pass) failures.push(`${name}: ${m} ${value.toFixed(4)} ${kind === 'max' ? '>' : '<'} ${t}`);
      }
      disparities[m] = { value, lower: e.lower, upper: e.upper, threshold: t, kind, pass };
    }
    return { attributes: p.attributes, name, groups: groupsOut, judgedGroups: judged[a].length, judged: isJudged, disparities, pass: failures.length === 0, failures };
  });
  return { threshold, minGroupSize: config.minGroupSize, resamples, seed, level, attributes, pass: attributes.every((a) => a.pass) };
}
