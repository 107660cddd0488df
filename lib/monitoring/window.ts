/**
 * The shape of one monitor window's results: what the monitor computes from the prediction log (and
 * the labels that have arrived) for one window of one model. Stored per window (db `monitor_windows`),
 * exposed as Prometheus gauges, shown by `steward monitor`, and the input of trigger evaluation.
 *
 * Pure module (types only): workflow code imports it.
 */
import type { DriftReport } from '../drift/suite';
import type { Estimate } from '../metrics/bootstrap';

/** Performance on the labelled predictions of a window. */
export interface WindowPerformance {
  /** Labelled predictions the numbers are computed on. */
  labelled: number;
  /** Labelled rows of the positive class (binary); 0 for a multiclass window. */
  positives: number;
  /** Binary: at the threshold; multiclass: the predicted (most probable) class is the label. */
  accuracy: Estimate;
  /** null when the labelled rows hold a single class. */
  rocAuc: Estimate | null;
  /** Expected calibration error (10 equal-width bins). */
  ece: number | null;
  brier: number | null;
  /** Accuracy per group of each protected attribute or slice column present in the logged inputs. */
  groups: Record<string, Array<{ value: string; labelled: number; accuracy: Estimate }>>;
  /** Accuracy per declared slice of the policy (rows whose logged inputs match its filters). */
  slices?: Array<{ name: string; labelled: number; accuracy: Estimate }>;
}

/** Label-free performance estimated from the scores (confidence-based, as NannyML's CBPE). */
export interface EstimatedPerformance {
  method: 'cbpe';
  /** What the scores were calibrated on: the production version's evaluation holdout, or nothing (scores taken as calibrated). */
  calibration: 'reference' | 'identity';
  accuracy: number;
  rocAuc: number | null;
  /** Predictions the estimate is computed on. */
  n: number;
}

/** One window's results. */
export interface WindowResult {
  model: string;
  /** Window number since the monitor's origin (stable across Continue-As-New and restarts). */
  index: number;
  /** ISO 8601, inclusive. */
  start: string;
  /** ISO 8601, exclusive. */
  end: string;
  /** The production version whose training profile feature drift is measured against (null: none yet). */
  version: number | null;
  counts: { predictions: number; served: number; errors: number; labelled: number };
  /** Served predictions in the window (traffic volume). */
  volume: number;
  errorRate: number;
  latency: { p50Ms: number | null; p99Ms: number | null };
  /** Broken budgets (latency p50/p99, error rate), one line each; empty when within budget. */
  breaches: string[];
  /** Feature drift of the logged inputs against the production version's training profile. */
  featureDrift: DriftReport | null;
  /** Population stability index of the scores against the reference score histogram. */
  predictionDrift: { psi: number; threshold: number; drifted: boolean } | null;
  /** Realised performance, once labels arrived for the window's predictions. */
  performance: WindowPerformance | null;
  /** Estimated performance from scores alone (shown beside the realised value). */
  estimated: EstimatedPerformance | null;
  /** What could not be computed and why. */
  notes: string[];
}
