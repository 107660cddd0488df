/**
 * Stand-in activities for the workflow tests (test/workflow), the one place where activities are
 * stubbed: those tests check the release workflow's orchestration (sign-off, expiry, GPU fallback,
 * cancellation, failures) in seconds, while test/integration runs the real activities end to end.
 *
 * The stubs are typed against the real activity interfaces, so a changed signature breaks the build
 * here too. They answer with canned values shaped like the real ones (sha256 digests, Adult-sized row
 * counts and metrics), derive the release plan from the shipped policy as `beginRelease` does, record
 * every call, and can be told per model to fail or to hold until the test lets them go.
 */
import { join } from 'node:path';
import { activityInfo, Context } from '@temporalio/activity';
import type { ReleaseControlActivities as ControlActivities, TrainingActivities } from '../../activities/types';
import { withFailureTypes } from '../../activities/failures';
import { taskQueues } from '../../lib/core/names';
import { sha256Hex } from '../../lib/core/hash';
import { loadPolicyFile } from '../../lib/policy/load';
import { policyHash, type Policy } from '../../lib/policy/schema';
import type { EvaluationSummary, ReleasePlan } from '../../lib/release/types';
import { projectRoot } from '../../lib/runtime/paths';
import { until } from './until';

export type ActivityName = keyof ControlActivities | keyof TrainingActivities;

type ArgsOf<K extends ActivityName> = K extends keyof ControlActivities
  ? Parameters<ControlActivities[K]>[0]
  : K extends keyof TrainingActivities
    ? Parameters<TrainingActivities[K]>[0]
    : never;

export interface StubCall<K extends ActivityName = ActivityName> {
  activity: K;
  releaseId: string;
  args: ArgsOf<K>;
  taskQueue: string;
  attempt: number;
  /** Server time at which this attempt was scheduled (time-skipping time, not wall time). */
  scheduledAtMs: number;
  outcome: 'running' | 'returned' | 'threw' | 'cancelled';
  /** Order of this call's start and end among all calls to these stubs (for assertions on ordering). */
  startedSeq: number;
  finishedSeq?: number;
}

/**
 * How the stubs behave for one model: a patch of the shipped adult-income policy, the evaluation
 * gate, and activities that fail or hold.
 */
export interface StubModel {
  approvals?: Partial<Policy['approvals']>;
  compute?: Partial<Policy['compute']>;
  productionVersion?: number | null;
  gate?: EvaluationSummary['gate'];
  /** The error an activity throws on a given attempt (undefined: that attempt succeeds). */
  failures?: { [K in ActivityName]?: (attempt: number) => Error | undefined };
  /**
   * Activities that do not return until the test calls `release`. `heartbeat`: the stub heartbeats
   * and stops when the workflow cancels it (as training does); `silent`: it neither heartbeats nor
   * notices cancellation and finishes its work once released (as promote and the registry writes do).
   */
  holds?: { [K in ActivityName]?: 'heartbeat' | 'silent' };
}

export interface StubActivities {
  control: ControlActivities;
  training: TrainingActivities;
  /** Declares a model (like registering its policy); releases of an undeclared model use the shipped policy as is. */
  model(name: string, behaviour?: StubModel): void;
  /** Calls of one release, in order, optionally of one activity. */
  calls<K extends ActivityName>(releaseId: string, activity: K): StubCall<K>[];
  calls(releaseId: string): StubCall[];
  /** Resolves once `activity` is running for `releaseId` (a held activity is then waiting for `release`). */
  entered(releaseId: string, activity: ActivityName, timeoutMs?: number): Promise<StubCall>;
  /** Lets a held activity of a release finish (also before it started: it then does not hold), or all of them. */
  release(releaseId: string, activity?: ActivityName): void;
}

export { until };

const shippedPolicy = () => loadPolicyFile(join(projectRoot, 'policies/adult-income.json'));

/**
 * @example
 *   const stubs = createStubActivities();
 *   stubs.model('income-quorum', { approvals: { approvers: ['bob', 'carol', 'dave'], quorum: 2 } });
 *   await Worker.create({ ..., activities: stubs.control });
 *   expect(stubs.calls(releaseId, 'promote')).toHaveLength(1);
 */
export function createStubActivities(): StubActivities {
  const models = new Map<string, StubModel>();
  const log: StubCall[] = [];
  const released = new Set<string>();
  let seq = 0;
  const key = (releaseId: string, activity: ActivityName | '*') => `${releaseId}/${activity}`;

  /** Runs one stubbed activity: records it, applies the model's failure and hold, then answers. */
  async function stub<K extends ActivityName, R>(activity: K, args: ArgsOf<K> & { releaseId: string; model?: string; input?: { model: string } }, answer: () => R): Promise<R> {
    const info = activityInfo();
    const model = args.model ?? args.input?.model ?? '';
    const behaviour = models.get(model) ?? {};
    const call: StubCall<K> = {
      activity,
      releaseId: args.releaseId,
      args,
      taskQueue: info.taskQueue,
      attempt: info.attempt,
      scheduledAtMs: info.currentAttemptScheduledTimestampMs,
      outcome: 'running',
      startedSeq: ++seq,
    };
    log.push(call as unknown as StubCall);
    try {
      const hold = behaviour.holds?.[activity];
      if (hold) await holdUntilReleased(args.releaseId, activity, hold);
      // The real activities turn StewardErrors into non-retryable ApplicationFailures the same way.
      const result = await withFailureTypes(async () => {
        const error = behaviour.failures?.[activity]?.(info.attempt);
        if (error) throw error;
        return answer();
      });
      call.outcome = 'returned';
      return result;
    } catch (e) {
      call.outcome = Context.current().cancellationSignal.aborted ? 'cancelled' : 'threw';
      throw e;
    } finally {
      call.finishedSeq = ++seq;
    }
  }

  async function holdUntilReleased(releaseId: string, activity: ActivityName, mode: 'heartbeat' | 'silent') {
    const ctx = Context.current();
    while (!released.has(key(releaseId, activity)) && !released.has(key(releaseId, '*'))) {
      if (mode === 'heartbeat') {
        ctx.heartbeat();
        await ctx.sleep(20); // rejects with CancelledFailure once the cancellation reaches this activity
      } else {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  const planFor = (modelName: string, requestedTimeoutMs: number | undefined): ReleasePlan => {
    const behaviour = models.get(modelName) ?? {};
    const policy = shippedPolicy();
    policy.model = modelName;
    policy.approvals = { ...policy.approvals, ...behaviour.approvals };
    policy.compute = { ...policy.compute, ...behaviour.compute };
    return {
      policyHash: policyHash(policy),
      approvers: policy.approvals.approvers,
      quorum: policy.approvals.quorum,
      approvalTimeoutMs: requestedTimeoutMs ?? policy.approvals.timeout,
      gpu: policy.compute.gpu,
      gpuWaitMs: policy.compute.gpuWait,
      trainingHeartbeatMs: policy.compute.heartbeatTimeout,
      evaluationFile: policy.data.evaluationFile,
      productionVersion: behaviour.productionVersion ?? null,
      policy,
    };
  };

  // What the registry activities return after a write: the audit chain's head (a constant here).
  const head = { seq: 0, hash: '0'.repeat(64) };
  const control: ControlActivities = {
    beginRelease: (args) => stub('beginRelease', args, () => planFor(args.input.model, args.input.approvalTimeoutMs)),
    validateData: (args) =>
      stub('validateData', args, () => ({
        sha256: sha256Hex(`data:${args.file}`),
        rows: 32_561,
        artifactSha256: sha256Hex(`data:${args.file}`),
        warnings: ['column "native-country": 1.79% missing (warn above 0%)'],
        reportSha256: sha256Hex(`report:${args.releaseId}`),
        drift: null,
      })),
    evaluateCandidate: (args) =>
      stub('evaluateCandidate', args, () => ({
        reportSha256: sha256Hex(`evaluation:${args.releaseId}`),
        metrics: { accuracy: 0.8512, rocAuc: 0.9047, prAuc: 0.7621, f1: 0.6634, logLoss: 0.3218, brier: 0.1031, ece: 0.0142 },
        production: args.productionVersion === null ? null : { accuracy: 0.8476, rocAuc: 0.9012, prAuc: 0.7588, f1: 0.6571, logLoss: 0.3279, brier: 0.1049, ece: 0.0167 },
        gate: models.get(args.model)?.gate ?? { passed: true, reasons: [] },
      })),
    importCandidate: (args) =>
      stub('importCandidate', args, () => ({
        modelSha256: sha256Hex(`imported:${args.releaseId}`),
        pipelineSha256: sha256Hex(`declaration:${args.releaseId}`),
        weightsSha256: sha256Hex(`artifact:${args.artifact}`),
        backend: 'onnxruntime-node 1.30.0 (cpu)',
        epochs: 0,
        trainingSeconds: 0.3,
        trainingConfigHash: sha256Hex(`declaration:${args.model}`),
        taskQueue: activityInfo().taskQueue,
        attempt: activityInfo().attempt,
        resumedFromEpoch: null,
        imported: { format: 'onnx', fileName: 'model.onnx', sha256: sha256Hex(`artifact:${args.artifact}`), files: [], declaredIn: 'policy', origin: args.origin, producer: 'pytorch 2.5' },
      })),
    registerCandidate: (args) => stub('registerCandidate', args, () => (args.parentVersion ?? 0) + 1),
    announceApprovalRequest: (args) => stub('announceApprovalRequest', args, () => head),
    recordDecision: (args) => stub('recordDecision', args, () => head),
    promote: (args) => stub('promote', args, () => head),
    closeRelease: (args) => stub('closeRelease', args, () => head),
  };

  const training: TrainingActivities = {
    trainCandidate: (args) =>
      stub('trainCandidate', args, () => {
        const info = activityInfo();
        const onGpu = info.taskQueue === taskQueues.trainingGpu;
        return {
          modelSha256: sha256Hex(`model:${args.releaseId}`),
          pipelineSha256: sha256Hex(`pipeline:${args.releaseId}`),
          weightsSha256: sha256Hex(`weights:${args.releaseId}`),
          backend: onGpu ? 'tensorflow-gpu' : 'wasm',
          epochs: 12,
          trainingSeconds: onGpu ? 8.4 : 41.7,
          trainingConfigHash: sha256Hex(`training:${args.model}`),
          taskQueue: info.taskQueue,
          attempt: info.attempt,
          resumedFromEpoch: null,
        };
      }),
  };

  function calls(releaseId: string, activity?: ActivityName): StubCall[] {
    return log.filter((c) => c.releaseId === releaseId && (activity === undefined || c.activity === activity));
  }

  return {
    control,
    training,
    model: (name, behaviour = {}) => void models.set(name, behaviour),
    calls: calls as StubActivities['calls'],
    entered: (releaseId, activity, timeoutMs) => until(() => calls(releaseId, activity).find((c) => c.outcome === 'running'), `${activity} of ${releaseId} to start`, { timeoutMs }),
    release: (releaseId, activity) => void released.add(key(releaseId, activity ?? '*')),
  };
}
