/**
 * The workflows a Steward worker registers (the worker bundles this file).
 *
 * Each workflow's module is loaded when a workflow of that type first runs, not when the sandbox
 * creates any workflow: the sandbox evaluates the workflow code (and the schemas it imports) once for
 * every workflow it keeps, so a waiting release would otherwise also build the rollout's, the
 * monitor's and the incident's schemas (test/workflow/memory.test.ts measures what a release costs).
 * `webpackMode: "eager"` keeps each module in the one bundle; the import resolves in the same
 * workflow task, before the workflow sets its handlers, as a plain import would.
 */
import type * as Incident from './incident';
import type * as Monitor from './monitor';
import type * as PredictionLog from './prediction-log';
import type * as Release from './release';
import type * as Rollout from './rollout';

export async function releaseWorkflow(...args: Parameters<typeof Release.releaseWorkflow>): ReturnType<typeof Release.releaseWorkflow> {
  return (await import(/* webpackMode: "eager" */ './release')).releaseWorkflow(...args);
}

export async function rolloutWorkflow(...args: Parameters<typeof Rollout.rolloutWorkflow>): ReturnType<typeof Rollout.rolloutWorkflow> {
  return (await import(/* webpackMode: "eager" */ './rollout')).rolloutWorkflow(...args);
}

export async function rollbackWorkflow(...args: Parameters<typeof Rollout.rollbackWorkflow>): ReturnType<typeof Rollout.rollbackWorkflow> {
  return (await import(/* webpackMode: "eager" */ './rollout')).rollbackWorkflow(...args);
}

export async function predictionLogRetentionWorkflow(...args: Parameters<typeof PredictionLog.predictionLogRetentionWorkflow>): ReturnType<typeof PredictionLog.predictionLogRetentionWorkflow> {
  return (await import(/* webpackMode: "eager" */ './prediction-log')).predictionLogRetentionWorkflow(...args);
}

export async function monitorWorkflow(...args: Parameters<typeof Monitor.monitorWorkflow>): ReturnType<typeof Monitor.monitorWorkflow> {
  return (await import(/* webpackMode: "eager" */ './monitor')).monitorWorkflow(...args);
}

export async function incidentWorkflow(...args: Parameters<typeof Incident.incidentWorkflow>): ReturnType<typeof Incident.incidentWorkflow> {
  return (await import(/* webpackMode: "eager" */ './incident')).incidentWorkflow(...args);
}
