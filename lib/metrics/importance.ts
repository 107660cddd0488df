/**
 * Permutation feature importance, model-agnostic: the model is only a `predict` function.
 *
 * For each feature, its column is shuffled (breaking its link with the label while keeping its
 * marginal distribution), the model is re-scored, and the importance is how much the metric
 * worsens. Repeating with different shuffles gives a mean and a spread; a feature whose mean drop
 * is within its std of 0 is not distinguishable from useless on this data. Correlated features
 * share credit (shuffling one leaves its twin), so low importance does not prove a feature unused.
 */
import { StewardError } from '../core/errors';
import { computeMetrics, higherIsBetter, prepareScores, validateBinaryInputs, type Labels, type MetricName } from './classification';
import { createRng, shuffle } from '../core/random';
import { withPermutedColumn, type Table } from '../data/table';


/** The model: scores (probabilities) for every row of a table, synchronously or not. */
export type Predict = (rows: Table) => Promise<Float64Array> | Float64Array;

/**
 * A metric of any task to degrade, computed from a model's predictions on the (unpermuted) rows'
 * labels, e.g. a regressor's MAE.
 */
export interface ImportanceScore {
  name: string;
  higherIsBetter: boolean;
  of(predictions: Float64Array): number;
}

/** Metric, repeats, seed and feature subset for `permutationImportance`. */
export interface ImportanceOptions {
  /** Binary metric to degrade (default 'rocAuc'); `score` replaces it for other tasks. */
  metric?: MetricName;
  /** A metric of another task (regression, multiclass); `labels` are then not read. */
  score?: ImportanceScore;
  threshold?: number;
  /** Shuffles per feature (default 5). */
  repeats?: number;
  seed?: number;
  /** Subset of columns to permute (default: all). */
  features?: string[];
}

/** One feature's importance over the repeats. */
export interface FeatureImportance {
  feature: string;
  /** Mean over repeats of (baseline metric - permuted metric), sign flipped for lower-is-better metrics: positive = the feature helps. */
  mean: number;
  /** Population standard deviation over repeats (like sklearn's `importances_std`). */
  std: number;
  drops: number[];
}

/** Importance of every permuted feature, with the unpermuted metric value as `baseline`. */
export interface ImportanceReport {
  /** A binary metric's name, or the `score`'s. */
  metric: MetricName | (string & {});
  baseline: number;
  repeats: number;
  seed: number;
  /** Sorted by decreasing mean importance. */
  features: FeatureImportance[];
}

function tableLength(table: Table): number {
  const names = Object.keys(table);
  if (names.length === 0) throw new StewardError('InvalidInput', 'the table has no columns', { field: 'table' });
  const n = table[names[0]].length;
  for (const c of names) if (table[c].length !== n) throw new StewardError('InvalidInput', `column "${c}" has ${table[c].length} rows, expected ${n}`, { column: c });
  return n;
}

/**
 * Permutation importance of every column (or `options.features`).
 *
 * @example
 *   const r = await permutationImportance(model.predict, { age, hours }, labels, { repeats: 5, seed: 1 });
 *   r.features[0]; // { feature: 'age', mean: 0.07, std: 0.004, drops: [...] }
 */
export async function permutationImportance(predict: Predict, table: Table, labels: Labels, options: ImportanceOptions = {}): Promise<ImportanceReport> {
  const custom = options.score;
  const metric = custom ? custom.name : (options.metric ?? 'rocAuc');
  const repeats = options.repeats ?? 5;
  if (!Number.isInteger(repeats) || repeats < 1) throw new StewardError('InvalidInput', `repeats must be a positive integer, got ${repeats}`, { field: 'repeats' });
  const seed = options.seed ?? 0;
  const n = tableLength(table);
  if (!custom && labels.length !== n) throw new StewardError('InvalidInput', `labels has ${labels.length} rows, the table ${n}`, { field: 'labels' });
  const features = options.features ?? Object.keys(table);
  for (const f of features) if (!(f in table)) throw new StewardError('InvalidInput', `unknown feature "${f}"`, { column: f });
  const sign = (custom ? custom.higherIsBetter : higherIsBetter[metric as MetricName]) ? 1 : -1;
  const score = async (t: Table): Promise<number> => {
    const s = await predict(t);
    if (custom) return custom.of(s);
    validateBinaryInputs(labels, s, 'predictions');
    return computeMetrics(prepareScores(labels, s, { threshold: options.threshold }))[metric as MetricName];
  };
  const baseline = await score(table);
  const rng = createRng(seed);
  const perm = new Uint32Array(n);
  const out: FeatureImportance[] = [];
  for (const feature of features) {
    const drops: number[] = [];
    for (let r = 0; r < repeats; r++) {
      for (let i = 0; i < n; i++) perm[i] = i;
      shuffle(rng, perm);
      const value = await score(withPermutedColumn(table, feature, perm));
      drops.push(sign * (baseline - value));
    }
    const mean = drops.reduce((a, b) => a + b, 0) / repeats;
    const std = Math.sqrt(drops.reduce((a, b) => a + (b - mean) * (b - mean), 0) / repeats);
    out.push({ feature, mean, std, drops });
  }
  out.sort((a, b) => b.mean - a.mean);
  return { metric, baseline, repeats, seed, features: out };
}

/** How one feature's importance changed from the baseline model to the candidate. */
export interface ImportanceChange {
  feature: string;
  candidate: number;
  baseline: number;
  /** candidate - baseline mean importance. */
  delta: number;
  /** 1-based rank by importance (null when the feature is absent from that report). */
  candidateRank: number | null;
  baselineRank: number | null;
}

/**
 * Per-feature change of importance between a candidate and the production model: a feature
 * whose importance jumps or collapses is a reason to look at the candidate before promoting it
 * (leakage, a broken upstream column). Features missing on one side count as importance 0.
 *
 * @example
 *   compareImportance(candidateReport, baselineReport)[0]; // biggest |delta| first
 */
export function compareImportance(candidate: ImportanceReport, baseline: ImportanceReport): ImportanceChange[] {
  if (candidate.metric !== baseline.metric) {
    throw new StewardError('InvalidInput', `cannot compare importance measured with ${candidate.metric} against ${baseline.metric}`, { field: 'metric' });
  }
  const rank = (r: ImportanceReport) => new Map(r.features.map((f, i) => [f.feature, { mean: f.mean, rank: i + 1 }]));
  const c = rank(candidate);
  const b = rank(baseline);
  const names = [...new Set([...c.keys(), ...b.keys()])];
  return names
    .map((feature) => {
      const cm = c.get(feature)?.mean ?? 0;
      const bm = b.get(feature)?.mean ?? 0;
      return { feature, candidate: cm, baseline: bm, delta: cm - bm, candidateRank: c.get(feature)?.rank ?? null, baselineRank: b.get(feature)?.rank ?? null };
    })
    .sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta) || (x.feature < y.feature ? -1 : 1));
}
