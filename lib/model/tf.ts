/**
 * The one place Steward imports TensorFlow.js from.
 *
 * Every module that needs tensors imports `tf` from here, never from '@tensorflow/tfjs' directly.
 * Backends (wasm, tfjs-node, tfjs-node-gpu) register themselves into the tfjs-core engine they were
 * loaded with; routing every import through this file keeps the whole process on a single engine
 * so a backend picked by `initBackend` is the one every model actually runs on.
 *
 * @example
 *   import { tf } from '../model/tf';
 *   const t = tf.tensor1d([1, 2, 3]);
 */
import * as tf from '@tensorflow/tfjs';

// Production mode skips per-op debug checks and silences the cpu backend's "install tfjs-node"
// banner, which would otherwise land in every worker log.
tf.enableProdMode();

export { tf };
