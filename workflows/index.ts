/** The workflows a Steward worker registers (the worker bundles this file). */
export { releaseWorkflow } from './release';
export { rollbackWorkflow, rolloutWorkflow } from './rollout';
export { predictionLogRetentionWorkflow } from './prediction-log';
export { monitorWorkflow } from './monitor';
export { incidentWorkflow } from './incident';
