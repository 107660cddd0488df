/**
 * One scoring path for a stored model version, shared by the gateway (rows from JSON requests) and
 * `steward predict` (rows from a file), for every kind of version a release registers:
 *
 * - a model Steward trained (`STWDMDL1`): its own feature pipeline, then its network. A plain Dense
 *   stack (binary, regression, or a softmax head over the classes) runs on the forward pass of
 *   lib/model/dense.ts; anything else on TensorFlow.js;
 * - an imported model (`STWDIMP1`: ONNX through onnxruntime-node, or TF.js Layers converted from
 *   Keras): its declared inputs, then its runtime, exactly as evaluation scored it
 *   (lib/model/imported.ts).
 *
 * Scores are in the task's terms, as evaluation computes them: the positive class's probability
 * (binary), the value in label units (regression), or a row-major `rows x classes` matrix of class
 * probabilities in `classes` order (multiclass). So the gateway, `steward predict` and the
 * evaluation give the same numbers for the same rows; `steward predict` is the check.
 *
 * `score` is asynchronous because the ONNX runtime is; the dense forward pass answers in the same
 * tick.
 */
import type { Table } from '../data/table';
import type { ModelTask } from '../model/config';
import { openStoredModel } from '../model/dense';
import { unscaleTarget } from '../model/features';

/** The formats of a stored version: Steward's own, or one of the imported ones (lib/model/imported.ts). */
export type ScorerFormat = 'steward' | 'onnx' | 'tfjs-layers';

export interface Scorer {
  task: ModelTask;
  /** Multiclass: the classes, in the order of each row's probabilities; null for the other tasks. */
  classes: readonly string[] | null;
  /** Values per row of `score`: 1, or the number of classes. */
  outputWidth: number;
  /** The columns a row must have (the pipeline's, or the import declaration's, inputs). */
  inputColumns: string[];
  /** Inputs the model reads as numbers (the request's type for a column the data contract does not list). */
  numericInputs: ReadonlySet<string>;
  format: ScorerFormat;
  /** What runs it: `dense` (the forward pass without TF.js), `tfjs`, or `onnx` (onnxruntime-node). */
  engine: 'dense' | 'tfjs' | 'onnx';
  /** Scores of every row of `table` in the task's terms (see the module comment). */
  score(table: Table): Promise<Float64Array>;
  dispose(): void | Promise<void>;
}

// The container magic of lib/model/imported.ts, compared here so the gateway loads neither TF.js nor
// ONNX for a model the dense forward pass serves.
const IMPORTED_MAGIC = 'STWDIMP1';

/**
 * Opens a stored model (bytes as in the artifact store, hash-checked) for scoring.
 *
 * @example
 *   const scorer = await loadScorer(await artifacts.get(version.modelSha256));
 *   const scores = await scorer.score(table);
 */
export async function loadScorer(bytes: Uint8Array): Promise<Scorer> {
  const magic = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(8, bytes.byteLength)).toString('latin1');
  if (magic === IMPORTED_MAGIC) return loadImported(bytes);
  const stored = openStoredModel(bytes);
  const pipeline = stored.pipeline;
  const target = pipeline.target;
  const classes = target?.task === 'multiclass' ? [...target.classes] : null;
  const regression = target?.task === 'regression' ? target : undefined;
  /** The network's output on the training scale, back in label units for a regressor. */
  const inLabelUnits = (out: Float64Array) => {
    if (regression) for (let i = 0; i < out.length; i++) out[i] = unscaleTarget(regression, out[i]!);
    return out;
  };
  const common = {
    task: pipeline.task,
    classes,
    outputWidth: classes?.length ?? 1,
    inputColumns: pipeline.inputColumns,
    numericInputs: new Set(pipeline.toJSON().numeric.map((n) => n.name)),
    format: 'steward' as const,
  };
  if (stored.network) {
    const network = stored.network;
    return {
      ...common,
      engine: 'dense',
      score: async (table) => inLabelUnits(network.predict(pipeline.transform(table), pipeline.rows(table))),
      dispose() {},
    };
  }
  // Loaded only for models the forward pass does not cover: TF.js costs a second of start-up.
  const [{ loadModel }, { predictProba }, { initBackend }] = await Promise.all([import('../model/serialize'), import('../model/predict'), import('../model/backend')]);
  await initBackend();
  const loaded = await loadModel(bytes);
  return {
    ...common,
    inputColumns: loaded.pipeline.inputColumns,
    engine: 'tfjs',
    score: async (table) => inLabelUnits(predictProba(loaded.model, loaded.pipeline, table)),
    dispose: () => void loaded.model.dispose(),
  };
}

/** An imported model through the scoring interface evaluation used (its declared inputs, its runtime). */
async function loadImported(bytes: Uint8Array): Promise<Scorer> {
  const [{ openImportedModel, DeclaredInputs }, { initBackend }] = await Promise.all([import('../model/imported'), import('../model/backend')]);
  // A TF.js Layers import runs on the process's TF.js backend; ONNX needs none, but which one it is
  // is only known once opened, and initialising the backend is idempotent.
  await initBackend();
  const model = await openImportedModel(bytes);
  const pipeline = model.pipeline as InstanceType<typeof DeclaredInputs>;
  return {
    task: model.task,
    classes: model.classes ? [...model.classes] : null,
    outputWidth: model.outputWidth,
    inputColumns: [...model.inputColumns],
    numericInputs: new Set(pipeline.numericColumns),
    format: model.format === 'steward' ? 'steward' : model.format,
    engine: model.format === 'onnx' ? 'onnx' : 'tfjs',
    score: (table) => model.predict(table),
    dispose: () => model.dispose(),
  };
}

/**
 * What a version answered for one row, in the shapes the gateway returns and logs: its prediction
 * (a number, or the class probabilities of a multiclass model), the single number the prediction
 * log's `score` keeps (the probability of the predicted class for a multiclass model), and the
 * predicted class (multiclass only).
 *
 * @example
 *   const scores = await scorer.score(table);
 *   rowOutput(scorer, scores, 0); // { prediction: [0.1, 0.7, 0.2], score: 0.7, predictedClass: 'b', probabilities: [...] }
 */
export function rowOutput(scorer: Pick<Scorer, 'classes' | 'outputWidth'>, scores: Float64Array, row: number): { prediction: number | number[]; score: number; predictedClass: string | null; probabilities: number[] | null } {
  if (!scorer.classes) return { prediction: scores[row]!, score: scores[row]!, predictedClass: null, probabilities: null };
  const k = scorer.outputWidth;
  const probabilities = Array.from(scores.subarray(row * k, (row + 1) * k));
  let top = 0;
  for (let j = 1; j < k; j++) if (probabilities[j]! > probabilities[top]!) top = j;
  return { prediction: probabilities, score: probabilities[top]!, predictedClass: scorer.classes[top]!, probabilities };
}
