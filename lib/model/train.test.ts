import { beforeAll, describe, expect, it } from 'vitest';
import { isStewardError } from '../core/errors';
import type { TrainingConfigInput } from './config';
import type { Table } from '../data/table';
import { labelsFromTable } from './features';
import { measureLatency, predictProba, predictTask } from './predict';
import { loadModel, serializeModel } from './serialize';
import { adultFeatures, loadAdult } from '../../test/support/adult';
import { isTrainingCancelled, trainClassifier, type EpochReport } from './train';

let train: Table;
let small: Table;
let test: Table;

beforeAll(async () => {
  train = (await loadAdult('adult.data', { limit: 3000 })).table;
  small = (await loadAdult('adult.data', { limit: 1200 })).table;
  test = (await loadAdult('adult.test', { limit: 2000 })).table;
});

/** A quick configuration: a few epochs on a small slice is enough to exercise every mechanism. */
const quick = (over: Partial<TrainingConfigInput> = {}): TrainingConfigInput => ({
  hiddenUnits: [16, 8],
  epochs: 3,
  batchSize: 64,
  dropout: 0.2,
  features: adultFeatures,
  ...over,
});

const withoutTimings = ({ durationMs: _d, samplesPerSecond: _s, ...rest }: EpochReport) => rest;

function accuracy(p: Float64Array, y: Uint8Array): number {
  let hits = 0;
  for (let i = 0; i < p.length; i++) hits += (p[i]! >= 0.5 ? 1 : 0) === y[i] ? 1 : 0;
  return hits / p.length;
}

describe('trainClassifier on UCI Adult', () => {
  it('beats the majority baseline on held-out rows: accuracy > 0.80 after training on 3000 rows', async () => {
    const epochs: EpochReport[] = [];
    const result = await trainClassifier({ table: train, config: { epochs: 12, features: adultFeatures }, onEpoch: (r) => void epochs.push(r) });
    expect(result.backend.name).toBe('wasm');
    expect(epochs.map((e) => e.epoch)).toEqual(result.history.map((h) => h.epoch));
    expect(epochs[0]!.valLoss).toBeGreaterThan(epochs.at(-1)!.bestValLoss!);

    const { model, pipeline } = await loadModel(result.modelBytes);
    const y = labelsFromTable(test, adultFeatures.label);
    const majority = 1 - y.reduce((s, v) => s + v, 0) / y.length;
    const acc = accuracy(predictProba(model, pipeline, test), y);
    expect(majority).toBeGreaterThan(0.74);
    expect(acc).toBeGreaterThan(0.8);
    expect(acc - majority).toBeGreaterThan(0.04);

    const latency = await measureLatency(model, pipeline, test, { singleRuns: 50, batchSize: 128, batchRuns: 10 });
    expect(latency.single.p50).toBeGreaterThan(0);
    expect(latency.single.p50).toBeLessThanOrEqual(latency.single.p95);
    expect(latency.single.p95).toBeLessThanOrEqual(latency.single.p99);
    expect(latency.batch.batchSize).toBe(128);
    expect(latency.modelSizeBytes).toBeGreaterThan(latency.parameters * 4);
    model.dispose();
  });

  it('is deterministic: same data and seed give the same weights hash, another seed does not', async () => {
    const a = await trainClassifier({ table: small, config: quick({ seed: 7 }) });
    const b = await trainClassifier({ table: small, config: quick({ seed: 7 }) });
    const c = await trainClassifier({ table: small, config: quick({ seed: 8 }) });
    expect(b.weightsSha256).toBe(a.weightsSha256);
    expect(Buffer.compare(a.modelBytes, b.modelBytes)).toBe(0);
    expect(c.weightsSha256).not.toBe(a.weightsSha256);
    expect(b.history.map((h) => h.loss)).toEqual(a.history.map((h) => h.loss));
  });

  it('resumes from the checkpoint of epoch k to exactly the weights of an uninterrupted run', async () => {
    for (const optimizer of ['adam', 'sgd'] as const) {
      const config = quick({ epochs: 4, optimizer, learningRate: optimizer === 'sgd' ? 0.01 : 0.001, classWeights: 'balanced' });
      const checkpoints: Buffer[] = [];
      const full = await trainClassifier({ table: small, config, onCheckpoint: (bytes) => void checkpoints.push(bytes) });
      expect(checkpoints).toHaveLength(4);

      const epochsSeen: number[] = [];
      const resumed = await trainClassifier({ table: small, config, checkpoint: checkpoints[1], onEpoch: (r) => void epochsSeen.push(r.epoch) });
      expect(resumed.resumedFromEpoch).toBe(2);
      expect(epochsSeen).toEqual([3, 4]); // only the epochs after the checkpoint are redone
      expect(resumed.weightsSha256).toBe(full.weightsSha256);
      // Losses of the redone epochs match too; only wall-clock timings may differ.
      expect(resumed.history.map(withoutTimings)).toEqual(full.history.map(withoutTimings));
    }
  });

  it('refuses a checkpoint of another config or a corrupted one as ArtifactIntegrity', async () => {
    let checkpoint: Buffer | undefined;
    await trainClassifier({ table: small, config: quick({ epochs: 1 }), onCheckpoint: (b) => void (checkpoint = b) });
    await expect(trainClassifier({ table: small, config: quick({ epochs: 1, seed: 9 }), checkpoint })).rejects.toSatisfy(
      (e) => isStewardError(e) && e.type === 'ArtifactIntegrity' && /different training config/.test(e.message),
    );
    const corrupt = Buffer.from(checkpoint!);
    corrupt[corrupt.length - 1] ^= 0xff;
    await expect(trainClassifier({ table: small, config: quick({ epochs: 1 }), checkpoint: corrupt })).rejects.toSatisfy(
      (e) => isStewardError(e) && e.type === 'ArtifactIntegrity',
    );
  });

  it('stops within one epoch when cancelled, with a recognisable cancellation error', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const run = trainClassifier({
      table: small,
      config: quick({ epochs: 50, earlyStopping: { enabled: false } }),
      signal: controller.signal,
      onEpoch: (r) => {
        seen.push(r.epoch);
        if (r.epoch === 1) controller.abort(new Error('activity cancelled'));
      },
    });
    const error = await run.catch((e: unknown) => e);
    expect(isTrainingCancelled(error)).toBe(true);
    expect(error).toMatchObject({ name: 'TrainingCancelled', completedEpochs: 1 });
    expect(seen).toEqual([1]);

    // An abort from outside, mid-epoch, lands at the next batch.
    const mid = new AbortController();
    const started = performance.now();
    setTimeout(() => mid.abort(), 50);
    const e2 = await trainClassifier({ table: small, config: quick({ epochs: 500 }), signal: mid.signal }).catch((e: unknown) => e);
    expect(isTrainingCancelled(e2)).toBe(true);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('round-trips the model bytes: loaded and re-serialized models predict identically', async () => {
    const result = await trainClassifier({ table: small, config: quick({ epochs: 2 }) });
    const first = await loadModel(result.modelBytes);
    expect(first.weightsSha256).toBe(result.weightsSha256);
    expect(first.pipeline.fingerprint).toBe(result.pipeline.fingerprint);
    const again = await loadModel((await serializeModel(first.model, first.pipeline, first.metadata)).bytes);
    const p1 = predictProba(first.model, first.pipeline, test);
    const p2 = predictProba(again.model, again.pipeline, test);
    expect(p2).toEqual(p1);
    expect(again.weightsSha256).toBe(result.weightsSha256);
    first.model.dispose();
    again.model.dispose();

    const truncated = result.modelBytes.subarray(0, result.modelBytes.length - 10);
    await expect(loadModel(truncated)).rejects.toMatchObject({ type: 'ArtifactIntegrity' });
  });

  it('fits the pipeline on training rows only and scores test rows with categories it never saw', async () => {
    const result = await trainClassifier({ table: small, config: quick({ epochs: 1 }) });
    const seen = new Set(small['native-country'] as (string | null)[]);
    const unseen = (test['native-country'] as (string | null)[]).filter((c) => c !== null && !seen.has(c));
    expect(unseen.length).toBeGreaterThan(0);
    expect(result.pipeline.toJSON().trainingRows).toBe(1200);
    expect(result.pipeline.featureNames.some((n) => unseen.some((u) => n === `native-country=${u}`))).toBe(false);
    const { model, pipeline } = await loadModel(result.modelBytes);
    const p = predictProba(model, pipeline, test);
    expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
    model.dispose();
  });

  it('fails as TrainingFailed when the labels hold a single class', async () => {
    await expect(trainClassifier({ table: small, labels: new Uint8Array(1200), config: quick() })).rejects.toMatchObject({ type: 'TrainingFailed' });
  });
});

describe('training a regressor and a multiclass classifier', () => {
  it('a regressor with the Huber loss on log1p-scaled counts predicts bikes per hour better than the mean does', async () => {
    const { loadBikeYear } = await import('../../test/support/bike');
    const { table: hours } = await loadBikeYear(2011, 3000);
    const { table: later } = await loadBikeYear(2011, 4000);
    const heldOut = Object.fromEntries(Object.entries(later).map(([k, v]) => [k, v.slice(3000)])) as Table;
    const features = { numeric: ['temp', 'hum', 'windspeed'], categorical: ['hr', 'workingday', 'weathersit'], label: { column: 'cnt' } };
    const result = await trainClassifier({ table: hours, config: { task: 'regression', loss: 'huber', targetScaling: 'log1p', hiddenUnits: [16], epochs: 6, batchSize: 64, learningRate: 0.003, features } });
    expect(result.history.every((h) => Number.isFinite(h.loss))).toBe(true);
    const { model, pipeline } = await loadModel(result.modelBytes);
    const predicted = predictTask(model, pipeline, heldOut);
    model.dispose();
    const actual = heldOut.cnt as Float64Array;
    const mean = (hours.cnt as Float64Array).reduce((a, b) => a + b, 0) / hours.cnt!.length;
    const mae = (p: (i: number) => number) => actual.reduce((s, y, i) => s + Math.abs(y - p(i)), 0) / actual.length;
    // Counts, not log counts: the scaling is undone by predictTask.
    expect(Math.max(...predicted)).toBeGreaterThan(50);
    expect(mae((i) => predicted[i]!)).toBeLessThan(0.8 * mae(() => mean));
  });

  it('a multiclass classifier gives one probability per class, each row summing to 1', async () => {
    const education = { 'HS-grad': 'high-school', 'Some-college': 'some-college', Bachelors: 'degree', Masters: 'degree' } as Record<string, string>;
    const level = (train.education as string[]).map((e) => education[e] ?? 'no-diploma');
    const table = { ...train, level } as Table;
    const features = { numeric: ['age', 'hours-per-week'], categorical: ['occupation', 'relationship'], label: { column: 'level', classes: ['no-diploma', 'high-school', 'some-college', 'degree'] } };
    const result = await trainClassifier({ table, config: { task: 'multiclass', classWeights: 'balanced', hiddenUnits: [16], epochs: 3, batchSize: 64, features } });
    const { model, pipeline } = await loadModel(result.modelBytes);
    const p = predictTask(model, pipeline, table);
    model.dispose();
    expect(p.length).toBe(4 * level.length);
    for (let i = 0; i < 20; i++) expect(p[4 * i]! + p[4 * i + 1]! + p[4 * i + 2]! + p[4 * i + 3]!).toBeCloseTo(1, 5);
  });
});
