import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isStewardError } from '../core/errors';
import { selectRows, type Table } from '../data/table';
import { initBackend } from '../model/backend';
import { packImportedModel, readImportArtifact } from '../model/imported';
import { loadModel } from '../model/serialize';
import { predictTask } from '../model/predict';
import { loadScoringModel } from '../model/scoring';
import { trainClassifier } from '../model/train';
import { projectRoot } from '../runtime/paths';
import { loadAdult } from '../../test/support/adult';
import { loadBikeYear } from '../../test/support/bike';
import { loadScorer, rowOutput } from './scorer';

const fixtures = join(projectRoot, 'test/fixtures/imported');

/** The scores evaluation computes for a stored model (lib/model/scoring.ts), to compare serving with. */
async function evaluationScores(bytes: Uint8Array, table: Table): Promise<Float64Array> {
  await initBackend();
  const model = await loadScoringModel(bytes);
  try {
    return await model.predict(table);
  } finally {
    await model.dispose();
  }
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

// The gateway's scorer against the training-time scoring path, per task and per kind of stored model.
describe('loadScorer', () => {
  it('serves a regressor in label units: the same bikes per hour as offline scoring', async () => {
    const { table: hours } = await loadBikeYear(2011, 1500);
    const features = { numeric: ['temp', 'hum', 'windspeed'], categorical: ['hr', 'workingday'], label: { column: 'cnt' } };
    const { modelBytes } = await trainClassifier({ table: hours, config: { task: 'regression', targetScaling: 'log1p', hiddenUnits: [8], epochs: 2, batchSize: 64, features } });
    const rows = selectRows(hours, Array.from({ length: 200 }, (_, i) => i));
    const { model, pipeline } = await loadModel(modelBytes);
    const offline = predictTask(model, pipeline, rows);
    model.dispose();
    const scorer = await loadScorer(modelBytes);
    const served = await scorer.score(rows);
    expect(scorer).toMatchObject({ engine: 'dense', task: 'regression', classes: null, outputWidth: 1 });
    // Counts, not standardised log counts.
    expect(Math.max(...served)).toBeGreaterThan(20);
    for (let i = 0; i < served.length; i++) expect(Math.abs(served[i]! - offline[i]!)).toBeLessThan(1e-3 * Math.max(1, offline[i]!));
  });

  it("serves a multiclass model's class probabilities on the dense pass, within 1e-6 of evaluation's TF.js scores", async () => {
    const { table: hours } = await loadBikeYear(2011, 1200);
    const weather = { ...hours, sky: Array.from(hours.weathersit as Float64Array, (w) => (w === 1 ? 'clear' : w === 2 ? 'mist' : 'rain')) } as Table;
    const features = { numeric: ['temp', 'hum', 'windspeed'], categorical: ['hr', 'season'], label: { column: 'sky', classes: ['clear', 'mist', 'rain'] } };
    const { modelBytes } = await trainClassifier({ table: weather, config: { task: 'multiclass', hiddenUnits: [16, 8], epochs: 3, batchSize: 64, features } });
    const scorer = await loadScorer(modelBytes);
    expect(scorer).toMatchObject({ engine: 'dense', task: 'multiclass', classes: ['clear', 'mist', 'rain'], outputWidth: 3, format: 'steward' });
    const served = await scorer.score(weather);
    expect(served.length).toBe(1200 * 3);
    expect(maxDifference(served, await evaluationScores(modelBytes, weather))).toBeLessThan(1e-6);
    const predicted = new Set<string>();
    for (let i = 0; i < 1200; i++) {
      const out = rowOutput(scorer, served, i);
      const p = out.prediction as number[];
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      // The logged number is the predicted class's probability, and that class is the most probable.
      expect(out.score).toBe(Math.max(...p));
      expect(out.predictedClass).toBe(scorer.classes![p.indexOf(out.score)]);
      predicted.add(out.predictedClass!);
    }
    expect(predicted.size).toBeGreaterThan(1);
  });

  it('serves an ONNX import on onnxruntime with exactly the scores evaluation gave, reading the declared inputs', async () => {
    const read = readImportArtifact(join(fixtures, 'bike-torch/bike.onnx'), undefined);
    const { bytes } = packImportedModel({ ...read, task: 'regression', origin: 'test' });
    const scorer = await loadScorer(bytes);
    try {
      expect(scorer).toMatchObject({ engine: 'onnx', format: 'onnx', task: 'regression', classes: null, outputWidth: 1 });
      expect(scorer.inputColumns).toEqual(['temp', 'atemp', 'hum', 'windspeed', 'season', 'hr', 'weekday', 'workingday', 'weathersit']);
      expect([...scorer.numericInputs]).toEqual(['temp', 'atemp', 'hum', 'windspeed']);
      const { table } = await loadBikeYear(2012, 300);
      const served = await scorer.score(table);
      expect(Math.max(...served)).toBeGreaterThan(100);
      expect(maxDifference(served, await evaluationScores(bytes, table))).toBe(0);
    } finally {
      await scorer.dispose();
    }
  });

  it('serves a Keras model converted to TF.js Layers with the scores evaluation gave', async () => {
    const read = readImportArtifact(join(fixtures, 'adult-keras'), undefined);
    const { bytes } = packImportedModel({ ...read, task: 'binary', origin: 'test' });
    const scorer = await loadScorer(bytes);
    try {
      expect(scorer).toMatchObject({ engine: 'tfjs', format: 'tfjs-layers', task: 'binary', outputWidth: 1 });
      const { table } = await loadAdult('adult.test', { limit: 300 });
      const served = await scorer.score(table);
      expect(maxDifference(served, await evaluationScores(bytes, table))).toBeLessThan(1e-6);
      expect(Math.min(...served)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...served)).toBeLessThanOrEqual(1);
    } finally {
      await scorer.dispose();
    }
  });

  it('refuses a corrupt imported artifact with the reason (the gateway then keeps serving what it served)', async () => {
    const refused = await loadScorer(new Uint8Array(Buffer.from('STWDIMP1 rest of an imported container'))).catch((e: unknown) => e);
    expect(isStewardError(refused)).toBe(true);
  });
});
