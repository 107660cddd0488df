/**
 * Binary containers for models and training checkpoints.
 *
 * Layout (all integers little-endian):
 *   8 bytes  magic   'STWDMDL1' (model) or 'STWDCKP1' (checkpoint)
 *   4 bytes  header length H
 *   H bytes  header, UTF-8 JSON; it records the payload's length and sha256
 *   ...      payload (float32 tensors back to back)
 * A reader needs nothing else: topology, weight specs and feature pipeline are in the header.
 */
import { StewardError } from '../core/errors';
import { MODEL_MAGIC, packContainer, sha256, unpackContainer } from './container';
import { FeaturePipeline, type FeaturePipelineJson } from './features';
import { tf } from './tf';

export { CHECKPOINT_MAGIC, MODEL_MAGIC, packContainer, sha256, unpackContainer } from './container';

/** A model read back from bytes, with the preprocessing it was trained with. */
export interface LoadedModel {
  model: tf.LayersModel;
  pipeline: FeaturePipeline;
  /** sha256 of the float32 weight data (what `trainClassifier` reported as `weightsSha256`). */
  weightsSha256: string;
  /** Free-form provenance recorded at training time (seed, backend, epochs, ...). */
  metadata: Record<string, unknown>;
}

/**
 * Serializes a tfjs LayersModel and its feature pipeline into one self-describing buffer.
 *
 * @example
 *   const { bytes, weightsSha256 } = await serializeModel(model, pipeline, { seed: 42 });
 *   const again = await loadModel(bytes); // again.weightsSha256 === weightsSha256
 */
export async function serializeModel(
  model: tf.LayersModel,
  pipeline: FeaturePipeline,
  metadata: Record<string, unknown> = {},
): Promise<{ bytes: Buffer; weightsSha256: string }> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.weightSpecs || artifacts.weightData === undefined) throw new StewardError('TrainingFailed', 'model produced no weights to save');
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
  const weightsSha256 = sha256(weights);
  const bytes = packContainer(
    MODEL_MAGIC,
    {
      kind: 'steward.model',
      version: 1,
      format: 'tfjs-layers',
      tfjsVersion: tf.version.tfjs,
      modelTopology: artifacts.modelTopology,
      weightSpecs: artifacts.weightSpecs,
      weightsSha256,
      pipeline: pipeline.toJSON(),
      metadata,
    },
    weights,
  );
  return { bytes, weightsSha256 };
}

/**
 * Reads a model written by `serializeModel` / `trainClassifier`. Corrupt or foreign bytes are an
 * `ArtifactIntegrity` error. The caller owns `model` and should `dispose()` it when done.
 *
 * @example
 *   const { model, pipeline } = await loadModel(await readFile('model.bin'));
 *   const p = predictProba(model, pipeline, table);
 */
export async function loadModel(bytes: Uint8Array): Promise<LoadedModel> {
  const { header, payload } = unpackContainer(bytes, MODEL_MAGIC, 'model');
  if (header.kind !== 'steward.model' || header.version !== 1 || header.format !== 'tfjs-layers') {
    throw new StewardError('ArtifactIntegrity', `unsupported model format ${String(header.kind)} v${String(header.version)}`);
  }
  const weightData = payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.byteLength) as ArrayBuffer;
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: header.modelTopology as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs: header.weightSpecs as tf.io.WeightsManifestEntry[],
      weightData,
    }),
  );
  return {
    model,
    pipeline: FeaturePipeline.fromJSON(header.pipeline as FeaturePipelineJson),
    weightsSha256: String(header.weightsSha256),
    metadata: (header.metadata ?? {}) as Record<string, unknown>,
  };
}
