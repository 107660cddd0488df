/**
 * What a compute thread runs: the release steps of lib/release/steps.ts, opened on the artifact store
 * the calling activity uses, with training progress posted back on a message port. Loaded by
 * thread.mjs inside a worker thread; inputs and results cross the thread boundary by structured clone.
 */
import type { MessagePort } from 'node:worker_threads';
import { StewardError, toPlainError, type PlainStewardError } from '../../lib/core/errors';
import { initBackend } from '../../lib/model/backend';
import { labelsFromTable } from '../../lib/model/features';
import { backtest as replay, type BacktestResult, type Strategy } from '../../lib/monitoring/backtest';
import { inlineTrainer } from '../../lib/monitoring/train';
import { loadModelTable } from '../../lib/policy/io';
import type { Policy } from '../../lib/policy/schema';
import type { DatasetProfile } from '../../lib/drift/profile';
import type { EvaluationBundle } from '../../lib/release/evidence';
import { evaluateCandidateModel, trainCandidateModel, validateDataFile, type EvaluationInput, type TrainingInput, type TrainingOutcome, type ValidationResult } from '../../lib/release/steps';
import { openArtifactStore, type ArtifactLocation } from '../../lib/runtime/artifacts';
import { computeWindow, type WindowInput } from '../../lib/monitoring/compute';
import type { WindowResult } from '../../lib/monitoring/window';

/** A StewardError loses its class crossing threads: it travels as plain data and is rebuilt (pool.ts). */
export interface SerializedError {
  stewardError: PlainStewardError;
}

async function carrying<T>(body: () => Promise<T>): Promise<T | SerializedError> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof StewardError) return { stewardError: toPlainError(e) };
    throw e;
  }
}

export function validate(input: { file: string; policy: Policy; reference: DatasetProfile | null }): Promise<ValidationResult | SerializedError> {
  return carrying(() => validateDataFile(input.file, input.policy, input.reference));
}

export function evaluate(input: EvaluationInput & { artifacts: ArtifactLocation }): Promise<EvaluationBundle | SerializedError> {
  return carrying(async () => {
    // Every thread runs models on the same (fastest available) backend, whichever worker started it.
    await initBackend('auto');
    return evaluateCandidateModel(input, openArtifactStore(input.artifacts));
  });
}

export function train(input: TrainingInput & { artifacts: ArtifactLocation; progress: MessagePort }): Promise<TrainingOutcome | SerializedError> {
  return carrying(async () => {
    try {
      return await trainCandidateModel(input, openArtifactStore(input.artifacts), (p) => input.progress.postMessage(p));
    } finally {
      input.progress.close();
    }
  });
}

/** A backtest of the policy's triggers on a labelled file: every (re)training runs on this thread, never on the worker's main one. */
export function backtest(input: { file: string; policy: Policy; strategies: Strategy[]; windowRows: number; warmup: number; trainRows: number; labelDelay: number; rowMs: number }): Promise<BacktestResult | SerializedError> {
  return carrying(async () => {
    await initBackend('auto');
    const { table } = await loadModelTable(input.file, input.policy);
    const labels = labelsFromTable(table, input.policy.training.features.label);
    const { policy, file: _file, ...rest } = input;
    return replay({ ...rest, model: policy.model, table, labels, train: inlineTrainer({ ...policy.training, task: policy.task ?? 'binary' }), triggers: policy.monitoring?.triggers ?? [], origin: 0 });
  });
}

/** One monitor window (feature and prediction drift, performance with bootstrap intervals, CBPE). */
export function monitorWindow(input: WindowInput): Promise<WindowResult | SerializedError> {
  return carrying(async () => computeWindow(input));
}
