/**
 * Client-side operations on releases, shared by the CLI, the demo and tests: start a release, send a
 * sign-off decision (a Workflow Update), read a release's state.
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { WorkflowUpdateFailedError, WorkflowUpdateStage, type Client } from '@temporalio/client';
import { explainFailure, fileError, StewardError } from '../core/errors';
import { releaseIdPrefix, searchAttributes, taskQueues } from '../core/names';
import { parseWith } from '../core/validation';
import { checkDataFile } from '../data/source';
import { approveUpdate, rejectUpdate, releaseWorkflowType, statusQuery, type ReleaseWorkflow } from './messages';
import { decisionInputSchema, releaseInputSchema, type DecisionInput, type DecisionKind, type ReleaseInput, type ReleaseStage, type ReleaseState } from './types';

export { explainFailure };

/** `release-<model>-<yyyymmdd>-<6 hex>`: sortable by day, unique, readable in the Web UI. */
export function newReleaseId(model: string, now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  return `${releaseIdPrefix}-${model}-${day}-${randomBytes(3).toString('hex')}`;
}

/** An artifact to import must exist before a release starts (its contents are checked by the import step). */
function checkArtifactPath(path: string): void {
  try {
    statSync(path);
  } catch (e) {
    const err = fileError(e, path);
    throw new StewardError(err.type, err.reason, { file: path, field: 'import.artifact' }, { cause: e });
  }
}

/** @example const id = await startRelease(client, { model: 'adult-income', dataFile, requestedBy: 'alice' }); */
export async function startRelease(client: Client, raw: ReleaseInput, releaseId?: string): Promise<string> {
  const input = parseWith(releaseInputSchema, raw, { type: 'InvalidInput', what: 'release request' });
  // Refused at the door: a release for a file that cannot be read would only fail later, in a worker.
  if (input.dataFile !== undefined) checkDataFile(input.dataFile, 'dataFile');
  if (input.import) checkArtifactPath(input.import.artifact);
  if (input.evaluationFile) checkDataFile(input.evaluationFile, 'evaluationFile');
  const workflowId = releaseId ?? newReleaseId(input.model);
  await client.workflow.start<ReleaseWorkflow>(releaseWorkflowType, {
    taskQueue: taskQueues.control,
    workflowId,
    args: [input],
    typedSearchAttributes: [
      { key: searchAttributes.model, value: input.model },
      { key: searchAttributes.stage, value: 'starting' },
      { key: searchAttributes.requestedBy, value: input.requestedBy },
    ],
    staticSummary: `Release of ${input.model} requested by ${input.requestedBy}`,
    staticDetails: input.import ? `Imported model: \`${input.import.artifact}\`${input.dataFile ? `, data: \`${input.dataFile}\`` : ''}` : `Training data: \`${input.dataFile}\``,
  });
  return workflowId;
}

/** Sends an approve or reject decision; refused principals get a typed StewardError and the release keeps waiting. */
export async function decideRelease(
  client: Client,
  releaseId: string,
  kind: DecisionKind,
  raw: DecisionInput,
  options: {
    /** Called once the workflow has accepted the decision (its validator passed; it is in history). */
    onAccepted?: () => void;
  } = {},
): Promise<ReleaseState> {
  const decision = parseWith(decisionInputSchema, raw, { type: 'InvalidInput', what: 'decision' });
  const handle = client.workflow.getHandle(releaseId);
  try {
    const update = await handle.startUpdate(kind === 'approve' ? approveUpdate : rejectUpdate, { args: [decision], waitForStage: WorkflowUpdateStage.ACCEPTED });
    options.onAccepted?.();
    // Completed once the decision is also mirrored in the registry (and the release moved on).
    return await update.result();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw explainFailure(err);
    if ((err as Error).name === 'WorkflowNotFoundError') {
      // The server answers "not found" for updates to closed workflows too: say which it is.
      const description = await handle.describe().catch(() => undefined);
      if (!description) throw new StewardError('NotFound', `release ${releaseId} does not exist`);
      const ended = description.status.name === 'COMPLETED' ? (await releaseState(client, releaseId)).status : description.status.name.toLowerCase();
      throw new StewardError('AlreadyDecided', `release ${releaseId} has already ended (${ended}); decisions are closed`);
    }
    throw err;
  }
}

/** The release's state: from the workflow while it runs, from its result once it has closed. */
export async function releaseState(client: Client, releaseId: string): Promise<ReleaseState> {
  const handle = client.workflow.getHandle(releaseId);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') throw new StewardError('NotFound', `release ${releaseId} does not exist`);
    throw err;
  }
  if (description.status.name === 'RUNNING') return handle.query(statusQuery);
  if (description.status.name === 'COMPLETED') return (await handle.result()) as ReleaseState;
  try {
    return await handle.query(statusQuery);
  } catch {
    throw new StewardError('NotFound', `release ${releaseId} ended ${description.status.name} and no worker can answer for its state`);
  }
}

/** Waits until the release reaches `stage` (or ends), polling its status query. */
export async function waitForStage(client: Client, releaseId: string, stage: ReleaseStage, timeoutMs = 120_000): Promise<ReleaseState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await client.workflow.getHandle(releaseId).query(statusQuery).catch(() => undefined);
    if (state && (state.stage === stage || state.stage === 'done')) return state;
    if (Date.now() > deadline) throw new Error(`release ${releaseId} did not reach ${stage} within ${timeoutMs} ms (stage: ${state?.stage})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
