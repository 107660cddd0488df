/**
 * The backtest's trainer: the policy's training recipe (`lib/model`), run in this thread. A worker
 * that backtests must not block its event loop with it: it hands the same call to a thread pool.
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
