import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isStewardError, type StewardError } from '../core/errors';
import type { Table } from '../data/table';
import { projectRoot } from '../runtime/paths';
import { loadAdult } from '../../test/support/adult';
import { loadBikeYear } from '../../test/support/bike';
import { initBackend } from './backend';
import type { ModelTask } from './config';
import { onnxSummary, packImportedModel, readImportArtifact, type ImportSpec } from './imported';
import { loadScoringModel } from './scoring';

const fixtures = join(projectRoot, 'test/fixtures/imported');

/** The exporting framework's scores, committed beside the artifact (make_fixtures.py). */
function frameworkScores(folder: string): Float64Array {
  const lines = readFileSync(join(fixtures, folder, 'scores.csv'), 'utf8').trim().split('\n').slice(1);
  return Float64Array.from(lines, (l) => Number(l.split(',')[1]));
}

async function importAndOpen(path: string, task: ModelTask, declared?: ImportSpec) {
  const read = readImportArtifact(path, declared);
  const { bytes, artifact } = packImportedModel({ ...read, task, origin: 'test' });
  return { model: await loadScoringModel(bytes), artifact };
}

async function refusal(p: Promise<unknown>): Promise<StewardError> {
  try {
    await p;
  } catch (e) {
    if (isStewardError(e)) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

let bike2012: Table;
let adultTest: Table;
const tmp = mkdtempSync(join(tmpdir(), 'steward-import-'));

beforeAll(async () => {
  await initBackend('auto');
  bike2012 = (await loadBikeYear(2012, 500)).table;
  adultTest = (await loadAdult('adult.test', { limit: 500 })).table;
});

describe('importing a model trained elsewhere', () => {
  it("scores a PyTorch regressor exported to ONNX as PyTorch did (to 1e-5 of the predictions' scale)", async () => {
    const { model, artifact } = await importAndOpen(join(fixtures, 'bike-torch/bike.onnx'), 'regression');
    try {
      expect(artifact).toMatchObject({ format: 'onnx', fileName: 'bike.onnx', declaredIn: 'steward-import.json', origin: 'test' });
      expect(artifact.producer).toMatch(/pytorch/);
      expect(artifact.sha256).toMatch(/^[0-9a-f]{64}$/);
      const expected = frameworkScores('bike-torch');
      const scores = await model.predict(bike2012);
      expect(scores.length).toBe(expected.length);
      // Counts in the hundreds are float32 in both runtimes (7 significant digits): the difference is
      // measured against the scale of the predictions, their standard deviation.
      const mean = expected.reduce((a, b) => a + b, 0) / expected.length;
      const scale = Math.sqrt(expected.reduce((a, b) => a + (b - mean) ** 2, 0) / expected.length);
      let worst = 0;
      for (let i = 0; i < scores.length; i++) worst = Math.max(worst, Math.abs(scores[i]! - expected[i]!));
      expect(scale).toBeGreaterThan(50);
      expect(worst / scale).toBeLessThan(1e-5);
      expect(model.describe()).toMatchObject({ format: 'onnx', task: 'regression' });
      expect(model.parameters).toBeGreaterThan(1000);
    } finally {
      await model.dispose();
    }
  });

  it('scores a Keras classifier converted by tensorflowjs_converter exactly as Keras did (to 1e-5)', async () => {
    const { model, artifact } = await importAndOpen(join(fixtures, 'adult-keras'), 'binary');
    try {
      expect(artifact.format).toBe('tfjs-layers');
      expect(artifact.files.map((f) => f.name)).toEqual(['model.json', 'group1-shard1of1.bin']);
      expect(artifact.producer).toMatch(/keras v2\.19\.0.*TensorFlow\.js Converter/);
      const expected = frameworkScores('adult-keras');
      const scores = await model.predict(adultTest);
      let worst = 0;
      for (let i = 0; i < scores.length; i++) worst = Math.max(worst, Math.abs(scores[i]! - expected[i]!));
      expect(scores.length).toBe(500);
      expect(worst).toBeLessThan(1e-5);
    } finally {
      await model.dispose();
    }
  });

  it('reads an ONNX file for what it is: producer, operators and parameters', () => {
    const summary = onnxSummary(readFileSync(join(fixtures, 'bike-torch/bike.onnx')));
    expect(summary.producer).toBe('pytorch');
    expect(summary.operators).toEqual(expect.arrayContaining(['Gemm', 'Relu']));
    expect(summary.parameters).toBe(45 * 32 + 32 + 32 * 16 + 16 + 16 + 1 + 2);
    expect(() => onnxSummary(Buffer.from('{"not": "onnx"}'))).toThrow();
  });

  it('takes the declaration from the policy when there is none beside the artifact, and refuses two that disagree', async () => {
    const dir = join(tmp, 'policy-declared');
    cpSync(join(fixtures, 'bike-torch'), dir, { recursive: true });
    const beside = JSON.parse(readFileSync(join(dir, 'steward-import.json'), 'utf8')) as ImportSpec;
    writeFileSync(join(dir, 'steward-import.json'), JSON.stringify({ ...beside, output: 'value' }));
    expect(readImportArtifact(join(dir, 'bike.onnx'), beside).declaredIn).toBe('policy');
    const other = { ...beside, inputs: beside.inputs.slice(1) };
    expect(() => readImportArtifact(join(dir, 'bike.onnx'), other)).toThrow(/declares other inputs/);
    const bare = join(tmp, 'bare.onnx');
    copyFileSync(join(dir, 'bike.onnx'), bare);
    expect(() => readImportArtifact(bare, undefined)).toThrow(/no declaration of the model's inputs/);
  });
});

describe('refusing a bad artifact with a clear error', () => {
  const besideBike = () => JSON.parse(readFileSync(join(fixtures, 'bike-torch/steward-import.json'), 'utf8')) as ImportSpec;

  it('refuses a corrupt ONNX file', async () => {
    const file = join(tmp, 'corrupt.onnx');
    writeFileSync(file, readFileSync(join(fixtures, 'bike-torch/bike.onnx')).subarray(0, 4000));
    const err = await refusal(importAndOpen(file, 'regression', besideBike()));
    expect(err.type).toBe('InvalidArtifact');
    expect(err.message).toMatch(/corrupt\.onnx.*not an ONNX model.*corrupt/);
  });

  it('refuses an ONNX model whose input is wider than the declaration', async () => {
    const spec = besideBike();
    const file = join(tmp, 'undeclared.onnx');
    copyFileSync(join(fixtures, 'bike-torch/bike.onnx'), file);
    // Without its last input (weathersit, one-hot over 4 values): 41 of the model's 45.
    const err = await refusal(importAndOpen(file, 'regression', { ...spec, inputs: spec.inputs.slice(0, -1) }));
    expect(err.type).toBe('InvalidArtifact');
    expect(err.message).toMatch(/wrong input width: the model's input "features" takes 45 features per row, the declaration gives 41/);
  });

  it('refuses an ONNX operator the runtime does not implement, naming it', async () => {
    const err = await refusal(importAndOpen(join(fixtures, 'unknown-op.onnx'), 'regression', besideBike()));
    expect(err.type).toBe('InvalidArtifact');
    expect(err.message).toMatch(/does not support an operator.*FancyAttention/);
  });

  it('refuses a TF.js model with a layer TF.js does not know, a truncated weight file, or the wrong width', async () => {
    const dir = join(tmp, 'keras-unknown');
    cpSync(join(fixtures, 'adult-keras'), dir, { recursive: true });
    const json = readFileSync(join(dir, 'model.json'), 'utf8');
    writeFileSync(join(dir, 'model.json'), json.replace('"class_name": "Dense"', '"class_name": "MysteryDense"'));
    const unknown = await refusal(importAndOpen(dir, 'binary'));
    expect(unknown.type).toBe('InvalidArtifact');
    expect(unknown.message).toMatch(/Unknown layer: MysteryDense/);

    const truncated = join(tmp, 'keras-truncated');
    cpSync(join(fixtures, 'adult-keras'), truncated, { recursive: true });
    writeFileSync(join(truncated, 'group1-shard1of1.bin'), readFileSync(join(truncated, 'group1-shard1of1.bin')).subarray(0, 1000));
    expect((await refusal(importAndOpen(truncated, 'binary'))).message).toMatch(/weight files hold 1000 bytes, the manifest describes 2436/);

    const spec = JSON.parse(readFileSync(join(fixtures, 'adult-keras/steward-import.json'), 'utf8')) as ImportSpec;
    const undeclared = join(tmp, 'keras-undeclared');
    cpSync(join(fixtures, 'adult-keras'), undeclared, { recursive: true });
    rmSync(join(undeclared, 'steward-import.json'));
    const narrow = await refusal(importAndOpen(undeclared, 'binary', { ...spec, inputs: spec.inputs.slice(1) }));
    expect(narrow.message).toMatch(/wrong input width: the model takes 28 features per row, the declaration gives 27/);
  });

  it('refuses a file of another format', async () => {
    const file = join(tmp, 'weights.pt');
    writeFileSync(file, 'not a model');
    expect(() => readImportArtifact(file, besideBike())).toThrow(/unknown model format "\.pt"/);
  });
});
