/**
 * One monitor window computed from its logged predictions (and the labels that have arrived): volume,
 * error rate and latency against the budgets, feature drift of the logged inputs against the
 * production version's training profile (the drift engine of lib/drift), prediction drift (PSI of
 * the scores against the reference score histogram), realised performance with intervals (lib/metrics)
 * overall and per group, and the CBPE estimate from scores alone.
 *
 * Pure and CPU-bound: the monitor's activity runs it in the compute pool.
 */
import type { CategoryColumnChunk, DataChunk, NumberColumnChunk } from '../data/types';
import type { DatasetProfile } from '../drift/profile';
import { ProfileBuilder } from '../drift/profile';
import { computeDrift, type DriftConfig } from '../drift/suite';
import { populationStabilityIndex } from '../drift/tests';
import type { Estimate } from '../metrics/bootstrap';
import { evaluateClassification, type CalibrationPoint } from '../metrics/classification';
import { calibratorFrom, estimatePerformance } from './cbpe';
import type { WindowPerformance, WindowResult } from './window';

/** One logged prediction of the window, with its label when it has arrived. */
export interface WindowRow {
  mode: 'serve' | 'shadow';
  version: number;
  latencyMs: number;
  /** The logged score: for a multiclass version the predicted class's probability. */
  score: number | null;
  /** Multiclass: the class the version predicted (absent or null for the other tasks). */
  predictedClass?: string | null;
  error: string | null;
  inputs: Record<string, unknown>;
  label: string | null;
}

/** Budgets a window is judged against (each optional). */
export interface WindowBudgets {
  latencyP50Ms?: number;
  latencyP99Ms?: number;
  errorRate?: number;
}

export interface WindowInput {
  model: string;
  index: number;
  start: string;
  end: string;
  /** The production version (its rows are the window's; other versions' rows are rollout traffic). */
  version: number | null;
  rows: WindowRow[];
  /** The production version's training profile (feature drift reference). */
  reference: DatasetProfile | null;
  drift?: DriftConfig;
  /** The production version's reliability curve on its evaluation holdout (CBPE calibration and the reference score histogram). */
  calibration: CalibrationPoint[] | null;
  /**
   * The positive class of a binary classifier; null for other tasks. With null, rows that carry a
   * predicted class (a multiclass version's) get accuracy of the predicted class as performance;
   * score-based drift and the estimate stay binary-only.
   */
  positiveLabel: string | null;
  threshold?: number;
  /** Columns left out of feature drift: logged generalised or hashed, so not comparable with the training profile. */
  ignoreColumns?: string[];
  /** Logged input columns whose groups get their own accuracy (protected attributes, slices). */
  groupColumns?: string[];
  /** Declared slices (the evaluation's): name and column -> accepted value(s). */
  slices?: Array<{ name: string; where: Record<string, string | string[]> }>;
  budgets?: WindowBudgets;
  /** PSI above which the scores have drifted (default 0.2). */
  predictionDriftThreshold?: number;
  /** Fewest rows for drift and estimates (default 30). */
  minRows?: number;
  /** Bootstrap resamples of the performance intervals (default 200). */
  resamples?: number;
}

/** Score bins of the prediction drift check: ten equal-width bins on [0, 1]. */
const SCORE_BINS = 10;

function quantile(sorted: Float64Array, q: number): number | null {
  if (sorted.length === 0) return null;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Wilson score interval of a proportion (cheap intervals for per-group accuracy). */
function wilson(successes: number, n: number, z = 1.959963984540054): Estimate {
  if (n === 0) return { value: NaN, lower: NaN, upper: NaN };
  const p = successes / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return { value: p, lower: Math.max(0, c - h), upper: Math.min(1, c + h) };
}

/** The logged inputs as one chunk typed like the reference profile's columns (a column the log lacks is absent). */
function chunkOf(rows: readonly WindowRow[], reference: DatasetProfile): { chunk: DataChunk; absent: string[] } {
  const columns: (NumberColumnChunk | CategoryColumnChunk)[] = [];
  const absent: string[] = [];
  for (const col of reference.columns) {
    if (!rows.some((r) => col.name in r.inputs)) {
      absent.push(col.name);
      continue;
    }
    if (col.kind === 'category') {
      const dictionary: string[] = [];
      const index = new Map<string, number>();
      const codes = new Int32Array(rows.length);
      rows.forEach((r, i) => {
        const v = r.inputs[col.name];
        if (v === null || v === undefined || v === '') return void (codes[i] = -1);
        const s = String(v);
        let code = index.get(s);
        if (code === undefined) {
          code = dictionary.length;
          dictionary.push(s);
          index.set(s, code);
        }
        codes[i] = code;
      });
      columns.push({ name: col.name, type: 'categorical', codes, dictionary });
    } else {
      const values = new Float64Array(rows.length);
      rows.forEach((r, i) => {
        const v = r.inputs[col.name];
        values[i] = typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : NaN;
      });
      columns.push({ name: col.name, type: col.type, values });
    }
  }
  return { chunk: { firstRow: 1, rows: rows.length, columns } as DataChunk, absent };
}

/** Reference score histogram on ten equal-width bins, from the reliability curve's counts. */
function referenceScoreHistogram(points: readonly CalibrationPoint[]): Float64Array {
  const counts = new Float64Array(SCORE_BINS);
  for (const p of points) counts[Math.min(SCORE_BINS - 1, Math.max(0, Math.floor(((p.binLower + p.binUpper) / 2) * SCORE_BINS)))] += p.count;
  return counts;
}

function performanceOf(rows: readonly WindowRow[], input: WindowInput, threshold: number): WindowPerformance | null {
  const labelled = rows.filter((r) => r.label !== null && r.score !== null);
  if (labelled.length === 0) return null;
  const labels = Uint8Array.from(labelled, (r) => (r.label === input.positiveLabel ? 1 : 0));
  const scores = Float64Array.from(labelled, (r) => r.score!);
  let positives = 0;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    positives += labels[i];
    correct += (scores[i] >= threshold ? 1 : 0) === labels[i] ? 1 : 0;
  }
  let accuracy = wilson(correct, labels.length);
  let rocAuc: Estimate | null = null;
  let ece: number | null = null;
  let brier: number | null = null;
  if (positives > 0 && positives < labels.length) {
    const report = evaluateClassification(labels, scores, { threshold, resamples: input.resamples ?? 200, seed: input.index });
    accuracy = report.metrics.accuracy;
    rocAuc = report.metrics.rocAuc;
    ece = report.metrics.ece?.value ?? null;
    brier = report.metrics.brier?.value ?? null;
  }
  const groups: WindowPerformance['groups'] = {};
  for (const column of input.groupColumns ?? []) {
    const by = new Map<string, { n: number; correct: number }>();
    labelled.forEach((r, i) => {
      const v = r.inputs[column];
      if (v === undefined) return;
      const key = String(v);
      const g = by.get(key) ?? { n: 0, correct: 0 };
      g.n++;
      g.correct += (scores[i] >= threshold ? 1 : 0) === labels[i] ? 1 : 0;
      by.set(key, g);
    });
    if (by.size > 0) groups[column] = [...by].sort(([a], [b]) => a.localeCompare(b)).map(([value, g]) => ({ value, labelled: g.n, accuracy: wilson(g.correct, g.n) }));
  }
  const slices: WindowPerformance['slices'] = [];
  for (const slice of input.slices ?? []) {
    let n = 0;
    let hits = 0;
    labelled.forEach((r, i) => {
      const matches = Object.entries(slice.where).every(([column, accepted]) => {
        const v = r.inputs[column];
        return v !== undefined && v !== null && (Array.isArray(accepted) ? accepted : [accepted]).includes(String(v));
      });
      if (!matches) return;
      n++;
      hits += (scores[i] >= threshold ? 1 : 0) === labels[i] ? 1 : 0;
    });
    slices.push({ name: slice.name, labelled: n, accuracy: wilson(hits, n) });
  }
  return { labelled: labels.length, positives, accuracy, rocAuc, ece, brier, groups, slices };
}

/**
 * A multiclass window's performance: accuracy of the predicted class on the labelled rows (Wilson
 * intervals), overall, per group and per slice. No ROC AUC, calibration or Brier score (the log
 * keeps them only as probability vectors, and the monitor judges the predicted class); `positives`
 * is 0 (no positive class).
 */
function multiclassPerformanceOf(rows: readonly WindowRow[], input: WindowInput): WindowPerformance | null {
  const labelled = rows.filter((r) => r.label !== null && r.predictedClass !== null && r.predictedClass !== undefined);
  if (labelled.length === 0) return null;
  const hit = (r: WindowRow) => (r.label === r.predictedClass ? 1 : 0);
  let correct = 0;
  for (const r of labelled) correct += hit(r);
  const groups: WindowPerformance['groups'] = {};
  for (const column of input.groupColumns ?? []) {
    const by = new Map<string, { n: number; correct: number }>();
    for (const r of labelled) {
      const v = r.inputs[column];
      if (v === undefined) continue;
      const g = by.get(String(v)) ?? { n: 0, correct: 0 };
      g.n++;
      g.correct += hit(r);
      by.set(String(v), g);
    }
    if (by.size > 0) groups[column] = [...by].sort(([a], [b]) => a.localeCompare(b)).map(([value, g]) => ({ value, labelled: g.n, accuracy: wilson(g.correct, g.n) }));
  }
  const slices: WindowPerformance['slices'] = [];
  for (const slice of input.slices ?? []) {
    let n = 0;
    let hits = 0;
    for (const r of labelled) {
      const matches = Object.entries(slice.where).every(([column, accepted]) => {
        const v = r.inputs[column];
        return v !== undefined && v !== null && (Array.isArray(accepted) ? accepted : [accepted]).includes(String(v));
      });
      if (!matches) continue;
      n++;
      hits += hit(r);
    }
    slices.push({ name: slice.name, labelled: n, accuracy: wilson(hits, n) });
  }
  return { labelled: labelled.length, positives: 0, accuracy: wilson(correct, labelled.length), rocAuc: null, ece: null, brier: null, groups, slices };
}

/**
 * @example
 *   const result = computeWindow({ model, index: 7, start, end, version: 3, rows, reference: profile,
 *     calibration: report.metrics.calibration?.points ?? null, positiveLabel: '>50K', budgets: { latencyP99Ms: 50 } });
 */
export function computeWindow(input: WindowInput): WindowResult {
  const threshold = input.threshold ?? 0.5;
  const minRows = input.minRows ?? 30;
  const notes: string[] = [];
  // The window's traffic is what production served; rollout and shadow traffic have their own analysis.
  const served = input.rows.filter((r) => r.mode === 'serve' && (input.version === null || r.version === input.version));
  const errors = served.filter((r) => r.error !== null).length;
  const latencies = Float64Array.from(served, (r) => r.latencyMs).sort();
  const p50 = quantile(latencies, 0.5);
  const p99 = quantile(latencies, 0.99);
  const errorRate = served.length > 0 ? errors / served.length : 0;
  const breaches: string[] = [];
  const b = input.budgets ?? {};
  if (b.latencyP50Ms !== undefined && p50 !== null && p50 > b.latencyP50Ms) breaches.push(`latency p50 ${p50.toFixed(1)} ms is over the ${b.latencyP50Ms} ms budget`);
  if (b.latencyP99Ms !== undefined && p99 !== null && p99 > b.latencyP99Ms) breaches.push(`latency p99 ${p99.toFixed(1)} ms is over the ${b.latencyP99Ms} ms budget`);
  if (b.errorRate !== undefined && errorRate > b.errorRate) breaches.push(`error rate ${(errorRate * 100).toFixed(2)}% is over the ${(b.errorRate * 100).toFixed(2)}% budget`);

  const scored = served.filter((r) => r.score !== null && r.error === null);
  let featureDrift: WindowResult['featureDrift'] = null;
  if (!input.reference) notes.push('no feature drift: the production version has no training profile');
  else if (scored.length < minRows) notes.push(`no feature drift: ${scored.length} scored predictions, fewer than ${minRows}`);
  else {
    const { chunk, absent } = chunkOf(scored, input.reference);
    if (absent.length > 0) notes.push(`not in the log (dropped by the logging policy): ${absent.join(', ')}`);
    const builder = new ProfileBuilder({ reference: input.reference });
    builder.add(chunk);
    const transformed = (input.ignoreColumns ?? []).filter((c) => input.reference!.columns.some((r) => r.name === c) && !absent.includes(c));
    if (transformed.length > 0) notes.push(`not tested for drift (logged generalised or hashed): ${transformed.join(', ')}`);
    const ignore = Object.fromEntries([...absent, ...transformed].map((c) => [c, { ignore: true }]));
    featureDrift = computeDrift(input.reference, builder.finish(), { ...input.drift, columns: { ...input.drift?.columns, ...ignore } });
  }

  const binary = input.positiveLabel !== null;
  const multiclass = !binary && scored.some((r) => r.predictedClass !== null && r.predictedClass !== undefined);
  if (multiclass) notes.push('multiclass: performance is the accuracy of the predicted class; prediction drift and its estimate are computed for binary classifiers only');
  else if (!binary) notes.push('prediction drift, performance and its estimate are computed for binary classifiers only');
  const scores = Float64Array.from(scored, (r) => r.score!);
  let predictionDrift: WindowResult['predictionDrift'] = null;
  if (binary && input.calibration && input.calibration.length > 0 && scores.length >= minRows) {
    const current = new Float64Array(SCORE_BINS);
    for (const s of scores) current[Math.min(SCORE_BINS - 1, Math.max(0, Math.floor(s * SCORE_BINS)))]++;
    const psi = populationStabilityIndex(referenceScoreHistogram(input.calibration), current);
    const limit = input.predictionDriftThreshold ?? 0.2;
    predictionDrift = { psi, threshold: limit, drifted: psi > limit };
  }

  let estimated: WindowResult['estimated'] = null;
  if (binary && scores.length >= minRows) {
    const e = estimatePerformance(scores, calibratorFrom(input.calibration), threshold);
    estimated = { method: 'cbpe', calibration: input.calibration && input.calibration.length > 0 ? 'reference' : 'identity', accuracy: e.accuracy, rocAuc: e.rocAuc, n: scores.length };
  }
  const performance = binary ? performanceOf(scored, input, threshold) : multiclass ? multiclassPerformanceOf(scored, input) : null;
  return {
    model: input.model,
    index: input.index,
    start: input.start,
    end: input.end,
    version: input.version,
    counts: { predictions: input.rows.length, served: served.length, errors, labelled: performance?.labelled ?? 0 },
    volume: served.length,
    errorRate,
    latency: { p50Ms: p50, p99Ms: p99 },
    breaches,
    featureDrift,
    predictionDrift,
    performance,
    estimated,
    notes,
  };
}
