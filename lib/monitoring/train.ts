/**
 * The backtest's trainer: the policy's training recipe (`lib/model`), run on the calling thread. A
 * worker must not block its main thread with it: it runs backtests as the compute pool's `backtest`
 * task, which calls this on a compute thread.
 */
import type { TrainingConfig } from '../model/config';
import { predictProba } from '../model/predict';
import { loadModel } from '../model/serialize';
import { trainClassifier } from '../model/train';
import type { Trainer } from './backtest';

/**
 * A `Trainer` that trains `config` in-process and predicts with the result.
 *
 * @example const train = inlineTrainer(policy.training); const model = await train(table, labels);
 */
export function inlineTrainer(config: TrainingConfig): Trainer {
  return async (table, labels) => {
    const trained = await trainClassifier({ table, labels, config });
    const { model, pipeline } = await loadModel(trained.modelBytes);
    return { predict: (t) => predictProba(model, pipeline, t), dispose: () => model.dispose() };
  };
}
