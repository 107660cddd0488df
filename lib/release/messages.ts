/**
 * The release workflow's messages: its type name, the sign-off Updates and the status Query. Clients
 * (CLI, API, demo, tests) and the workflow import them from here, so no name is retyped and clients
 * never import workflow code.
 *
 * Sign-off is a Workflow Update rather than a Signal: the caller gets a synchronous answer, and the
 * validator refuses principals who are not allowed before anything is written to history.
 *
 * Pure module: workflow code imports it.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { DecisionInput, ReleaseInput, ReleaseState } from './types';

/** The workflow type as registered by the worker (the exported function's name). */
export const releaseWorkflowType = 'releaseWorkflow';
/** The workflow's signature, for typed `client.workflow.start<ReleaseWorkflow>(releaseWorkflowType, ...)`. */
export type ReleaseWorkflow = (input: ReleaseInput) => Promise<ReleaseState>;

export const approveUpdate = defineUpdate<ReleaseState, [DecisionInput]>('approve');
export const rejectUpdate = defineUpdate<ReleaseState, [DecisionInput]>('reject');
export const statusQuery = defineQuery<ReleaseState>('status');
