import { availableParallelism } from 'node:os';
/**
 * Worker wiring. The control worker runs workflows and light activities; training workers poll the
 * GPU queue when they see a GPU (concurrency = devices), else the CPU queue. Scaling out is more
 * processes running these on any machine that reaches Temporal, the database and the artifact store.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createControlActivities, createTrainingActivities, type ActivityDeps } from '../activities';
import { createAuditAnchor } from '../lib/audit/anchor';
import { loadOrCreateKey } from '../lib/identity/keys';
import type { ArtifactStore } from '../lib/runtime/artifacts';
import type { StewardConfig } from '../lib/runtime/config';
import type { ComputePool } from '../activities/compute/pool';
import { StewardError } from '../lib/core/errors';
import { taskQueues } from '../lib/core/names';
import { cachedWorkflowBundle } from './bundle';
import { sharedWorkflowModules, workflowsPath } from './workflows-path';

export { workflowsPath };
export { createComputePool, type ComputePool } from '../activities/compute/pool';

export interface ControlWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDeps;
  /** A pre-built workflow bundle (tests build it once); otherwise the worker bundles workflows/ at start. */
  workflowBundlePath?: string;
  /** Where built workflow bundles are kept between starts (workers/bundle.ts); without it, bundled in-process. */
  bundleCacheDir?: string;
  taskQueue?: string;
  /** Workflows kept in memory between tasks (default `STEWARD_MAX_CACHED_WORKFLOWS`, else the SDK's, which scales with the heap). */
  maxCachedWorkflows?: number;
}

/**
 * The workflow cache bound, when one is configured. Each cached waiting release costs about 0.1 MB
 * of the workflow thread's heap (test/workflow/memory.test.ts); evicting it makes its next task replay
 * the history first. Measured with `bench:scale` at 200 releases when a release still cost 1.8 MB: a
 * cache of 20 saved 176 MB of 1,854 MB and made sign-off 3.7x slower (Update accepted p50 3.8 s against
 * 1.0 s). So the default stays the SDK's; set it where memory is scarcer than time.
 */
function cachedWorkflows(configured: number | undefined): number | undefined {
  const raw = configured ?? (process.env.STEWARD_MAX_CACHED_WORKFLOWS !== undefined ? Number(process.env.STEWARD_MAX_CACHED_WORKFLOWS) : undefined);
  if (raw === undefined) return undefined;
  if (!Number.isInteger(raw) || raw < 0) throw new StewardError('InvalidInput', `STEWARD_MAX_CACHED_WORKFLOWS must be a whole number, got "${process.env.STEWARD_MAX_CACHED_WORKFLOWS}"`, { field: 'STEWARD_MAX_CACHED_WORKFLOWS' });
  return raw;
}

export async function createControlWorker(o: ControlWorkerOptions): Promise<Worker> {
  const cache = cachedWorkflows(o.maxCachedWorkflows);
  const codePath = o.workflowBundlePath ?? (o.bundleCacheDir ? await cachedWorkflowBundle(o.bundleCacheDir) : undefined);
  const options: WorkerOptions = {
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue ?? taskQueues.control,
    ...(cache !== undefined ? { maxCachedWorkflows: cache } : {}),
    activities: createControlActivities(o.deps),
    ...(codePath ? { workflowBundle: { codePath } } : { workflowsPath, bundlerOptions: { preloadModules: [...sharedWorkflowModules] } }),
  };
  return Worker.create(options);
}

export interface TrainingWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  artifacts: ArtifactStore;
  /** The process's compute threads (training runs there, off the worker's main thread). */
  compute: ComputePool;
  /** Force a queue (tests); by default the worker asks lib/model/backend which hardware it has. */
  device?: 'gpu' | 'cpu';
  concurrency?: number;
  taskQueue?: string;
}

export async function createTrainingWorker(o: TrainingWorkerOptions): Promise<{ worker: Worker; taskQueue: string; backend: string }> {
  const { detectGpu } = await import('../lib/model/backend');
  const gpu = o.device === 'cpu' ? { devices: 0 } : await detectGpu();
  const onGpu = o.device === 'gpu' || gpu.devices > 0;
  const taskQueue = o.taskQueue ?? (onGpu ? taskQueues.trainingGpu : taskQueues.trainingCpu);
  const worker = await Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue,
    activities: createTrainingActivities({ artifacts: o.artifacts, compute: o.compute }),
    // GPU: one training per device (TF.js saturates a device). CPU: one per core; each runs on a
    // compute thread, so the pool's size bounds them together with validation and evaluation.
    maxConcurrentActivityTaskExecutions: o.concurrency ?? (onGpu ? Math.max(1, gpu.devices) : availableParallelism()),
  });
  return { worker, taskQueue, backend: onGpu ? 'gpu' : 'cpu' };
}

/**
 * What the control worker's activities need to protect the record: the audit anchor (the audit key
 * from $STEWARD_AUDIT_KEY or the state folder; every writer must share it) and, with auth on, the
 * control API's public key that every release must carry ($STEWARD_DECISION_PUBLIC_KEY, else the
 * key under the state folder, which is the API's on a single machine).
 *
 * @example createControlWorker({ connection, namespace, deps: { db, artifacts, codeVersion, ...workerSecurity(config, artifacts) } });
 */
export function workerSecurity(config: StewardConfig, artifacts: ArtifactStore): Pick<ActivityDeps, 'auditAnchor' | 'requiredDecisionKey'> {
  return {
    auditAnchor: createAuditAnchor(artifacts, loadOrCreateKey(config.home, 'audit', config.keys.audit)),
    requiredDecisionKey: config.authOn ? (config.keys.decisionPublic ?? loadOrCreateKey(config.home, 'decision', config.keys.decision).publicKeyHex) : undefined,
  };
}
