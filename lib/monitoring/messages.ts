/**
 * The monitor workflow's messages: type name, workflow id, the status Query and the stop Update.
 * Clients (CLI, tests) and the workflow import them from here. Pure module: workflow code imports it.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { MonitorInput, MonitorState } from './types';

export const monitorWorkflowType = 'monitorWorkflow';
export type MonitorWorkflow = (input: MonitorInput) => Promise<MonitorState>;

/**
 * One monitor per model: its id is fixed, so Temporal refuses a second one.
 *
 * @example monitorWorkflowId('adult-income') === 'monitor-adult-income'
 */
export function monitorWorkflowId(model: string): string {
  return `monitor-${model}`;
}

export const monitorStatusQuery = defineQuery<MonitorState>('monitorStatus');
/** Stops the monitor after the window in progress (the principal is recorded). */
export const stopMonitorUpdate = defineUpdate<MonitorState, [{ principal: string; reason?: string }]>('stopMonitor');
