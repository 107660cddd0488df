/**
 * Every name that crosses a process boundary: task queues, search-attribute keys, workflow-id
 * prefixes. Clients, workers, workflows and tests import them from here; none is retyped.
 * Pure module (no Node built-ins): workflow code imports it.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const taskQueues = {
  /** Workflows and light activities (database, artifacts, validation, evaluation). */
  control: 'steward-control',
  /** Training on workers that see a GPU (they load @tensorflow/tfjs-node-gpu). */
  trainingGpu: 'steward-train-gpu',
  /** Training on CPU workers (tfjs-node, else WebAssembly, else plain JS). */
  trainingCpu: 'steward-train-cpu',
} as const;

/** Custom search attributes; registered by the embedded dev server at start (lib/dev-server.ts). */
export const searchAttributes = {
  model: defineSearchAttributeKey('StewardModel', SearchAttributeType.KEYWORD),
  version: defineSearchAttributeKey('StewardVersion', SearchAttributeType.INT),
  stage: defineSearchAttributeKey('StewardStage', SearchAttributeType.KEYWORD),
  requestedBy: defineSearchAttributeKey('StewardRequestedBy', SearchAttributeType.KEYWORD),
  /** The business outcome once there is one: promoted, rejected, expired, gate-failed, failed, cancelled. */
  outcome: defineSearchAttributeKey('StewardOutcome', SearchAttributeType.KEYWORD),
} as const;

/** `--search-attribute` arguments for `temporal server start-dev` / `operator search-attribute create`. */
export const searchAttributeDeclarations: Array<{ name: string; type: 'Keyword' | 'Int' }> = [
  { name: searchAttributes.model.name, type: 'Keyword' },
  { name: searchAttributes.version.name, type: 'Int' },
  { name: searchAttributes.stage.name, type: 'Keyword' },
  { name: searchAttributes.requestedBy.name, type: 'Keyword' },
  { name: searchAttributes.outcome.name, type: 'Keyword' },
];

export const releaseIdPrefix = 'release';
export const rollbackIdPrefix = 'rollback';

/** The Temporal Schedule that deletes prediction log rows past each model's retention, and the workflow it starts. */
export const logRetention = {
  scheduleId: 'steward-prediction-log-retention',
  workflowType: 'predictionLogRetentionWorkflow',
} as const;
