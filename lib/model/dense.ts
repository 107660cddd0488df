/**
 * A forward pass for the networks Steward trains (a stack of Dense layers ending in one sigmoid or
 * linear unit, or in a softmax over the classes of a multiclass model), read straight from a stored
 * model's header and weights, without TensorFlow.js.
 *
 * Why it exists: serving scores one request at a time, where TF.js spends its time on tensor
 * bookkeeping rather than arithmetic. On the Adult network ([64, 32], 110 inputs) a single-row
 * `predictProba` on the WebAssembly backend takes 0.21 ms at the median and 6-9 ms at the 99th
 * percentile on the 2-core development machine (garbage collection of tensors under load); this
 * pass takes 0.026 ms and 0.16 ms (`npm run bench:serve` measures both). It accumulates in float64
 * from the stored float32 weights and skips zero inputs (most one-hot columns are zero), so its
 * scores differ from TF.js's float32 kernels by about 1e-7; a test holds them within 1e-6 on Adult
 * rows. Anything other than a plain Dense stack is refused (`denseNetwork` returns the reason), and
 * callers fall back to TF.js.
 */
import { StewardError } from '../core/errors';
import { MODEL_MAGIC, unpackContainer } from './container';
import { FeaturePipeline, type FeaturePipelineJson } from './features';

type Activation = (x: number) => number;

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

const activations: Record<string, Activation> = {
  linear: (x) => x,
  relu: (x) => (x > 0 ? x : 0),
  tanh: Math.tanh,
  elu: (x) => (x > 0 ? x : Math.expm1(x)),
  selu: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
};

interface Layer {
  inputs: number;
  units: number;
  /** Row-major [inputs][units], widened to float64 once. */
  kernel: Float64Array;
  bias: Float64Array;
  activation: Activation;
  /** The multiclass head: a softmax over the layer's units (only ever the last layer). */
  softmax: boolean;
}

/** A loaded Dense stack. `predict` is synchronous and not re-entrant (it reuses its buffers). */
export class DenseNetwork {
  private readonly buffers: Float64Array[];

  private constructor(private readonly layers: Layer[]) {
    this.buffers = layers.map((l) => new Float64Array(l.units));
  }

  /** Features the network reads per row. */
  get inputWidth(): number {
    return this.layers[0].inputs;
  }

  /** Values per row of `predict`: 1, or the number of classes of a softmax head. */
  get outputWidth(): number {
    return this.layers[this.layers.length - 1].units;
  }

  /**
   * The output units for each of `rows` rows of the row-major feature matrix `x`: one value per row,
   * or a row-major `rows x classes` matrix of class probabilities for a softmax head.
   *
   * @example const scores = network.predict(pipeline.transform(table), rows);
   */
  predict(x: Float32Array, rows: number): Float64Array {
    const width = this.inputWidth;
    if (x.length !== rows * width) throw new StewardError('ArtifactIntegrity', `the network reads ${width} features per row, got ${x.length / Math.max(rows, 1)}`);
    const outputs = this.outputWidth;
    const out = new Float64Array(rows * outputs);
    for (let r = 0; r < rows; r++) {
      let input: Float64Array | Float32Array = x.subarray(r * width, (r + 1) * width);
      for (let l = 0; l < this.layers.length; l++) {
        const { inputs, units, kernel, bias, activation, softmax } = this.layers[l];
        const h = this.buffers[l];
        h.set(bias);
        for (let i = 0; i < inputs; i++) {
          const v = input[i];
          if (v === 0) continue;
          const row = i * units;
          for (let j = 0; j < units; j++) h[j] += v * kernel[row + j];
        }
        if (softmax) {
          let max = -Infinity;
          for (let j = 0; j < units; j++) max = Math.max(max, h[j]);
          let sum = 0;
          for (let j = 0; j < units; j++) sum += h[j] = Math.exp(h[j] - max);
          for (let j = 0; j < units; j++) h[j] /= sum;
        } else for (let j = 0; j < units; j++) h[j] = activation(h[j]);
        input = h;
      }
      if (outputs === 1) out[r] = input[0];
      else out.set(input, r * outputs);
    }
    return out;
  }

  /** Builds the network from a stored model's topology and weights; a reason instead when it is not a plain Dense stack. */
  static fromStored(header: Record<string, unknown>, payload: Uint8Array): DenseNetwork | { unsupported: string } {
    const topology = header.modelTopology as { class_name?: string; config?: { layers?: unknown[] } } | undefined;
    if (topology?.class_name !== 'Sequential' || !Array.isArray(topology.config?.layers)) return { unsupported: 'not a Sequential model' };
    const specs = header.weightSpecs as { name: string; shape: number[]; dtype: string }[] | undefined;
    if (!Array.isArray(specs)) return { unsupported: 'no weight specs' };
    const offsets = new Map<string, { offset: number; shape: number[] }>();
    let offset = 0;
    for (const spec of specs) {
      if (spec.dtype !== 'float32') return { unsupported: `weight ${spec.name} is ${spec.dtype}` };
      offsets.set(spec.name, { offset, shape: spec.shape });
      offset += spec.shape.reduce((a, b) => a * b, 1) * 4;
    }
    if (offset !== payload.byteLength) return { unsupported: `weights take ${offset} bytes, the payload has ${payload.byteLength}` };
    const floats = (at: number, count: number) => Float64Array.from(new Float32Array(payload.buffer, payload.byteOffset + at, count));

    const layers: Layer[] = [];
    for (const raw of topology.config.layers) {
      const layer = raw as { class_name?: string; config?: { name?: string; units?: number; activation?: string; use_bias?: boolean } };
      if (layer.class_name !== 'Dense') return { unsupported: `layer ${layer.config?.name ?? '?'} is ${layer.class_name}` };
      const { name, units, activation = 'linear', use_bias: useBias = true } = layer.config ?? {};
      const softmax = activation === 'softmax';
      const act = softmax ? activations.linear : activations[activation];
      if (!act) return { unsupported: `activation ${activation} of layer ${name}` };
      const k = offsets.get(`${name}/kernel`);
      if (!k || k.shape.length !== 2 || k.shape[1] !== units) return { unsupported: `kernel of layer ${name}` };
      const [inputs] = k.shape;
      if (layers.length > 0 && layers[layers.length - 1].units !== inputs) return { unsupported: `layer ${name} reads ${inputs} values, the previous layer has ${layers[layers.length - 1].units}` };
      const b = useBias ? offsets.get(`${name}/bias`) : undefined;
      if (useBias && (!b || b.shape[0] !== units)) return { unsupported: `bias of layer ${name}` };
      layers.push({ inputs, units, kernel: floats(k.offset, inputs * units), bias: b ? floats(b.offset, units) : new Float64Array(units), activation: act, softmax });
    }
    if (layers.length === 0) return { unsupported: 'no layers' };
    if (layers.slice(0, -1).some((l) => l.softmax)) return { unsupported: 'a softmax before the last layer' };
    const last = layers[layers.length - 1];
    if (last.units !== 1 && !last.softmax) return { unsupported: 'the last layer is neither a single unit nor a softmax over the classes' };
    return new DenseNetwork(layers);
  }
}

/** A stored model opened for serving: its feature pipeline and, when it is a plain Dense stack, its network. */
export interface StoredModel {
  pipeline: FeaturePipeline;
  weightsSha256: string;
  /** null: the model needs TensorFlow.js (`unsupported` says why). */
  network: DenseNetwork | null;
  unsupported?: string;
}

/**
 * Opens a model written by `serializeModel` (hash-checked) without TensorFlow.js.
 *
 * @example
 *   const stored = openStoredModel(bytes);
 *   const scores = stored.network!.predict(stored.pipeline.transform(table), rows);
 */
export function openStoredModel(bytes: Uint8Array): StoredModel {
  const { header, payload } = unpackContainer(bytes, MODEL_MAGIC, 'model');
  if (header.kind !== 'steward.model' || header.version !== 1 || header.format !== 'tfjs-layers') {
    throw new StewardError('ArtifactIntegrity', `unsupported model format ${String(header.kind)} v${String(header.version)}`);
  }
  const pipeline = FeaturePipeline.fromJSON(header.pipeline as FeaturePipelineJson);
  const built = DenseNetwork.fromStored(header, payload);
  const weightsSha256 = String(header.weightsSha256);
  if ('unsupported' in built) return { pipeline, weightsSha256, network: null, unsupported: built.unsupported };
  if (built.inputWidth !== pipeline.width) throw new StewardError('ArtifactIntegrity', `model expects ${built.inputWidth} features but the pipeline produces ${pipeline.width}`);
  const outputs = pipeline.target?.task === 'multiclass' ? pipeline.target.classes.length : 1;
  if (built.outputWidth !== outputs) throw new StewardError('ArtifactIntegrity', `the network gives ${built.outputWidth} values per row, the pipeline's ${pipeline.task} label needs ${outputs}`);
  return { pipeline, weightsSha256, network: built };
}
