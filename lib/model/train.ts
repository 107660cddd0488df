/**
 * Trains the tabular MLP of a `TrainingConfig` reproducibly, resumably and cancellably, for each
 * task: a binary classifier (sigmoid head, binary cross-entropy), a multiclass classifier (softmax
 * head over the label's classes, categorical cross-entropy) or a regressor (linear head, MSE or
 * Huber loss on the target scaled as the recipe says; the scaling is stored in the pipeline and
 * undone at prediction). Early stopping watches the task's own loss on the held-out rows.
 *
 * Why a hand-written loop instead of `model.fit`:
 * - determinism: every random draw (initial weights, validation split, shuffles, dropout masks)
 *   comes from seeded `StreamRng` streams, so data + config + backend fix the weights bit for bit;
 *   tfjs's own shuffle and dropout use generators that cannot be seeded per call or saved;
 * - exact resume: the optimiser (Adam / SGD with momentum) is implemented here on plain tensors,
 *   so its full state (moments, step count) is checkpointed; tfjs's optimisers recompute
 *   beta^t with `pow` on restore, which differs in the last bits from the running product;
 * - cancellation: the AbortSignal is checked before every batch and the loop yields to the event
 *   loop between batches, so an abort (e.g. Temporal activity cancellation) lands within a batch.
 *
 * The exported model is an ordinary tfjs LayersModel (Dense layers with fixed names; a sigmoid,
 * softmax or linear output) so any tfjs runtime can load it; dropout is training-only and therefore
 * not a layer.
 */
import { createHash } from 'node:crypto';
import { StewardError } from '../core/errors';
import { contentHash } from '../core/hash';
import { initBackend, type BackendInfo, type BackendPreference } from './backend';
import { parseTrainingConfig, type TrainingConfig, type TrainingConfigInput } from './config';
import type { Table } from '../data/table';
import { classIndicesFromTable, FeaturePipeline, labelsFromTable, scaleTarget, targetFor, targetsFromTable, type RegressionTarget } from './features';
import { shuffle, StreamRng, type RngState } from '../core/random';
import { CHECKPOINT_MAGIC, packContainer, serializeModel, unpackContainer } from './serialize';
import { tf } from './tf';

/** What `onEpoch` receives after every completed epoch (the activity heartbeats with it). */
export interface EpochReport {
  /** 1-based number of the epoch just completed (counting epochs done before a resume). */
  epoch: number;
  /** Configured maximum number of epochs. */
  epochs: number;
  /** Mean training loss over the epoch: the task's (class-weighted) loss plus the L2 term. */
  loss: number;
  /**
   * The task's unweighted loss on the held-out validation rows (absent without early stopping):
   * binary or categorical cross-entropy, or the regression loss on the scaled target.
   */
  valLoss?: number;
  /** Classification: share of validation rows predicted right. */
  valAccuracy?: number;
  /** Best `valLoss` so far and the epoch it was reached in. */
  bestValLoss?: number;
  bestEpoch?: number;
  /** Training rows processed per second during this epoch. */
  samplesPerSecond: number;
  durationMs: number;
}

/** Inputs of `trainClassifier`. */
export interface TrainClassifierOptions {
  /** Training rows, columnar (see `Table` in features.ts). Only these rows fit the feature pipeline. */
  table: Table;
  /** Binary task: 0/1 labels, one per row; when omitted (and for the other tasks) they are read from `config.features.label`. */
  labels?: ArrayLike<number>;
  /** Raw (policy) or parsed config; parsed here, invalid -> `InvalidPolicy`. */
  config: TrainingConfigInput | TrainingConfig;
  /** Called after every epoch; awaited, so a slow heartbeat slows training rather than piling up. */
  onEpoch?: (report: EpochReport) => void | Promise<void>;
  /** Bytes from an earlier `onCheckpoint`: training continues after that epoch. */
  checkpoint?: Uint8Array;
  /** Receives the serialized training state after every epoch. */
  onCheckpoint?: (bytes: Buffer, epoch: number) => void | Promise<void>;
  /** Aborting stops training before the next batch with a `TrainingCancelledError`. */
  signal?: AbortSignal;
  /** Backend preference for `initBackend` if this process has not initialised one yet. */
  backend?: BackendPreference;
}

export interface TrainClassifierResult {
  /** The trained model and its feature pipeline in one buffer (`loadModel` reads it). */
  modelBytes: Buffer;
  pipeline: FeaturePipeline;
  /** One report per completed epoch, including epochs completed before a resume. */
  history: EpochReport[];
  /** Epochs completed in total (early stopping may end before `config.epochs`). */
  epochsRun: number;
  stoppedEarly: boolean;
  /** Epoch whose weights were returned (differs from `epochsRun` when best weights were restored). */
  weightsEpoch: number;
  /** Epoch this attempt resumed after, when it started from a checkpoint. */
  resumedFromEpoch?: number;
  backend: BackendInfo;
  /** sha256 of the float32 weight data: equal hashes mean bit-identical weights. */
  weightsSha256: string;
  /** sha256 of the training feature matrix and labels (lineage: what exactly was trained on). */
  dataSha256: string;
  /** sha256 of the parsed config. */
  configSha256: string;
}

/**
 * Thrown when the AbortSignal passed to `trainClassifier` fires. `name` is 'TrainingCancelled'
 * and `cause` is the signal's reason, so callers can tell cancellation from failure.
 */
export class TrainingCancelledError extends Error {
  constructor(
    /** Epochs fully completed before the cancellation. */
    readonly completedEpochs: number,
    reason: unknown,
  ) {
    super(`training cancelled after ${completedEpochs} completed epoch(s)`, { cause: reason });
    this.name = 'TrainingCancelled';
  }
}

/** True for the error `trainClassifier` throws when its signal is aborted. */
export function isTrainingCancelled(e: unknown): e is TrainingCancelledError {
  return e instanceof TrainingCancelledError;
}

// Keras defaults, so results are comparable with the usual Python baseline.
const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPSILON = 1e-7;
const EVAL_CHUNK = 8192;

interface LoopState {
  params: tf.Tensor[];
  /** Adam first moments, or SGD velocities. */
  m: tf.Tensor[];
  /** Adam second moments (empty for SGD). */
  v: tf.Tensor[];
  step: number;
  epoch: number;
  rng: StreamRng;
  bestValLoss?: number;
  bestEpoch?: number;
  bestParams?: Float32Array[];
  wait: number;
  stopped: boolean;
  history: EpochReport[];
}

function layerShapes(inputs: number, hidden: readonly number[], outputs: number): number[][] {
  const shapes: number[][] = [];
  let fanIn = inputs;
  for (const units of [...hidden, outputs]) {
    shapes.push([fanIn, units], [units]);
    fanIn = units;
  }
  return shapes;
}

function initialParams(shapes: number[][], seed: number): Float32Array[] {
  const rng = StreamRng.fromSeed(seed, 'init');
  return shapes.map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (shape.length === 2) {
      // Glorot uniform, the Keras default for Dense kernels; biases start at zero.
      const limit = Math.sqrt(6 / (shape[0]! + shape[1]!));
      for (let i = 0; i < size; i++) values[i] = (rng.next() * 2 - 1) * limit;
    }
    return values;
  });
}

function activate(name: TrainingConfig['activation'], x: tf.Tensor): tf.Tensor {
  switch (name) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'elu':
      return tf.elu(x);
    case 'selu':
      return tf.selu(x);
  }
}

function logits(config: TrainingConfig, params: tf.Tensor[], x: tf.Tensor, masks?: tf.Tensor[]): tf.Tensor {
  let h = x;
  const hidden = config.hiddenUnits.length;
  for (let i = 0; i < hidden; i++) {
    h = activate(config.activation, tf.add(tf.matMul(h as tf.Tensor2D, params[2 * i] as tf.Tensor2D), params[2 * i + 1]!));
    if (masks) h = tf.mul(h, masks[i]!);
  }
  const out = tf.add(tf.matMul(h as tf.Tensor2D, params[2 * hidden] as tf.Tensor2D), params[2 * hidden + 1]!);
  // One output (binary, regression): a vector; K classes: a [rows, K] matrix.
  return params[2 * hidden + 1]!.shape[0] === 1 ? tf.reshape(out, [-1]) : out;
}

/** Numerically stable binary cross-entropy on logits: max(z,0) - z*y + log(1 + e^-|z|). */
function bceWithLogits(z: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
}

/** Categorical cross-entropy per row on logits [rows, K] and one-hot labels: logsumexp(z) - z . y. */
function cceWithLogits(z: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.sub(tf.logSumExp(z, 1), tf.sum(tf.mul(z, y), 1));
}

/**
 * Huber loss per row: 0.5 d^2 within delta of the target, delta (|d| - 0.5 delta) beyond (Keras' form),
 * written as 0.5 m^2 + delta (d - m) with m = min(d, delta): the same values, built from ops that all
 * have gradients on every backend (`where` over a comparison has none for the comparison).
 */
function huber(z: tf.Tensor, y: tf.Tensor, delta: number): tf.Tensor {
  const d = tf.abs(tf.sub(z, y));
  const m = tf.minimum(d, delta);
  return tf.add(tf.mul(tf.square(m), 0.5), tf.mul(tf.sub(d, m), delta));
}

/** The task's per-row loss on the network's outputs. */
function rowLoss(config: TrainingConfig, z: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (config.task === 'binary') return bceWithLogits(z, y);
  if (config.task === 'multiclass') return cceWithLogits(z, y);
  return config.loss === 'huber' ? huber(z, y, config.huberDelta ?? 1) : tf.square(tf.sub(z, y));
}

/** Rows of a classification validation batch predicted right (as a float scalar). */
function hits(config: TrainingConfig, z: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (config.task === 'multiclass') return tf.sum(tf.cast(tf.equal(tf.argMax(z, 1), tf.argMax(y, 1)), 'float32'));
  return tf.sum(tf.cast(tf.equal(tf.cast(tf.greater(z, 0), 'float32'), y), 'float32'));
}

function gatherRows(x: Float32Array, width: number, rows: ArrayLike<number>, from: number, to: number): Float32Array {
  const out = new Float32Array((to - from) * width);
  for (let k = from; k < to; k++) {
    const r = rows[k]!;
    out.set(x.subarray(r * width, r * width + width), (k - from) * width);
  }
  return out;
}

function gather(values: Float32Array, rows: ArrayLike<number>, from: number, to: number): Float32Array {
  const out = new Float32Array(to - from);
  for (let k = from; k < to; k++) out[k - from] = values[rows[k]!]!;
  return out;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function dataFingerprint(x: Float32Array, y: Float32Array): string {
  return createHash('sha256')
    .update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength))
    .update(new Uint8Array(y.buffer, y.byteOffset, y.byteLength))
    .digest('hex');
}

interface CheckpointHeader {
  kind: 'steward.training-checkpoint';
  version: 1;
  configSha256: string;
  dataSha256: string;
  pipelineFingerprint: string;
  backend: string;
  epoch: number;
  step: number;
  stopped: boolean;
  rng: RngState;
  bestValLoss?: number;
  bestEpoch?: number;
  wait: number;
  history: EpochReport[];
  tensors: { group: 'params' | 'm' | 'v' | 'best'; index: number; shape: number[] }[];
}

function writeCheckpoint(state: LoopState, shapes: number[][], meta: Pick<CheckpointHeader, 'configSha256' | 'dataSha256' | 'pipelineFingerprint' | 'backend'>): Buffer {
  const tensors: CheckpointHeader['tensors'] = [];
  const chunks: Float32Array[] = [];
  const add = (group: CheckpointHeader['tensors'][number]['group'], list: (tf.Tensor | Float32Array)[]) =>
    list.forEach((t, index) => {
      const values = t instanceof Float32Array ? t : (t.dataSync() as Float32Array);
      tensors.push({ group, index, shape: shapes[index]! });
      chunks.push(values);
    });
  add('params', state.params);
  add('m', state.m);
  add('v', state.v);
  if (state.bestParams) add('best', state.bestParams);
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const payload = new Float32Array(total);
  let offset = 0;
  for (const c of chunks) {
    payload.set(c, offset);
    offset += c.length;
  }
  const header: CheckpointHeader = {
    kind: 'steward.training-checkpoint',
    version: 1,
    ...meta,
    epoch: state.epoch,
    step: state.step,
    stopped: state.stopped,
    rng: state.rng.state(),
    bestValLoss: state.bestValLoss,
    bestEpoch: state.bestEpoch,
    wait: state.wait,
    history: state.history,
    tensors,
  };
  return packContainer(CHECKPOINT_MAGIC, header as unknown as Record<string, unknown>, new Uint8Array(payload.buffer));
}

function readCheckpoint(bytes: Uint8Array, shapes: number[][], expect: Pick<CheckpointHeader, 'configSha256' | 'dataSha256' | 'pipelineFingerprint'>): LoopState {
  const { header: raw, payload } = unpackContainer(bytes, CHECKPOINT_MAGIC, 'training checkpoint');
  const header = raw as unknown as CheckpointHeader;
  if (header.kind !== 'steward.training-checkpoint' || header.version !== 1) {
    throw new StewardError('ArtifactIntegrity', `unsupported checkpoint format ${String(header.kind)} v${String(header.version)}`);
  }
  // A checkpoint from another config or dataset would silently blend two trainings; refuse it.
  if (header.configSha256 !== expect.configSha256) throw new StewardError('ArtifactIntegrity', 'checkpoint was written for a different training config');
  if (header.dataSha256 !== expect.dataSha256 || header.pipelineFingerprint !== expect.pipelineFingerprint) {
    throw new StewardError('ArtifactIntegrity', 'checkpoint was written for different training data');
  }
  const values = new Float32Array(payload.buffer, payload.byteOffset, payload.byteLength / 4);
  const groups: Record<string, Float32Array[]> = { params: [], m: [], v: [], best: [] };
  let offset = 0;
  for (const t of header.tensors) {
    const size = shapes[t.index]!.reduce((a, b) => a * b, 1);
    if (t.shape.join('x') !== shapes[t.index]!.join('x')) throw new StewardError('ArtifactIntegrity', 'checkpoint tensor shapes do not match the network');
    groups[t.group]![t.index] = values.slice(offset, offset + size);
    offset += size;
  }
  if (offset !== values.length || groups.params!.length !== shapes.length) {
    throw new StewardError('ArtifactIntegrity', 'checkpoint tensors do not match the network');
  }
  const toTensors = (list: Float32Array[]) => list.map((v, i) => tf.tensor(v, shapes[i]!, 'float32'));
  return {
    params: toTensors(groups.params!),
    m: toTensors(groups.m!),
    v: toTensors(groups.v!),
    step: header.step,
    epoch: header.epoch,
    rng: StreamRng.fromState(header.rng),
    bestValLoss: header.bestValLoss,
    bestEpoch: header.bestEpoch,
    bestParams: groups.best!.length > 0 ? groups.best : undefined,
    wait: header.wait,
    stopped: header.stopped,
    history: header.history,
  };
}

function buildLayersModel(config: TrainingConfig, inputs: number, outputs: number, weights: Float32Array[], shapes: number[][]): tf.LayersModel {
  // Fixed layer names: tfjs otherwise numbers layers with a process-wide counter, and the saved
  // topology (hence the model bytes) would depend on how many models the process built before.
  const model = tf.sequential({ name: 'steward_mlp' });
  config.hiddenUnits.forEach((units, i) =>
    model.add(
      tf.layers.dense({
        units,
        activation: config.activation,
        name: `hidden_${i + 1}`,
        kernelInitializer: 'zeros',
        ...(i === 0 ? { inputShape: [inputs] } : {}),
      }),
    ),
  );
  model.add(
    tf.layers.dense({
      units: outputs,
      activation: config.task === 'binary' ? 'sigmoid' : config.task === 'multiclass' ? 'softmax' : 'linear',
      name: 'output',
      kernelInitializer: 'zeros',
      ...(config.hiddenUnits.length === 0 ? { inputShape: [inputs] } : {}),
    }),
  );
  model.setWeights(weights.map((w, i) => tf.tensor(w, shapes[i]!, 'float32')));
  return model;
}

/**
 * Trains a tabular MLP for the recipe's task on `table`: a binary classifier, a multiclass
 * classifier or a regressor.
 *
 * Reproducibility: the same table, labels, config (including `seed`) and backend give
 * bit-identical weights (`weightsSha256`); resuming from the checkpoint of epoch k gives the same
 * final weights as an uninterrupted run on the same backend.
 *
 * @example
 *   const result = await trainClassifier({
 *     table,                                   // { age: Float64Array, workclass: (string|null)[], income: [...] }
 *     config: { epochs: 10, features: { numeric: ['age'], categorical: ['workclass'], label: { column: 'income', positive: '>50K' } } },
 *     onEpoch: (r) => heartbeat(r),
 *     onCheckpoint: (bytes) => heartbeat({ checkpoint: bytes }),
 *     checkpoint: lastHeartbeatDetails?.checkpoint,
 *     signal: cancellationSignal,
 *   });
 *   await store.put(result.modelBytes);
 */
export async function trainModel(options: TrainClassifierOptions): Promise<TrainClassifierResult> {
  const config = parseTrainingConfig(options.config);
  const { signal } = options;
  const cancelled = (epochs: number) => new TrainingCancelledError(epochs, signal?.reason);
  if (signal?.aborted) throw cancelled(0);

  const backend = await initBackend(options.backend ?? 'auto');
  const labelColumn = config.features.label.column;
  // Labels first: a regression target's scale is fitted on them and stored with the pipeline.
  const regressionLabels = config.task === 'regression' ? targetsFromTable(options.table, labelColumn) : undefined;
  const pipeline = FeaturePipeline.fit(options.table, config.features, targetFor(config, regressionLabels));
  const n = pipeline.rows(options.table);
  const x = pipeline.transform(options.table);
  const outputs = config.task === 'multiclass' ? config.features.label.classes!.length : 1;
  // y: 0/1 (binary), one-hot rows of `outputs` (multiclass), the scaled target (regression).
  const y = new Float32Array(n * outputs);
  // Class of each row for class weights (binary and multiclass).
  const classOf = new Int32Array(n);
  if (config.task === 'binary') {
    const labels = options.labels ?? labelsFromTable(options.table, { column: labelColumn, positive: config.features.label.positive! });
    if (labels.length !== n) throw new StewardError('DataContractViolation', `${labels.length} labels for ${n} rows`);
    let positives = 0;
    for (let i = 0; i < n; i++) {
      const l = labels[i];
      if (l !== 0 && l !== 1) throw new StewardError('DataContractViolation', `label must be 0 or 1, got ${String(l)}`, { row: i + 1 });
      y[i] = l;
      classOf[i] = l;
      positives += l;
    }
    if (positives === 0 || positives === n) throw new StewardError('TrainingFailed', `training labels contain a single class (${positives} positive of ${n})`);
  } else if (config.task === 'multiclass') {
    const classes = config.features.label.classes!;
    const index = classIndicesFromTable(options.table, labelColumn, classes);
    const counts = new Array<number>(outputs).fill(0);
    for (let i = 0; i < n; i++) {
      y[i * outputs + index[i]] = 1;
      classOf[i] = index[i];
      counts[index[i]]++;
    }
    if (counts.filter((c) => c > 0).length < 2) throw new StewardError('TrainingFailed', `training labels contain a single class (${classes.map((c, k) => `${c}: ${counts[k]}`).join(', ')})`);
  } else {
    const target = pipeline.target as RegressionTarget;
    for (let i = 0; i < n; i++) y[i] = scaleTarget(target, regressionLabels![i]);
  }

  const width = pipeline.width;
  const shapes = layerShapes(width, config.hiddenUnits, outputs);
  // A binary recipe hashes as it did before tasks existed, so its checkpoints and lineage still match.
  const { task, ...recipe } = config;
  const configSha256 = contentHash(task === 'binary' ? recipe : config);
  const dataSha256 = dataFingerprint(x, y);
  const meta = { configSha256, dataSha256, pipelineFingerprint: pipeline.fingerprint, backend: backend.name };

  // Seeded validation split, drawn from its own stream so it is identical on every attempt.
  const order = shuffle(StreamRng.fromSeed(config.seed, 'split'), Int32Array.from({ length: n }, (_, i) => i));
  const es = config.earlyStopping;
  const nVal = es.enabled ? Math.max(1, Math.round(n * es.validationSplit)) : 0;
  const valRows = order.subarray(0, nVal);
  const trainRows = Int32Array.from(order.subarray(nVal)).sort();
  if (trainRows.length === 0) throw new StewardError('TrainingFailed', 'no training rows left after the validation split');

  const sampleWeights = new Float32Array(n).fill(1);
  if (config.classWeights !== 'none') {
    const counts = new Array<number>(outputs === 1 ? 2 : outputs).fill(0);
    for (const r of trainRows) counts[classOf[r]!]!++;
    const weights =
      config.classWeights === 'balanced'
        ? counts.map((c) => (c > 0 ? trainRows.length / (counts.length * c) : 1))
        : [config.classWeights.negative, config.classWeights.positive];
    for (let i = 0; i < n; i++) sampleWeights[i] = weights[classOf[i]!]!;
  }

  const resuming = options.checkpoint !== undefined;
  const state: LoopState = resuming
    ? readCheckpoint(options.checkpoint!, shapes, meta)
    : {
        params: initialParams(shapes, config.seed).map((v, i) => tf.tensor(v, shapes[i]!, 'float32')),
        m: shapes.map((s) => tf.zeros(s)),
        v: config.optimizer === 'adam' ? shapes.map((s) => tf.zeros(s)) : [],
        step: 0,
        epoch: 0,
        rng: StreamRng.fromSeed(config.seed, 'train'),
        wait: 0,
        stopped: false,
        history: [],
      };
  const resumedFromEpoch = resuming ? state.epoch : undefined;

  const labelTensor = (values: Float32Array, rows: number) => (outputs === 1 ? tf.tensor1d(values) : tf.tensor2d(values, [rows, outputs]));
  const valX = nVal > 0 ? tf.tensor2d(gatherRows(x, width, valRows, 0, nVal), [nVal, width]) : undefined;
  const valY = nVal > 0 ? labelTensor(gatherRows(y, outputs, valRows, 0, nVal), nVal) : undefined;
  const classification = config.task !== 'regression';
  const hidden = config.hiddenUnits;
  const kernels = hidden.length + 1;

  const evaluate = (): { valLoss: number; valAccuracy?: number } => {
    let lossSum = 0;
    let correct = 0;
    for (let from = 0; from < nVal; from += EVAL_CHUNK) {
      const size = Math.min(EVAL_CHUNK, nVal - from);
      const [l, c] = tf.tidy(() => {
        const xs = valX!.slice([from, 0], [size, width]);
        const ys = outputs === 1 ? valY!.slice([from], [size]) : valY!.slice([from, 0], [size, outputs]);
        const z = logits(config, state.params, xs);
        return [tf.sum(rowLoss(config, z, ys)), classification ? hits(config, z, ys) : tf.scalar(0)];
      });
      lossSum += l!.dataSync()[0]!;
      correct += c!.dataSync()[0]!;
      tf.dispose([l!, c!]);
    }
    return { valLoss: lossSum / nVal, ...(classification ? { valAccuracy: correct / nVal } : {}) };
  };

  const trainStep = (xb: tf.Tensor2D, yb: tf.Tensor, wb: tf.Tensor1D, masks: tf.Tensor[]): tf.Tensor => {
    state.step++;
    const t = state.step;
    // Adam's bias corrections in float64 on the host: identical on every backend and attempt.
    const lrT =
      config.optimizer === 'adam'
        ? (config.learningRate * Math.sqrt(1 - ADAM_BETA2 ** t)) / (1 - ADAM_BETA1 ** t)
        : config.learningRate;
    const out = tf.tidy(() => {
      const { value, grads } = tf.valueAndGrads((...p: tf.Tensor[]) => {
        const data = tf.mean(tf.mul(rowLoss(config, logits(config, p, xb, masks), yb), wb));
        if (config.l2 === 0) return data;
        let penalty: tf.Tensor = tf.scalar(0);
        for (let k = 0; k < kernels; k++) penalty = tf.add(penalty, tf.sum(tf.square(p[2 * k]!)));
        return tf.add(data, tf.mul(penalty, config.l2));
      })(state.params);
      const params: tf.Tensor[] = [];
      const m: tf.Tensor[] = [];
      const v: tf.Tensor[] = [];
      grads.forEach((g, i) => {
        if (config.optimizer === 'adam') {
          const mi = tf.add(tf.mul(state.m[i]!, ADAM_BETA1), tf.mul(g, 1 - ADAM_BETA1));
          const vi = tf.add(tf.mul(state.v[i]!, ADAM_BETA2), tf.mul(tf.square(g), 1 - ADAM_BETA2));
          params.push(tf.sub(state.params[i]!, tf.div(tf.mul(mi, lrT), tf.add(tf.sqrt(vi), ADAM_EPSILON))));
          m.push(mi);
          v.push(vi);
        } else {
          const vel = tf.add(tf.mul(state.m[i]!, config.momentum), g);
          params.push(tf.sub(state.params[i]!, tf.mul(vel, lrT)));
          m.push(vel);
        }
      });
      return [value, ...params, ...m, ...v];
    });
    tf.dispose([...state.params, ...state.m, ...state.v]);
    const count = shapes.length;
    state.params = out.slice(1, 1 + count);
    state.m = out.slice(1 + count, 1 + 2 * count);
    state.v = out.slice(1 + 2 * count);
    return out[0]!;
  };

  try {
    const batch = config.batchSize;
    const perm = new Int32Array(trainRows.length);
    while (!state.stopped && state.epoch < config.epochs) {
      const started = performance.now();
      perm.set(trainRows);
      shuffle(state.rng, perm);
      let lossSum = 0;
      for (let from = 0; from < perm.length; from += batch) {
        if (signal?.aborted) throw cancelled(state.epoch);
        const to = Math.min(from + batch, perm.length);
        const bs = to - from;
        const masks = hidden.map((units) => {
          const keep = 1 - config.dropout;
          const values = new Float32Array(bs * units);
          if (config.dropout === 0) values.fill(1);
          // Inverted dropout: kept units are scaled by 1/keep so inference needs no rescaling.
          else for (let i = 0; i < values.length; i++) values[i] = state.rng.next() < keep ? 1 / keep : 0;
          return tf.tensor2d(values, [bs, units]);
        });
        const xb = tf.tensor2d(gatherRows(x, width, perm, from, to), [bs, width]);
        const yb = labelTensor(gatherRows(y, outputs, perm, from, to), bs);
        const wb = tf.tensor1d(gather(sampleWeights, perm, from, to));
        const loss = trainStep(xb, yb, wb, masks);
        tf.dispose([xb, yb, wb, ...masks]);
        lossSum += loss.dataSync()[0]! * bs;
        loss.dispose();
        await yieldToEventLoop();
      }
      const loss = lossSum / perm.length;
      if (!Number.isFinite(loss)) throw new StewardError('TrainingFailed', `training diverged: loss is ${loss} in epoch ${state.epoch + 1}`);
      state.epoch++;

      const report: EpochReport = { epoch: state.epoch, epochs: config.epochs, loss, samplesPerSecond: 0, durationMs: 0 };
      if (nVal > 0) {
        const { valLoss, valAccuracy } = evaluate();
        report.valLoss = valLoss;
        if (valAccuracy !== undefined) report.valAccuracy = valAccuracy;
        if (state.bestValLoss === undefined || valLoss < state.bestValLoss - es.minDelta) {
          state.bestValLoss = valLoss;
          state.bestEpoch = state.epoch;
          state.wait = 0;
          if (es.restoreBestWeights) state.bestParams = state.params.map((p) => (p.dataSync() as Float32Array).slice());
        } else if (++state.wait >= es.patience) {
          state.stopped = true;
        }
        report.bestValLoss = state.bestValLoss;
        report.bestEpoch = state.bestEpoch;
      }
      report.durationMs = performance.now() - started;
      report.samplesPerSecond = perm.length / (report.durationMs / 1000);
      state.history.push(report);
      if (options.onCheckpoint) await options.onCheckpoint(writeCheckpoint(state, shapes, meta), state.epoch);
      if (options.onEpoch) await options.onEpoch(report);
    }

    const useBest = es.enabled && es.restoreBestWeights && state.bestParams !== undefined;
    const finalWeights = useBest ? state.bestParams! : state.params.map((p) => (p.dataSync() as Float32Array).slice());
    const model = buildLayersModel(config, width, outputs, finalWeights, shapes);
    try {
      const weightsEpoch = useBest ? state.bestEpoch! : state.epoch;
      const { bytes, weightsSha256 } = await serializeModel(model, pipeline, {
        task: config.task,
        seed: config.seed,
        backend: backend.name,
        epochsRun: state.epoch,
        weightsEpoch,
        configSha256,
        dataSha256,
      });
      return {
        modelBytes: bytes,
        pipeline,
        history: state.history,
        epochsRun: state.epoch,
        stoppedEarly: state.stopped,
        weightsEpoch,
        resumedFromEpoch,
        backend,
        weightsSha256,
        dataSha256,
        configSha256,
      };
    } finally {
      model.dispose();
    }
  } finally {
    tf.dispose([...state.params, ...state.m, ...state.v]);
    if (valX) tf.dispose([valX, valY!]);
  }
}

/**
 * The binary-classifier entry point of earlier releases: `trainModel` with the recipe's task (binary
 * unless the config says otherwise).
 *
 * @example const result = await trainClassifier({ table, config: { features } });
 */
export const trainClassifier = trainModel;
/** Inputs of `trainModel`. */
export type TrainModelOptions = TrainClassifierOptions;
/** What `trainModel` returns. */
export type TrainModelResult = TrainClassifierResult;
