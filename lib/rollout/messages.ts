/**
 * The rollout and rollback workflows' messages: type names, workflow ids, the status Query and the
 * operator Updates. Clients (CLI, API, tests) and the workflows import them from here, so no name is
 * retyped and clients never import workflow code.
 *
 * Pause, resume, abort and promote are Workflow Updates: the caller gets a synchronous answer, and
 * the validator refuses a principal who is neither an operator nor an approver (or an action the
 * rollout's state does not allow) before anything is written to history.
 *
 * Pure module: workflow code imports it.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { OperatorAction, OperatorActionInput, RollbackInput, RollbackResult, RolloutInput, RolloutState } from './types';

export const rolloutWorkflowType = 'rolloutWorkflow';
export type RolloutWorkflow = (input: RolloutInput) => Promise<RolloutState>;
export const rollbackWorkflowType = 'rollbackWorkflow';
export type RollbackWorkflow = (input: RollbackInput) => Promise<RollbackResult>;

/**
 * A model has at most one rollout running: its workflow id is fixed per model, so Temporal itself
 * refuses a second one, and `steward rollout status <model>` finds it without a lookup.
 *
 * @example rolloutWorkflowId('adult-income') === 'rollout-adult-income'
 */
export function rolloutWorkflowId(model: string): string {
  return `rollout-${model}`;
}

export const rolloutStatusQuery = defineQuery<RolloutState>('rolloutStatus');

export const operatorUpdates: Record<OperatorAction, ReturnType<typeof defineUpdate<RolloutState, [OperatorActionInput]>>> = {
  pause: defineUpdate<RolloutState, [OperatorActionInput]>('pause'),
  resume: defineUpdate<RolloutState, [OperatorActionInput]>('resume'),
  abort: defineUpdate<RolloutState, [OperatorActionInput]>('abort'),
  promote: defineUpdate<RolloutState, [OperatorActionInput]>('promote'),
};
