import { beforeAll, describe, expect, it } from 'vitest';
import { adultFeatures, loadAdult } from '../../test/support/adult';
import type { Table } from '../data/table';
import type { TrainingConfigInput } from './config';
import { openStoredModel } from './dense';
import { predictProba } from './predict';
import { loadModel } from './serialize';
import { trainClassifier } from './train';

let train: Table;
let test: Table;

beforeAll(async () => {
  train = (await loadAdult('adult.data', { limit: 2000 })).table;
  test = (await loadAdult('adult.test', { limit: 3000 })).table;
});

async function maxDifference(config: Partial<TrainingConfigInput>): Promise<number> {
  const { modelBytes } = await trainClassifier({ table: train, config: { epochs: 2, batchSize: 64, earlyStopping: { enabled: false }, features: adultFeatures, ...config } });
  const tfjs = await loadModel(modelBytes);
  const expected = predictProba(tfjs.model, tfjs.pipeline, test);
  tfjs.model.dispose();
  const stored = openStoredModel(modelBytes);
  expect(stored.network, stored.unsupported).not.toBeNull();
  const rows = stored.pipeline.rows(test);
  const actual = stored.network!.predict(stored.pipeline.transform(test), rows);
  let max = 0;
  for (let i = 0; i < rows; i++) max = Math.max(max, Math.abs(actual[i] - expected[i]));
  return max;
}

describe('the dense forward pass', () => {
  it("scores 3000 Adult test rows within 1e-6 of TensorFlow.js's predictProba (the shipped [64, 32] ReLU network)", async () => {
    expect(await maxDifference({ hiddenUnits: [64, 32] })).toBeLessThan(1e-6);
  });

  it('matches TensorFlow.js for the other activations and for a network without hidden layers', async () => {
    expect(await maxDifference({ hiddenUnits: [16], activation: 'tanh' })).toBeLessThan(1e-6);
    expect(await maxDifference({ hiddenUnits: [8, 8], activation: 'selu' })).toBeLessThan(1e-6);
    expect(await maxDifference({ hiddenUnits: [] })).toBeLessThan(1e-6);
  });

  it('refuses a model whose stored topology is not a plain Dense stack, saying why', async () => {
    const { modelBytes } = await trainClassifier({ table: train, config: { hiddenUnits: [4], epochs: 1, earlyStopping: { enabled: false }, features: adultFeatures } });
    const headerLength = modelBytes.readUInt32LE(8);
    const header = JSON.parse(modelBytes.toString('utf8', 12, 12 + headerLength));
    header.modelTopology.config.layers[0].class_name = 'BatchNormalization';
    const { DenseNetwork } = await import('./dense');
    const built = DenseNetwork.fromStored(header, new Uint8Array(modelBytes.subarray(12 + headerLength)));
    expect(built).toEqual({ unsupported: 'layer hidden_1 is BatchNormalization' });
  });
});
