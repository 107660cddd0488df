import { fileURLToPath } from 'node:url';

/**
 * The entry file of the workflow code every Steward worker registers. A module of its own so that
 * code which only bundles or replays the workflows (the workflow tests) does not load the activities,
 * the database driver and TensorFlow.js with the rest of workers/.
 * @example const bundle = await bundleWorkflowCode({ workflowsPath });
 */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * Modules the workflow sandbox evaluates once and shares between all the workflows of a worker (the
 * SDK's `preloadModules`; workflows/shared-modules.ts says what and why).
 */
export const sharedWorkflowModules: readonly string[] = [fileURLToPath(new URL('../workflows/shared-modules.ts', import.meta.url))];

/**
 * What every bundle of the workflow code is built from: the workers' (workers/bundle.ts, or the SDK
 * in-process), the tests' and the history replays'.
 * @example const bundle = await bundleWorkflowCode({ ...workflowBundleOptions, logger });
 */
export const workflowBundleOptions = { workflowsPath, preloadModules: [...sharedWorkflowModules] };
