import { fileURLToPath } from 'node:url';

/**
 * The entry file of the workflow code every Steward worker registers. A module of its own so that
 * code which only bundles or replays the workflows (the workflow tests) does not load the activities,
 * the database driver and TensorFlow.js with the rest of workers/.
 * @example const bundle = await bundleWorkflowCode({ workflowsPath });
 */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
