/**
 * Client-side operations on incidents, shared by the CLI, the monitor's tests and the integration
 * test: open one (the incident workflow), read its state, acknowledge it, complete a runbook step,
 * resolve it (Workflow Updates: the caller gets the new state or the refusal).
 */
import { randomBytes } from 'node:crypto';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { explainFailure, StewardError } from '../core/errors';
import { searchAttributes, taskQueues } from '../core/names';
import { parseWith } from '../core/validation';
import { acknowledgeIncidentUpdate, completeStepUpdate, incidentStatusQuery, incidentWorkflowType, resolveIncidentUpdate, type IncidentWorkflow } from './messages';
import { incidentId, incidentInputSchema, type IncidentInput, type IncidentState } from './types';

/**
 * Opens an incident; returns its id.
 *
 * @example const id = await openIncident(client, { model: 'adult-income', severity: 'SEV2', summary: 'accuracy fell', openedBy: 'ravi' });
 */
export async function openIncident(client: Client, raw: IncidentInput, o: { id?: string } = {}): Promise<string> {
  const input = parseWith(incidentInputSchema, raw, { type: 'InvalidInput', what: 'incident' });
  const id = o.id ?? incidentId(input.model, new Date(), randomBytes(3).toString('hex'));
  await client.workflow.start<IncidentWorkflow>(incidentWorkflowType, {
    taskQueue: taskQueues.control,
    workflowId: id,
    args: [raw],
    typedSearchAttributes: [
      { key: searchAttributes.model, value: input.model },
      { key: searchAttributes.requestedBy, value: input.openedBy },
    ],
    staticSummary: `${input.severity} incident on ${input.model}: ${input.summary}`,
  });
  return id;
}

function handleOf(client: Client, id: string) {
  return client.workflow.getHandle<IncidentWorkflow>(id);
}

async function updating(id: string, fn: () => Promise<IncidentState>): Promise<IncidentState> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw explainFailure(err);
    if ((err as Error).name === 'WorkflowNotFoundError') throw new StewardError('NotFound', `no incident "${id}" is open`);
    throw err;
  }
}

/** The incident's state: from the workflow while open, from its result once resolved. */
export async function incidentState(client: Client, id: string): Promise<IncidentState> {
  const handle = handleOf(client, id);
  try {
    const d = await handle.describe();
    if (d.status.name === 'COMPLETED') return await handle.result();
    return await handle.query(incidentStatusQuery);
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') throw new StewardError('NotFound', `no incident "${id}"`);
    throw err;
  }
}

/** @example await acknowledgeIncident(client, id, { principal: 'ravi' }); */
export function acknowledgeIncident(client: Client, id: string, request: { principal: string; commander?: string }): Promise<IncidentState> {
  return updating(id, () => handleOf(client, id).executeUpdate(acknowledgeIncidentUpdate, { args: [request] }));
}

/** @example await completeIncidentStep(client, id, { principal: 'ravi', step: 'assess impact', note: '2 windows' }); */
export function completeIncidentStep(client: Client, id: string, request: { principal: string; step: string; note?: string }): Promise<IncidentState> {
  return updating(id, () => handleOf(client, id).executeUpdate(completeStepUpdate, { args: [request] }));
}

/** Resolves the incident and waits for its workflow to close; returns the final state. */
export async function resolveIncident(client: Client, id: string, request: { principal: string; resolution: string }): Promise<IncidentState> {
  await updating(id, () => handleOf(client, id).executeUpdate(resolveIncidentUpdate, { args: [request] }));
  return handleOf(client, id).result();
}
