/**
 * Inference with a trained model and its feature pipeline, and the latency figures a model card
 * reports (single-row and batch percentiles, serialized size).
 */
import { StewardError } from '../core/errors';
import { selectRows, type Table } from '../data/table';
import { unscaleTarget, type FeaturePipeline } from './features';
import { serializeModel } from './serialize';
import { tf } from './tf';

const PREDICT_CHUNK = 8192;

/**
 * Probability of the positive class for every row of `table` (the network's raw outputs: for a
 * multiclass model a row-major `rows x classes` matrix, for a regressor values on the training
 * scale; `predictTask` gives every task in its own terms).
 *
 * @example
 *   const { model, pipeline } = await loadModel(bytes);
 *   const p = predictProba(model, pipeline, testTable); // Float64Array, one value in [0, 1] per row
 */
export function predictProba(model: tf.LayersModel, pipeline: FeaturePipeline, table: Table): Float64Array {
  const rows = pipeline.rows(table);
  const x = pipeline.transform(table);
  const width = pipeline.width;
  const inputWidth = model.inputs[0]?.shape[1];
  if (inputWidth !== width) {
    throw new StewardError('ArtifactIntegrity', `model expects ${String(inputWidth)} features but the pipeline produces ${width}`);
  }
  const outputs = Number(model.outputs[0]?.shape.at(-1) ?? 1);
  const out = new Float64Array(rows * outputs);
  for (let from = 0; from < rows; from += PREDICT_CHUNK) {
    const size = Math.min(PREDICT_CHUNK, rows - from);
    const y = tf.tidy(() => {
      const xs = tf.tensor2d(x.subarray(from * width, (from + size) * width), [size, width]);
      return model.predict(xs) as tf.Tensor;
    });
    out.set(y.dataSync(), from * outputs);
    y.dispose();
  }
  return out;
}

/**
 * What a Steward-trained model predicts for every row, in the task's terms: the probability of the
 * positive class (binary), a probability per class as a row-major `rows x classes` matrix in the
 * pipeline's class order (multiclass), or a value in label units (regression: the target scaling
 * undone).
 *
 * @example
 *   const { model, pipeline } = await loadModel(bytes);
 *   const yhat = predictTask(model, pipeline, table); // bike counts, for a regression model
 */
export function predictTask(model: tf.LayersModel, pipeline: FeaturePipeline, table: Table): Float64Array {
  const raw = predictProba(model, pipeline, table);
  const target = pipeline.target;
  if (target?.task === 'regression') for (let i = 0; i < raw.length; i++) raw[i] = unscaleTarget(target, raw[i]!);
  return raw;
}

/** Latency percentiles in milliseconds. */
export interface LatencyStats {
  runs: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

export interface LatencyReport {
  /** One row per call, end to end: feature transform, forward pass, reading the result. */
  single: LatencyStats;
  /** `batchSize` rows per call, same path. */
  batch: LatencyStats & { batchSize: number; rowsPerSecond: number };
  /** Size of the serialized model (topology + weights + pipeline), as stored. */
  modelSizeBytes: number;
  parameters: number;
  backend: string;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function stats(times: number[]): LatencyStats {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    runs: times.length,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    mean: times.reduce((a, b) => a + b, 0) / times.length,
  };
}

/** How many timed calls `timePredictions` makes, and of what size. */
export interface LatencyOptions {
  singleRuns?: number;
  batchSize?: number;
  batchRuns?: number;
  warmup?: number;
}

/**
 * Times single-row and batch calls of `predict` on rows of `sampleTable` (`rows` of them, cycled
 * when there are fewer rows than runs), after a few warm-up calls so one-time kernel set-up is not
 * counted. Every model, TF.js or through the scoring interface, is timed by this one loop so their
 * latencies compare. A synchronous `predict` is timed without an `await`, so a microtask is not
 * counted as inference.
 *
 * @example
 *   const { single, batch } = await timePredictions((t) => model.predict(t), table, model.pipeline.rows(table), { batchSize: 256 });
 */
export async function timePredictions(
  predict: (table: Table) => unknown,
  sampleTable: Table,
  rows: number,
  options: LatencyOptions = {},
): Promise<Pick<LatencyReport, 'single' | 'batch'>> {
  const singleRuns = options.singleRuns ?? 200;
  const batchSize = options.batchSize ?? 256;
  const batchRuns = options.batchRuns ?? 30;
  const warmup = options.warmup ?? 5;
  if (rows === 0) throw new StewardError('InvalidInput', 'latency needs at least one sample row');

  // Tables are cut before timing: slicing the caller's columns is not part of serving a request.
  const singles = Array.from({ length: Math.min(rows, singleRuns) }, (_, i) => selectRows(sampleTable, [i]));
  const batch = selectRows(
    sampleTable,
    Array.from({ length: batchSize }, (_, i) => i % rows),
  );
  for (let i = 0; i < warmup; i++) {
    const single = predict(singles[i % singles.length]!);
    if (single instanceof Promise) await single;
    const many = predict(batch);
    if (many instanceof Promise) await many;
  }
  const singleTimes: number[] = [];
  for (let i = 0; i < singleRuns; i++) {
    const t0 = performance.now();
    const out = predict(singles[i % singles.length]!);
    if (out instanceof Promise) await out;
    singleTimes.push(performance.now() - t0);
  }
  const batchTimes: number[] = [];
  for (let i = 0; i < batchRuns; i++) {
    const t0 = performance.now();
    const out = predict(batch);
    if (out instanceof Promise) await out;
    batchTimes.push(performance.now() - t0);
  }
  const batchStats = stats(batchTimes);
  return { single: stats(singleTimes), batch: { ...batchStats, batchSize, rowsPerSecond: batchSize / (batchStats.mean / 1000) } };
}

/**
 * Measures inference latency on rows of `sampleTable` (cycled when there are fewer rows than
 * runs). A few warm-up calls run first so one-time kernel set-up is not counted.
 *
 * @example
 *   const latency = await measureLatency(model, pipeline, testTable, { singleRuns: 200, batchSize: 256 });
 *   latency.single.p95; // ms per single-row prediction
 */
export async function measureLatency(
  model: tf.LayersModel,
  pipeline: FeaturePipeline,
  sampleTable: Table,
  options: LatencyOptions = {},
): Promise<LatencyReport> {
  const { single, batch } = await timePredictions((t) => predictProba(model, pipeline, t), sampleTable, pipeline.rows(sampleTable), options);
  const { bytes } = await serializeModel(model, pipeline);
  return {
    single,
    batch,
    modelSizeBytes: bytes.length,
    parameters: model.countParams(),
    backend: tf.getBackend(),
  };
}
