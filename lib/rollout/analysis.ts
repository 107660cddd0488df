/**
 * Judging one analysis window of a rollout: the new version's error rate and latency against the
 * policy's budgets, its score distribution against production's on the same window (PSI), and,
 * when enough live labels have arrived, its accuracy against production's on those rows.
 *
 * Verdicts follow Argo Rollouts' analysis: `fail` when a budget is broken, `inconclusive` when the
 * window has too little of the new version's traffic to judge (the rollout then pauses for a
 * person), `error` when the measurement could not be taken (counted against the
 * consecutive-error limit), else `pass`.
 *
 * Pure module.
 */
import { populationStabilityIndex } from '../drift/tests';
import type { AnalysisConfig, MeasurementVerdict, WindowStats } from './types';

/** Score bins for the drift check: ten equal-width bins on [0, 1]. */
export const SCORE_BINS = 10;

/**
 * Population stability index of the candidate's scores against the baseline's.
 *
 * @example scoreDrift(Float64Array.of(0.1, 0.2), Float64Array.of(0.1, 0.9))
 */
export function scoreDrift(candidate: ArrayLike<number>, baseline: ArrayLike<number>): number {
  const histogram = (scores: ArrayLike<number>) => {
    const counts = new Float64Array(SCORE_BINS);
    for (let i = 0; i < scores.length; i++) counts[Math.min(SCORE_BINS - 1, Math.max(0, Math.floor(scores[i] * SCORE_BINS)))]++;
    return counts;
  };
  return populationStabilityIndex(histogram(baseline), histogram(candidate));
}

/**
 * The verdict on one window, with a line per broken budget.
 *
 * @example judge({ candidate, baseline, drift: 0.03, config }) // { verdict: 'pass', reasons: [] }
 */
export function judge(args: { candidate: WindowStats; baseline: WindowStats | null; drift: number | null; config: AnalysisConfig }): { verdict: MeasurementVerdict; reasons: string[] } {
  const { candidate: c, baseline: b, drift, config } = args;
  const reasons: string[] = [];
  // Errors are judged even on thin traffic: 5 failures out of 8 is already a verdict.
  const errorsAlone = c.errors > config.maxErrorRate * config.minRequests;
  if (c.predictions > 0 && c.errorRate > config.maxErrorRate && (c.predictions >= config.minRequests || errorsAlone)) {
    reasons.push(`error rate ${(c.errorRate * 100).toFixed(2)}% of v${c.version} (${c.errors}/${c.predictions}) is above the budget of ${(config.maxErrorRate * 100).toFixed(2)}%`);
  }
  if (reasons.length === 0 && c.predictions < config.minRequests) {
    return { verdict: 'inconclusive', reasons: [`only ${c.predictions} prediction(s) of v${c.version} in the window; the analysis needs ${config.minRequests}`] };
  }
  if (c.latencyP99Ms !== null && c.latencyP99Ms > config.maxLatencyP99Ms) {
    reasons.push(`latency p99 ${c.latencyP99Ms.toFixed(1)} ms of v${c.version} is above the budget of ${config.maxLatencyP99Ms} ms`);
  }
  if (drift !== null && drift > config.maxPredictionDrift) {
    reasons.push(`prediction drift (PSI) ${drift.toFixed(3)} of v${c.version} against v${b?.version} on the same window is above ${config.maxPredictionDrift}`);
  }
  if (b && c.labelled >= config.minLabels && b.labelled >= config.minLabels) {
    const accuracy = c.correct / c.labelled;
    const baseAccuracy = b.correct / b.labelled;
    if (baseAccuracy - accuracy > config.maxAccuracyDrop) {
      reasons.push(
        `accuracy on live labels ${(accuracy * 100).toFixed(1)}% of v${c.version} (${c.labelled} labelled) is ${((baseAccuracy - accuracy) * 100).toFixed(1)} points below v${b.version}'s ${(baseAccuracy * 100).toFixed(1)}%, more than the ${(config.maxAccuracyDrop * 100).toFixed(1)} allowed`,
      );
    }
  }
  return { verdict: reasons.length > 0 ? 'fail' : 'pass', reasons };
}
