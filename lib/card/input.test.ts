import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProfileBuilder } from '../drift/profile';
import { evaluateClassifier } from '../metrics';
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
