import { describe, expect, it } from 'vitest';
import { judge, scoreDrift } from './analysis';
import { analysisConfigSchema, type WindowStats } from './types';

const config = analysisConfigSchema.parse({ maxErrorRate: 0.01, maxLatencyP99Ms: 50, maxPredictionDrift: 0.2, minRequests: 50, minLabels: 100, maxAccuracyDrop: 0.02 });
const stats = (over: Partial<WindowStats> = {}): WindowStats => ({ version: 2, predictions: 400, errors: 0, errorRate: 0, latencyP99Ms: 4, labelled: 0, correct: 0, ...over });

describe('a rollout analysis window', () => {
  it('passes within every budget', () => {
    expect(judge({ candidate: stats(), baseline: stats({ version: 1 }), drift: 0.05, config })).toEqual({ verdict: 'pass', reasons: [] });
  });

  it('fails on the error rate, the p99 latency, the score drift and the live-label accuracy, saying each', () => {
    const { verdict, reasons } = judge({
      candidate: stats({ errors: 20, errorRate: 0.05, latencyP99Ms: 80, labelled: 200, correct: 150 }),
      baseline: stats({ version: 1, labelled: 200, correct: 170 }),
      drift: 0.31,
      config,
    });
    expect(verdict).toBe('fail');
    expect(reasons).toEqual([
      'error rate 5.00% of v2 (20/400) is above the budget of 1.00%',
      'latency p99 80.0 ms of v2 is above the budget of 50 ms',
      'prediction drift (PSI) 0.310 of v2 against v1 on the same window is above 0.2',
      "accuracy on live labels 75.0% of v2 (200 labelled) is 10.0 points below v1's 85.0%, more than the 2.0 allowed",
    ]);
  });

  it('is inconclusive on too little traffic, unless the errors already decide it', () => {
    expect(judge({ candidate: stats({ predictions: 10 }), baseline: null, drift: null, config })).toMatchObject({ verdict: 'inconclusive' });
    expect(judge({ candidate: stats({ predictions: 10, errors: 6, errorRate: 0.6 }), baseline: null, drift: null, config })).toMatchObject({ verdict: 'fail' });
  });

  it('measures score drift as PSI over ten bins: none for the same scores, large for shifted ones', () => {
    const a = Float64Array.from({ length: 1000 }, (_, i) => (i % 100) / 100);
    expect(scoreDrift(a, a)).toBe(0);
    expect(scoreDrift(a.map((s) => Math.min(0.999, s * 0.3)), a)).toBeGreaterThan(1);
  });
});
