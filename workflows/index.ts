/** The workflows a Steward worker registers (the worker bundles this file). */
export { releaseWorkflow } from './release';
