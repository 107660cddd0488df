/**
 * Client-side operations on rollouts and rollbacks, shared by the CLI, the demo and tests: start a
 * rollout, read its state, pause / resume / abort / promote it (Workflow Updates), roll back.
 */
import { randomBytes } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { explainFailure, StewardError } from '../core/errors';
import { rollbackIdPrefix, searchAttributes, taskQueues } from '../core/names';
import { parseWith } from '../core/validation';
import { operatorUpdates, rollbackWorkflowType, rolloutStatusQuery, rolloutWorkflowId, rolloutWorkflowType, type RollbackWorkflow, type RolloutWorkflow } from './messages';
import {
  operatorActionSchema,
  rollbackInputSchema,
  rolloutInputSchema,
  type OperatorAction,
  type OperatorActionInput,
  type RollbackInput,
  type RollbackResult,
  type RolloutInput,
  type RolloutState,
} from './types';

/**
 * Starts a rollout; returns its workflow id. A second rollout of the same model while one runs is
 * refused (`RolloutConflict`).
 *
 * @example const id = await startRollout(client, { model: 'adult-income', version: 3, strategy: 'canary', requestedBy: 'ravi' });
 */
export async function startRollout(client: Client, raw: RolloutInput): Promise<string> {
  const input = parseWith(rolloutInputSchema, raw, { type: 'InvalidInput', what: 'rollout request' });
  const workflowId = rolloutWorkflowId(input.model);
  try {
    await client.workflow.start<RolloutWorkflow>(rolloutWorkflowType, {
      taskQueue: taskQueues.control,
      workflowId,
      args: [input],
      typedSearchAttributes: [
        { key: searchAttributes.model, value: input.model },
        { key: searchAttributes.version, value: input.version },
        { key: searchAttributes.stage, value: 'starting' },
        { key: searchAttributes.requestedBy, value: input.requestedBy },
      ],
      staticSummary: `${input.strategy ?? 'policy'} rollout of ${input.model} v${input.version} requested by ${input.requestedBy}`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new StewardError('RolloutConflict', `a rollout of ${input.model} is already running (see: steward rollout status ${input.model}; abort it first to start another)`);
    }
    throw err;
  }
  return workflowId;
}

/**
 * The state of a model's current (or last) rollout: from the workflow while it runs, from its result
 * once it has closed.
 *
 * @example const state = await rolloutState(client, 'adult-income');
 */
export async function rolloutState(client: Client, model: string): Promise<RolloutState> {
  const handle = client.workflow.getHandle(rolloutWorkflowId(model));
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') throw new StewardError('NotFound', `no rollout of ${model} has run`);
    throw err;
  }
  if (description.status.name === 'COMPLETED') return (await handle.result()) as RolloutState;
  try {
    return await handle.query(rolloutStatusQuery);
  } catch (err) {
    if (description.status.name === 'FAILED') throw explainFailure(await handle.result().catch((e: unknown) => e));
    throw new StewardError('NotFound', `the last rollout of ${model} ended ${description.status.name} and no worker can answer for its state`, {}, { cause: err });
  }
}

/**
 * The result of a rollout once it ends; a rollout refused at its start (a bad version, a stranger)
 * is the typed error it was refused with.
 *
 * @example const final = await rolloutResult(client, 'adult-income');
 */
export async function rolloutResult(client: Client, model: string): Promise<RolloutState> {
  try {
    return (await client.workflow.getHandle(rolloutWorkflowId(model)).result()) as RolloutState;
  } catch (err) {
    if (err instanceof WorkflowFailedError) throw explainFailure(err);
    throw err;
  }
}

/**
 * Pauses, resumes, aborts or promotes a model's running rollout. A principal who may not, or an
 * action the rollout's state does not allow, is refused before anything is recorded.
 *
 * @example await operateRollout(client, 'adult-income', 'pause', { principal: 'ravi', reason: 'traffic spike' });
 */
export async function operateRollout(client: Client, model: string, action: OperatorAction, raw: OperatorActionInput): Promise<RolloutState> {
  const input = parseWith(operatorActionSchema, raw, { type: 'InvalidInput', what: `${action} request` });
  const handle = client.workflow.getHandle(rolloutWorkflowId(model));
  try {
    return await handle.executeUpdate(operatorUpdates[action], { args: [input] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw explainFailure(err);
    if ((err as Error).name === 'WorkflowNotFoundError') throw new StewardError('NotFound', `no rollout of ${model} is running`);
    throw err;
  }
}

/** `rollback-<model>-<yyyymmdd>-<6 hex>`. */
export function newRollbackId(model: string, now = new Date()): string {
  return `${rollbackIdPrefix}-${model}-${now.toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(3).toString('hex')}`;
}

/**
 * Rolls a model back and waits for it (seconds). A running rollout of the model is aborted first,
 * with the rollback's reason.
 *
 * @example const r = await rollback(client, { model: 'adult-income', requestedBy: 'ravi', reason: 'complaints about v4' });
 */
export async function rollback(client: Client, raw: RollbackInput): Promise<RollbackResult> {
  const input = parseWith(rollbackInputSchema, raw, { type: 'InvalidInput', what: 'rollback request' });
  const running = client.workflow.getHandle(rolloutWorkflowId(input.model));
  const description = await running.describe().catch(() => undefined);
  if (description?.status.name === 'RUNNING') {
    await operateRollout(client, input.model, 'abort', { principal: input.requestedBy, reason: `rollback: ${input.reason}` }).catch((err: unknown) => {
      // Already finishing on its own: the rollback below takes the routes over either way.
      if (!(err instanceof StewardError && err.type === 'AlreadyDecided')) throw err;
    });
    await running.result().catch(() => undefined);
  }
  const handle = await client.workflow.start<RollbackWorkflow>(rollbackWorkflowType, {
    taskQueue: taskQueues.control,
    workflowId: newRollbackId(input.model),
    args: [input],
    typedSearchAttributes: [
      { key: searchAttributes.model, value: input.model },
      { key: searchAttributes.stage, value: 'rolling-back' },
      { key: searchAttributes.requestedBy, value: input.requestedBy },
    ],
    staticSummary: `Rollback of ${input.model}${input.to ? ` to v${input.to}` : ''} by ${input.requestedBy}`,
    staticDetails: input.reason,
  });
  try {
    return await handle.result();
  } catch (err) {
    throw explainFailure(err);
  }
}
