/**
 * The numbers of a window's results that trigger conditions and detectors can watch, by name. One
 * place maps a name to where it lives in a `WindowResult`, so the policy, the trigger evaluation and
 * the backtest agree. Pure module.
 */
import type { WindowResult } from './window';

export const windowMetricNames = [
  'accuracy',
  'rocAuc',
  'ece',
  'estimatedAccuracy',
  'estimatedRocAuc',
  'errorRate',
  'latencyP50Ms',
  'latencyP99Ms',
  'predictionPsi',
  'featureDriftShare',
  'volume',
  'labelled',
  'breaches',
] as const;
export type WindowMetricName = (typeof windowMetricNames)[number];

/**
 * Series with one value per prediction that the monitor (or the backtest) hands over with a window
 * for detectors: `error` is 1 for a wrong labelled prediction and 0 for a right one (what DDM and
 * EDDM expect), `score` the model's score, `latencyMs` the serving latency.
 */
export const perPredictionSeries = ['error', 'score', 'latencyMs'] as const;
export type PerPredictionSeries = (typeof perPredictionSeries)[number];

/**
 * One number of a window's results, or null when the window does not have it (no labels yet, no
 * reference to compare with, no traffic).
 *
 * @example windowMetric(window, 'accuracy') // 0.91, or null before labels arrive
 */
export function windowMetric(w: WindowResult, name: WindowMetricName): number | null {
  switch (name) {
    case 'accuracy':
      return w.performance?.accuracy.value ?? null;
    case 'rocAuc':
      return w.performance?.rocAuc?.value ?? null;
    case 'ece':
      return w.performance?.ece ?? null;
    case 'estimatedAccuracy':
      return w.estimated?.accuracy ?? null;
    case 'estimatedRocAuc':
      return w.estimated?.rocAuc ?? null;
    case 'errorRate':
      return w.counts.predictions > 0 ? w.errorRate : null;
    case 'latencyP50Ms':
      return w.latency.p50Ms;
    case 'latencyP99Ms':
      return w.latency.p99Ms;
    case 'predictionPsi':
      return w.predictionDrift?.psi ?? null;
    case 'featureDriftShare':
      return w.featureDrift?.dataset.share ?? null;
    case 'volume':
      return w.volume;
    case 'labelled':
      return w.counts.labelled;
    case 'breaches':
      return w.breaches.length;
  }
}

export function isWindowMetric(name: string): name is WindowMetricName {
  return (windowMetricNames as readonly string[]).includes(name);
}
