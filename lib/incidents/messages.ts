/**
 * The incident workflow's messages: type name, status Query and the acknowledge, step and resolve
 * Updates. Pure module: workflow code imports it.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { IncidentInput, IncidentState } from './types';

export const incidentWorkflowType = 'incidentWorkflow';
export type IncidentWorkflow = (input: IncidentInput) => Promise<IncidentState>;

export const incidentStatusQuery = defineQuery<IncidentState>('incidentStatus');
export const acknowledgeIncidentUpdate = defineUpdate<IncidentState, [{ principal: string; commander?: string }]>('acknowledgeIncident');
export const completeStepUpdate = defineUpdate<IncidentState, [{ principal: string; step: string; note?: string }]>('completeIncidentStep');
export const resolveIncidentUpdate = defineUpdate<IncidentState, [{ principal: string; resolution: string }]>('resolveIncident');
