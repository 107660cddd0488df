/**
 * Client-side operations on releases, shared by the CLI, the demo and tests: start a release, send a
 * sign-off decision (a Workflow Update), read a release's state.
 */
import { randomBytes } from 'node:crypto';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { approveUpdate, rejectUpdate, releaseWorkflow, statusQuery } from '../../workflows/release';
import { StewardError, failureTypes, type FailureType } from '../core/errors';
import type { z } from 'zod';
import { releaseIdPrefix, searchAttributes, taskQueues } from '../core/names';
import { decisionInputSchema, releaseInputSchema, type DecisionInput, type ReleaseInput, type ReleaseStage, type ReleaseState } from './types';

function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new StewardError('InvalidInput', `${what}: ${issue.message}`, { field: issue.path.map(String).join('.') || undefined });
  }
  return r.data;
}

/** `release-<model>-<yyyymmdd>-<6 hex>`: sortable by day, unique, readable in the Web UI. */
export function newReleaseId(model: string, now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  return `${releaseIdPrefix}-${model}-${day}-${randomBytes(3).toString('hex')}`;
}

/** @example const id = await startRelease(client, { model: 'adult-income', dataFile, requestedBy: 'alice' }); */
export async function startRelease(client: Client, raw: ReleaseInput, releaseId?: string): Promise<string> {
  const input = parseOrThrow(releaseInputSchema, raw, 'release request');
  const workflowId = releaseId ?? newReleaseId(input.model);
  await client.workflow.start(releaseWorkflow, {
    taskQueue: taskQueues.control,
    workflowId,
    args: [input],
    typedSearchAttributes: [
      { key: searchAttributes.model, value: input.model },
      { key: searchAttributes.stage, value: 'starting' },
      { key: searchAttributes.requestedBy, value: input.requestedBy },
    ],
    staticSummary: `Release of ${input.model} requested by ${input.requestedBy}`,
    staticDetails: `Training data: \`${input.dataFile}\``,
  });
  return workflowId;
}

function failureType(err: unknown): FailureType | undefined {
  let e: unknown = err;
  while (e) {
    if (e instanceof ApplicationFailure && e.type && (failureTypes as readonly string[]).includes(e.type)) return e.type as FailureType;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function rootMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown };
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}

/** Sends an approve or reject decision; refused principals get a typed StewardError and the release keeps waiting. */
export async function decideRelease(client: Client, releaseId: string, kind: 'approve' | 'reject', raw: DecisionInput): Promise<ReleaseState> {
  const decision = parseOrThrow(decisionInputSchema, raw, 'decision');
  const handle = client.workflow.getHandle(releaseId);
  try {
    return await handle.executeUpdate(kind === 'approve' ? approveUpdate : rejectUpdate, { args: [decision] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      throw new StewardError(failureType(err) ?? 'InvalidInput', rootMessage(err));
    }
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

/** The failure type and innermost message of a failed workflow or update, for people. */
export function explainFailure(err: unknown): StewardError {
  return new StewardError(failureType(err) ?? 'InvalidInput', rootMessage(err));
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
