/**
 * One scoring interface for every kind of model a release can carry: a model Steward trained
 * (TF.js, `STWDMDL1`), and a model trained elsewhere and imported (ONNX or TF.js Layers,
 * `STWDIMP1`, see imported.ts). Evaluation, permutation importance, latency and whatever else scores
 * rows call `loadScoringModel(bytes)` and `predict(table)`, and never ask which kind it is.
 *
 * `predict` answers in the task's terms: the probability of the positive class (binary), the value
 * in label units (regression), or a row-major `rows x classes` matrix of class probabilities in the
 * model's class order (multiclass; `outputWidth` is the number of classes).
 */
import { StewardError } from '../core/errors';
import type { Table } from '../data/table';
import type { ModelTask } from './config';
import type { FeaturePipeline } from './features';
import { IMPORTED_MAGIC, openImportedModel, type ImportedArtifact, type ImportFormat } from './imported';
import { predictTask, timePredictions, type LatencyOptions, type LatencyReport } from './predict';
import { CHECKPOINT_MAGIC, loadModel, MODEL_MAGIC, type LoadedModel } from './serialize';
import { tf } from './tf';

/** How a model turns table rows into its input matrix (a fitted FeaturePipeline, or an import's declared inputs). */
export interface ScoringPipeline {
  /** Values per row of the input matrix. */
  readonly width: number;
  /** Name of each input value, e.g. 'age', 'workclass=Private'. */
  readonly featureNames: readonly string[];
  /** Table columns read. */
  readonly inputColumns: string[];
  rows(table: Table): number;
  transform(table: Table): Float32Array;
}

/** What a model is, for people (the card, logs). */
export interface ScoringDescription {
  format: 'steward' | ImportFormat;
  task: ModelTask;
  runtime: string;
  inputs: string[];
  imported?: ImportedArtifact;
  /** Operators (ONNX) or layer classes (TF.js) of an imported model. */
  operators?: string[];
}

/** A model ready to score rows (see the module comment for what `predict` returns). */
export interface ScoringModel {
  readonly task: ModelTask;
  readonly format: 'steward' | ImportFormat;
  /** Multiclass: the classes, in the order of each row's probabilities. */
  readonly classes?: readonly string[];
  /** Values per row of `predict`: 1, or the number of classes. */
  readonly outputWidth: number;
  readonly pipeline: ScoringPipeline;
  /** Columns of the table the model reads. */
  readonly inputColumns: readonly string[];
  /** Size of the stored model in bytes (container included). */
  readonly sizeBytes: number;
  /** Trainable values (weights and biases). */
  readonly parameters: number | null;
  /** What runs it, e.g. 'TensorFlow.js 4.22.0 (wasm)', 'onnxruntime-node 1.30.0 (cpu)'. */
  readonly runtime: string;
  /** Present for a model trained elsewhere. */
  readonly imported?: ImportedArtifact;
  predict(table: Table): Promise<Float64Array>;
  describe(): ScoringDescription;
  /** Frees the runtime's memory (tensors, an ONNX session). */
  dispose(): void | Promise<void>;
}

/**
 * A Steward-trained model as a scoring model.
 *
 * @example const scoring = stewardScoringModel(await loadModel(bytes), bytes.length);
 */
export function stewardScoringModel(loaded: LoadedModel, sizeBytes: number): ScoringModel {
  const { model, pipeline } = loaded;
  const target = pipeline.target;
  const classes = target?.task === 'multiclass' ? target.classes : undefined;
  const runtime = `TensorFlow.js ${tf.version.tfjs} (${tf.getBackend()})`;
  return {
    task: pipeline.task,
    format: 'steward',
    classes,
    outputWidth: classes?.length ?? 1,
    pipeline: pipeline as FeaturePipeline & ScoringPipeline,
    inputColumns: pipeline.inputColumns,
    sizeBytes,
    parameters: model.countParams(),
    runtime,
    predict: async (table) => predictTask(model, pipeline, table),
    describe: () => ({ format: 'steward', task: pipeline.task, runtime, inputs: [...pipeline.featureNames] }),
    dispose: () => void model.dispose(),
  };
}

/**
 * Opens any stored model for scoring: a Steward model or an imported one, told apart by their
 * container's magic bytes. The caller disposes it.
 *
 * @example
 *   const model = await loadScoringModel(await artifacts.get(version.modelSha256));
 *   try { const yhat = await model.predict(table); } finally { await model.dispose(); }
 */
export async function loadScoringModel(bytes: Uint8Array): Promise<ScoringModel> {
  const magic = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(8, bytes.byteLength)).toString('latin1');
  if (magic === MODEL_MAGIC) return stewardScoringModel(await loadModel(bytes), bytes.byteLength);
  if (magic === IMPORTED_MAGIC) return openImportedModel(bytes);
  if (magic === CHECKPOINT_MAGIC) throw new StewardError('ArtifactIntegrity', 'a training checkpoint, not a model');
  throw new StewardError('ArtifactIntegrity', 'not a Steward model (bad magic bytes)');
}

/**
 * Inference latency of any scoring model on rows of `sampleTable`: single rows and batches, end to
 * end (input encoding, the runtime, reading the result), after a few warm-up calls.
 *
 * @example const latency = await measureScoringLatency(model, table, { singleRuns: 200, batchSize: 256 });
 */
export async function measureScoringLatency(
  model: ScoringModel,
  sampleTable: Table,
  options: LatencyOptions = {},
): Promise<LatencyReport> {
  const { single, batch } = await timePredictions((t) => model.predict(t), sampleTable, model.pipeline.rows(sampleTable), options);
  return {
    single,
    batch,
    modelSizeBytes: model.sizeBytes,
    parameters: model.parameters ?? 0,
    backend: model.runtime,
  };
}
