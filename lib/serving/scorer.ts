/**
 * One scoring path for a stored model version, shared by the gateway (rows from JSON requests) and
 * `steward predict` (rows from a file): the version's own feature pipeline, then its network. A
 * plain Dense stack runs on the forward pass of lib/model/dense.ts; anything else on TensorFlow.js.
 * Both paths give the same scores for the same rows, which is what `steward predict` checks serving
 * against.
 */
import type { Table } from '../data/table';
import { StewardError } from '../core/errors';
import { openStoredModel } from '../model/dense';
import { unscaleTarget, type FeaturePipeline } from '../model/features';

export interface Scorer {
  pipeline: FeaturePipeline;
  /** The columns a row must have (the pipeline's inputs). */
  inputColumns: string[];
  /** `dense` (the forward pass without TF.js) or `tfjs`. */
  engine: 'dense' | 'tfjs';
  /** Probability of the positive class (binary) or the predicted value in label units (regression) for every row of `table`. */
  score(table: Table): Float64Array;
  dispose(): void;
}

/**
 * Opens a stored model (bytes as in the artifact store, hash-checked) for scoring.
 *
 * @example
 *   const scorer = await loadScorer(await artifacts.get(version.modelSha256));
 *   const scores = scorer.score(table);
 */
export async function loadScorer(bytes: Uint8Array): Promise<Scorer> {
  // Serving answers one number per row: the positive class's probability, or a regressor's value in
  // label units. A multiclass model's class probabilities and imported models are not served yet,
  // and are refused here (the gateway keeps serving what it served) rather than answered with
  // numbers of another meaning.
  // The container magic of lib/model/imported.ts, compared here so the gateway never loads TF.js or ONNX for it.
  const magic = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(8, bytes.byteLength)).toString('latin1');
  if (magic === 'STWDIMP1') throw new StewardError('InvalidInput', 'an imported model (ONNX or TF.js Layers) is not served by the gateway yet: score it with `steward eval` on its predictions');
  const stored = openStoredModel(bytes);
  const pipeline = stored.pipeline;
  if (pipeline.task === 'multiclass') throw new StewardError('InvalidInput', 'a multiclass model is not served by the gateway yet (it serves binary classifiers and regressors)');
  const target = pipeline.target?.task === 'regression' ? pipeline.target : undefined;
  /** The network's output on the training scale, back in label units for a regressor. */
  const inLabelUnits = (out: Float64Array) => {
    if (target) for (let i = 0; i < out.length; i++) out[i] = unscaleTarget(target, out[i]!);
    return out;
  };
  if (stored.network) {
    const network = stored.network;
    return {
      pipeline,
      inputColumns: pipeline.inputColumns,
      engine: 'dense',
      score: (table) => inLabelUnits(network.predict(pipeline.transform(table), pipeline.rows(table))),
      dispose() {},
    };
  }
  // Loaded only for models the forward pass does not cover: TF.js costs a second of start-up.
  const [{ loadModel }, { predictProba }, { initBackend }] = await Promise.all([import('../model/serialize'), import('../model/predict'), import('../model/backend')]);
  await initBackend();
  const loaded = await loadModel(bytes);
  return {
    pipeline: loaded.pipeline,
    inputColumns: loaded.pipeline.inputColumns,
    engine: 'tfjs',
    score: (table) => inLabelUnits(predictProba(loaded.model, loaded.pipeline, table)),
    dispose: () => loaded.model.dispose(),
  };
}
