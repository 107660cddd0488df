/**
 * Client-side operations on monitors, shared by the CLI and tests: start a model's monitor, read its
 * state, stop it (a Workflow Update: the caller gets the final state).
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { explainFailure, StewardError } from '../core/errors';
import { searchAttributes, taskQueues } from '../core/names';
import { parseWith } from '../core/validation';
import { monitorStatusQuery, monitorWorkflowId, monitorWorkflowType, stopMonitorUpdate, type MonitorWorkflow } from './messages';
import type { MonitoringPolicy } from './policy';
import { monitorInputSchema, type MonitorInput, type MonitorState } from './types';

type SettingsInput = NonNullable<MonitorInput['settings']>;

/**
 * A monitor's settings: the policy's `monitoring` section (window length and count, budgets, the
 * prediction drift threshold) with what the caller gives on top, budget by budget.
 *
 * @example monitorSettingsFor(policy.monitoring, { window: 600_000, budgets: { latencyP99Ms: 50 } });
 */
export function monitorSettingsFor(monitoring: MonitoringPolicy | undefined, given: SettingsInput = {}): SettingsInput {
  if (!monitoring) return given;
  const fromPolicy: SettingsInput = {
    ...(monitoring.window.every !== undefined ? { window: monitoring.window.every } : {}),
    ...(monitoring.window.predictions !== undefined ? { windowPredictions: monitoring.window.predictions } : {}),
    budgets: monitoring.budgets,
    predictionDriftThreshold: monitoring.drift.predictionPsi,
  };
  return { ...fromPolicy, ...given, budgets: { ...fromPolicy.budgets, ...(given.budgets ?? {}) } };
}

/**
 * Starts the monitor of a model; returns its workflow id. A second monitor of the same model is refused.
 *
 * @example await startMonitor(client, { model: 'adult-income', requestedBy: 'ravi', settings: { window: '1h' } });
 */
export async function startMonitor(client: Client, raw: MonitorInput): Promise<string> {
  const input = parseWith(monitorInputSchema, raw, { type: 'InvalidInput', what: 'monitor request' });
  const workflowId = monitorWorkflowId(input.model);
  try {
    await client.workflow.start<MonitorWorkflow>(monitorWorkflowType, {
      taskQueue: taskQueues.control,
      workflowId,
      args: [raw],
      typedSearchAttributes: [
        { key: searchAttributes.model, value: input.model },
        { key: searchAttributes.requestedBy, value: input.requestedBy },
      ],
      staticSummary: `monitor of ${input.model}, windows of ${input.settings.window / 60_000} min, started by ${input.requestedBy}`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new StewardError('MonitorConflict', `the monitor of ${input.model} is already running (stop it first: steward monitor stop ${input.model})`);
    throw err;
  }
  return workflowId;
}

/**
 * The running monitor's state.
 *
 * @example const state = await monitorState(client, 'adult-income');
 */
export async function monitorState(client: Client, model: string): Promise<MonitorState> {
  const handle = client.workflow.getHandle(monitorWorkflowId(model));
  try {
    const d = await handle.describe();
    if (d.status.name === 'COMPLETED') return (await handle.result()) as MonitorState;
    return await handle.query(monitorStatusQuery);
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') throw new StewardError('NotFound', `no monitor of ${model} has run (start one: steward monitor start ${model})`);
    throw err;
  }
}

/**
 * Stops a model's monitor after the window in progress is handled; returns its final state.
 *
 * @example await stopMonitor(client, 'adult-income', { principal: 'ravi', reason: 'model retired' });
 */
export async function stopMonitor(client: Client, model: string, request: { principal: string; reason?: string }): Promise<MonitorState> {
  const handle = client.workflow.getHandle(monitorWorkflowId(model));
  try {
    await handle.executeUpdate(stopMonitorUpdate, { args: [request] });
    return (await handle.result()) as MonitorState;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw explainFailure(err);
    if ((err as Error).name === 'WorkflowNotFoundError') throw new StewardError('NotFound', `no monitor of ${model} is running`);
    throw err;
  }
}
