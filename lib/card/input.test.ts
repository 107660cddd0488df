import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProfileBuilder } from '../drift/profile';
import { evaluateClassifier, evaluateMulticlassModel, evaluateRegressor } from '../metrics';
import { loadPolicyFile } from '../policy/load';
import type { EvaluationBundle } from '../release/evidence';
import type { VersionLineage } from '../release/types';
import { projectRoot } from '../runtime/paths';
import { buildModelCardInput } from './input';
import { renderModelCardHtml, renderModelCardMarkdown } from './render';
import { modelCardInputSchema } from './types';

// A small evaluation bundle as the release stores it, around the given scores.
function bundleFor(scores: Float64Array, threshold: number): EvaluationBundle {
  const n = scores.length;
  const labels = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const group = Array.from({ length: n }, (_, i) => (i % 2 ? 'a' : 'b'));
  const profile = new ProfileBuilder();
  profile.add({ firstRow: 2, rows: n, columns: [{ name: 'score', type: 'numeric', values: scores }] });
  const latency = { runs: 1, p50: 1, p95: 1, p99: 1, mean: 1 };
  return {
    model: 'adult-income',
    releaseId: 'r1',
    createdAt: '2024-05-01T10:00:00Z',
    evaluationFile: '/data/eval.csv',
    evaluationSha256: 'a'.repeat(64),
    evaluationRows: n,
    evaluationProfile: profile.finish(),
    evaluation: evaluateClassifier({ labels, scores, threshold, groups: { group }, config: { resamples: 10, minGroupSize: 5 } }),
    importance: { metric: 'rocAuc', baseline: 0.8, repeats: 1, seed: 0, features: [] },
    importanceChange: null,
    latency: { single: latency, batch: { ...latency, batchSize: 8, rowsPerSecond: 8 }, modelSizeBytes: 1000, parameters: 10, backend: 'cpu' },
    production: null,
    gate: { passed: true, reasons: [], checks: [] },
  };
}

const lineage: VersionLineage = {
  dataSha256: 'b'.repeat(64),
  dataRows: 100,
  codeVersion: 'test',
  trainingConfigHash: 'c'.repeat(64),
  weightsSha256: 'd'.repeat(64),
  backend: 'wasm',
  taskQueue: 'steward-train-cpu',
  epochs: 3,
  policyHash: 'e'.repeat(64),
  parentVersion: null,
};

function cardFor(bundle: EvaluationBundle) {
  const policy = loadPolicyFile(resolve(projectRoot, 'policies/adult-income.json'));
  return buildModelCardInput({ policy, version: 1, createdAt: new Date('2024-05-01T10:00:00Z'), bundle, training: { fileName: 'train.csv', sha256: 'b'.repeat(64), profile: null }, lineage, approvals: [] });
}

describe('buildModelCardInput', () => {
  const n = 60;

  it('shows calibration for probabilities', () => {
    const card = cardFor(bundleFor(Float64Array.from({ length: n }, (_, i) => (i % 10) / 10 + 0.05), 0.5));
    expect(card.calibration?.bins.length).toBeGreaterThan(0);
    expect(card.calibration?.ece).toEqual(expect.any(Number));
    expect(card.metrics?.map((m) => m.name)).toContain('logLoss');
    expect(renderModelCardHtml(modelCardInputSchema.parse(card))).toContain('Calibration bins');
  });

  it('renders a card for scores that are not probabilities, saying why there is no calibration', () => {
    const card = cardFor(bundleFor(Float64Array.from({ length: n }, (_, i) => 1 + (i % 10)), 5));
    expect(modelCardInputSchema.parse(card)).toBeTruthy();
    expect(card.metrics?.map((m) => m.name)).toEqual(['accuracy', 'precision', 'recall', 'f1', 'rocAuc', 'prAuc']);
    const why = 'Not evaluated: log loss, Brier score, ECE and the calibration table need probabilities in [0, 1]; the scores range from 1 to 10.';
    expect(card.calibration).toEqual({ bins: [], note: why });
    const html = renderModelCardHtml(card);
    expect(html).toContain(why);
    expect(html).not.toContain('Calibration bins');
    expect(html).not.toContain('Expected calibration error');
    const md = renderModelCardMarkdown(card);
    expect(md).toContain('## Calibration\n\n_Not evaluated: log loss, Brier score, ECE and the calibration table need probabilities in \\[0, 1\\]; the scores range from 1 to 10._');
    expect(md).toContain('rocAuc');
  });
});

describe('cards of regressors and multiclass models', () => {
  const n = 240;
  const group = Array.from({ length: n }, (_, i) => (i % 2 ? 'weekday' : 'weekend'));

  it('a regressor: its metrics with intervals, residuals, predicted against actual, group error gaps and no calibration', () => {
    const labels = Float64Array.from({ length: n }, (_, i) => 50 + (i % 40) * 5);
    const predictions = Float64Array.from(labels, (y, i) => y + ((i * 7) % 11) - 5 + (i % 2 ? 0 : 12));
    const bundle = { ...bundleFor(new Float64Array(n).fill(0.5), 0.5), evaluation: evaluateRegressor({ labels, predictions, groups: { group }, config: { resamples: 20, minGroupSize: 5, fairness: { errorThresholds: { meanResidualDifference: 5 } } } }) };
    bundle.candidate = { format: 'onnx', runtime: 'onnxruntime-node 1.30.0 (cpu)', imported: { format: 'onnx', fileName: 'bike.onnx', sha256: 'f'.repeat(64), files: [], declaredIn: 'policy', origin: 'git:abc123', producer: 'pytorch 2.5' } };
    const card = modelCardInputSchema.parse(cardFor(bundle));
    expect(card.task).toBe('regression');
    expect(card.metrics?.map((m) => m.name)).toEqual(['mae', 'rmse', 'mse', 'r2', 'mape', 'meanResidual']);
    expect(card.residuals?.bins).toHaveLength(10);
    expect(card.taskFairness?.[0]?.gaps.find((g) => g.name === 'meanResidualDifference')).toMatchObject({ threshold: 5, verdict: 'fail' });
    const html = renderModelCardHtml(card);
    expect(html).toContain('Residuals and predicted against actual');
    expect(html).toContain('<title id="predicted-actual-t">Predicted against actual</title>');
    expect(html).toContain('Not applicable: a regression model predicts values, not probabilities.');
    expect(html).toContain('git:abc123');
    const md = renderModelCardMarkdown(card);
    expect(md).toContain('imported onnx model (bike.onnx)');
    expect(md).toMatch(/meanResidualDifference.*FAIL/);
  });

  it('a multiclass model: per-class rates, the confusion matrix and per-class gaps by group', () => {
    const classes = ['low', 'mid', 'high'];
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const probabilities = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) probabilities[i * 3 + k] = k === (i % 5 === 0 ? (labels[i]! + 1) % 3 : labels[i]) ? 0.6 : 0.2;
    const bundle = { ...bundleFor(new Float64Array(n).fill(0.5), 0.5), evaluation: evaluateMulticlassModel({ labels, classes, prediction: { probabilities }, groups: { group }, config: { resamples: 20, minGroupSize: 5 } }) };
    const card = modelCardInputSchema.parse(cardFor(bundle));
    expect(card.task).toBe('multiclass');
    expect(card.classes?.confusion.flat().reduce((a, b) => a + b, 0)).toBe(n);
    expect(card.taskFairness?.[0]?.groups[0]?.stats).toHaveProperty('recall:mid');
    const md = renderModelCardMarkdown(card);
    expect(md).toContain('## Per-class results');
    const html = renderModelCardHtml(card);
    expect(html).toContain('Confusion matrix (rows: actual class, columns: predicted class)');
    expect(html).toContain('<title id="confusion-t">Confusion matrix</title>');
    expect(html).not.toMatch(/NaN/);
    expect(md).toContain('macroF1');
  });
});
