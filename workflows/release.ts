/**
 * The release workflow: validate data -> train -> evaluate -> register -> wait for sign-off ->
 * promote, or end rejected / expired / failed with production untouched. Its event history is the
 * audit trail of the release; the same facts are mirrored to PostgreSQL by activities.
 *
 * Its messages (sign-off Updates, status Query) are defined in lib/release/messages.ts and
 * re-exported here.
 */
import {
  ActivityFailure,
  CancellationScope,
  ParentClosePolicy,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  executeChild,
  isCancellation,
  patched,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { TimeoutType } from '@temporalio/common';
import type { ControlActivities, TrainingActivities } from '../activities/types';
import { failureTypes, isStewardError } from '../lib/core/errors';
import { failure, toApplicationFailure } from '../lib/core/failures';
import { normalizePrincipal, samePrincipal } from '../lib/core/identity';
import { searchAttributes, taskQueues } from '../lib/core/names';
import { parseWith } from '../lib/core/validation';
import { decisionSignatureProblem } from '../lib/release/decision-signature';
import { approveUpdate, rejectUpdate, statusQuery, type ReleaseWorkflow } from '../lib/release/messages';
import { rolloutWorkflowId, rolloutWorkflowType, type RolloutWorkflow } from '../lib/rollout/messages';
import { decisionInputSchema } from '../lib/release/decision';
import type { Decision, DecisionInput, DecisionKind, ReleaseInput, ReleaseOutcome, ReleasePlan, ReleaseStage, ReleaseState, ReleaseStatus, TrainedCandidate } from '../lib/release/types';

export { approveUpdate, rejectUpdate, statusQuery };

// Registry activities are idempotent, so they retry until they succeed (a database restart must not
// fail an approved release); only the catalogue's business failures end the release.
const control = proxyActivities<ControlActivities>({
  taskQueue: taskQueues.control,
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1s', maximumInterval: '1 minute', nonRetryableErrorTypes: failureTypes },
});

function trainingActivities(taskQueue: string, heartbeatTimeout: number, scheduleToStartTimeout?: number) {
  return proxyActivities<TrainingActivities>({
    taskQueue,
    scheduleToStartTimeout,
    startToCloseTimeout: '4 hours',
    // Epoch heartbeats; a killed worker is noticed within this and the retry resumes from the checkpoint.
    heartbeatTimeout,
    retry: { maximumAttempts: 4, initialInterval: '2s', nonRetryableErrorTypes: failureTypes },
  });
}

function isScheduleToStartTimeout(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === TimeoutType.SCHEDULE_TO_START;
}

export async function releaseWorkflow(input: ReleaseInput): Promise<ReleaseState> {
  const state: ReleaseState = {
    releaseId: workflowInfo().workflowId,
    model: input.model,
    requestedBy: input.requestedBy,
    stage: 'starting',
    status: 'running',
    approvers: [],
    quorum: 1,
    approvals: [],
  };
  let decided: 'approved' | 'rejected' | undefined;
  const same = samePrincipal;

  // A registry write (release row, version, decision, production pointer) that has started must land
  // before the release is closed: a cancellation that only stopped the workflow waiting would let
  // closeRelease run first and the write land after it (a promoted version of a "failed" release).
  // A write not yet started when the cancellation arrives is not started. Releases started before
  // this change keep their recorded behaviour.
  const writesSurviveCancellation = patched('registry-writes-survive-cancellation');
  const write = <T>(step: () => Promise<T>): Promise<T> =>
    writesSurviveCancellation && !CancellationScope.current().consideredCancelled ? CancellationScope.nonCancellable(step) : step();

  setHandler(statusQuery, () => state);

  // Validators run before the update is accepted into history: a refused principal leaves no trace
  // beyond the caller's error, and the workflow keeps waiting. The handler runs the same checks again
  // and claims the decision before its first await, because concurrent updates all passed their
  // validators against the state as it was before any of them ran.
  //
  // A release that carries the API's public key takes only decisions the API signed over this release,
  // this principal, this decision and comment, within minutes of the workflow's clock: checked first,
  // so a forged request learns nothing about the release. (Releases without a key behave as before.)
  const checkDecision = (kind: DecisionKind, raw: DecisionInput) => {
    let decision: ReturnType<typeof decisionInputSchema.parse>;
    try {
      decision = parseWith(decisionInputSchema, raw, { type: 'InvalidInput', what: 'decision' });
    } catch (e) {
      throw isStewardError(e) ? toApplicationFailure(e) : e;
    }
    const { principal } = decision;
    if (input.decisionKey) {
      const signed = { releaseId: state.releaseId, principal, decision: kind, comment: decision.comment };
      const problem = decisionSignatureProblem(input.decisionKey, signed, decision.signature, Date.now());
      if (problem) throw failure('InvalidDecisionSignature', problem);
    }
    if (state.stage !== 'awaiting-approval' || decided) {
      throw failure('AlreadyDecided', `release ${state.releaseId} is not awaiting sign-off (stage: ${state.stage}, status: ${state.status}${decided ? `, ${decided}` : ''})`);
    }
    if (same(principal, state.requestedBy)) {
      throw failure('UnauthorizedApprover', `${principal} requested release ${state.releaseId} and cannot ${kind} it (separation of duties)`);
    }
    if (!state.approvers.some((a) => same(a, principal))) {
      throw failure('UnauthorizedApprover', `${principal} is not an approver of model ${state.model} (approvers: ${state.approvers.join(', ')})`);
    }
    if (state.approvals.some((a) => same(a.principal, principal))) {
      throw failure('AlreadyDecided', `${principal} has already decided on ${state.releaseId}`);
    }
    return decision;
  };

  const decide = async (kind: DecisionKind, raw: DecisionInput): Promise<ReleaseState> => {
    const checked = checkDecision(kind, raw);
    const decision: Decision = { principal: normalizePrincipal(checked.principal), decision: kind, comment: checked.comment, at: new Date().toISOString() };
    if (input.decisionKey && checked.signature) decision.signature = checked.signature;
    state.approvals.push(decision);
    if (kind === 'reject') decided = 'rejected';
    else if (state.approvals.filter((a) => a.decision === 'approve').length >= state.quorum) decided = 'approved';
    else describe(`Approved by ${state.approvals.map((a) => a.principal).join(', ')}; waiting for ${state.quorum - state.approvals.length} more.`);
    await write(() =>
      control.recordDecision.executeWithOptions({ summary: `record ${kind} by ${decision.principal}` }, [
        { releaseId: state.releaseId, model: state.model, version: state.version ?? null, policyHash: state.policyHash ?? '', decision },
      ]),
    );
    return state;
  };
  setHandler(approveUpdate, (d) => decide('approve', d), { validator: (d) => void checkDecision('approve', d) });
  setHandler(rejectUpdate, (d) => decide('reject', d), { validator: (d) => void checkDecision('reject', d) });

  function describe(line: string) {
    const lines = [`**${state.model}** release requested by ${state.requestedBy}: ${state.stage}`, line];
    if (state.version !== undefined) lines.push(`Candidate version: v${state.version}`);
    if (state.evaluation) {
      const m = state.evaluation.metrics;
      const p = state.evaluation.production;
      // The task's headline metrics: a regressor's errors, a multiclass model's macro F1, a binary model's ROC AUC.
      const shown: [string, string][] = m.mae !== undefined ? [['mae', 'MAE'], ['r2', 'R^2']] : m.macroF1 !== undefined ? [['accuracy', 'accuracy'], ['macroF1', 'macro F1']] : [['accuracy', 'accuracy'], ['rocAuc', 'ROC AUC']];
      lines.push(shown.map(([k, label]) => `${label} ${fmt(m[k])}${p ? ` (production ${fmt(p[k])})` : ''}`).join(', '));
    }
    setCurrentDetails(lines.join('\n\n'));
  }

  function enter(stage: ReleaseStage, line: string) {
    state.stage = stage;
    upsertSearchAttributes([{ key: searchAttributes.stage, value: stage }]);
    describe(line);
    log.info('release stage', { stage, releaseId: state.releaseId });
  }

  upsertSearchAttributes([
    { key: searchAttributes.model, value: input.model },
    { key: searchAttributes.requestedBy, value: input.requestedBy },
  ]);

  let outcome: { status: Exclude<ReleaseStatus, 'running'>; reason?: string; gateFailed?: boolean };
  let thrown: unknown;
  try {
    outcome = await run();
  } catch (err) {
    thrown = err;
    const reason = isCancellation(err)
      ? 'cancelled'
      : err instanceof ActivityFailure && err.cause instanceof Error
        ? err.cause.message
        : err instanceof Error
          ? err.message
          : String(err);
    outcome = { status: 'failed', reason };
  }

  // Bookkeeping runs once, after the outcome is known, and even when the release was cancelled.
  await CancellationScope.nonCancellable(async () => {
    state.status = outcome.status;
    state.reason = outcome.reason;
    state.stage = 'done';
    const shown: ReleaseOutcome = outcome.gateFailed ? 'gate-failed' : outcome.reason === 'cancelled' && outcome.status === 'failed' ? 'cancelled' : outcome.status;
    upsertSearchAttributes([
      { key: searchAttributes.stage, value: outcome.status },
      { key: searchAttributes.outcome, value: shown },
    ]);
    describe(outcome.reason ? `Outcome: ${outcome.status} (${outcome.reason})` : `Outcome: ${outcome.status}`);
    await control.closeRelease.executeWithOptions({ summary: `close the release: ${outcome.status}` }, [
      { releaseId: state.releaseId, model: state.model, status: outcome.status, reason: outcome.reason ?? null, version: state.version ?? null },
    ]);
  });
  // The outcome is recorded: a cancellation arriving now must not turn a promoted release into a cancelled execution.
  if (writesSurviveCancellation) await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  else await condition(allHandlersFinished);
  if (thrown) throw thrown;
  return state;

  async function run(): Promise<typeof outcome> {
    enter('starting', 'Loading the model policy.');
    const plan: ReleasePlan = await write(() => control.beginRelease.executeWithOptions({ summary: 'load the policy, record the request' }, [{ releaseId: state.releaseId, input }]));
    state.policyHash = plan.policyHash;
    state.approvers = plan.approvers;
    state.quorum = plan.quorum;

    // An imported model may come without data of its own: the held-out file is then what is checked.
    // (Releases that train always name their data file, as every release recorded before imports did.)
    const dataFile = input.dataFile ?? input.evaluationFile ?? plan.evaluationFile;
    enter('validating', `Checking ${dataFile} against the data contract and the production reference.`);
    // The heavy steps heartbeat while their compute thread works: a control worker that dies mid-step is
    // noticed within the heartbeat timeout and the step retried elsewhere, not after its 10-minute limit.
    const heavy = { heartbeatTimeout: plan.trainingHeartbeatMs };
    const data = await control.validateData.executeWithOptions({ ...heavy, summary: 'check the data contract and drift' }, [
      { releaseId: state.releaseId, model: input.model, file: dataFile, policy: plan.policy },
    ]);
    state.data = data;

    let candidate: TrainedCandidate;
    if (input.import) {
      const { artifact, origin } = input.import;
      enter('training', `Importing ${artifact}${origin ? ` (declared origin: ${origin})` : ''} instead of training.`);
      candidate = await control.importCandidate.executeWithOptions({ ...heavy, summary: 'import the candidate model' }, [
        { releaseId: state.releaseId, model: input.model, artifact, origin: origin ?? null, evaluationFile: input.evaluationFile ?? plan.evaluationFile, policy: plan.policy },
      ]);
    } else {
      enter('training', `Training on ${data.rows} rows (${plan.gpu === 'never' ? 'CPU' : `GPU ${plan.gpu}`}).`);
      candidate = await train(plan, data.artifactSha256);
    }
    state.candidate = candidate;

    enter('evaluating', `Evaluating on ${input.evaluationFile ?? plan.evaluationFile}.`);
    const evaluation = await control.evaluateCandidate.executeWithOptions({ ...heavy, summary: `evaluate against ${plan.productionVersion === null ? 'no production version' : `production v${plan.productionVersion}`}` }, [
  {
        releaseId: state.releaseId,
        model: input.model,
        candidate,
        evaluationFile: input.evaluationFile ?? plan.evaluationFile,
        productionVersion: plan.productionVersion,
        policy: plan.policy,
      },
    ]);
    state.evaluation = evaluation;

    enter('registering', 'Registering the candidate version with its lineage.');
    const version = await write(() =>
      control.registerCandidate.executeWithOptions({ summary: 'register the candidate version' }, [{
        releaseId: state.releaseId,
        model: input.model,
        data,
        candidate,
        evaluation,
        policyHash: plan.policyHash,
        parentVersion: plan.productionVersion,
      }]),
    );
    state.version = version;
    upsertSearchAttributes([{ key: searchAttributes.version, value: version }]);

    if (!evaluation.gate.passed) return { status: 'failed', reason: `evaluation gate: ${evaluation.gate.reasons.join('; ')}`, gateFailed: true };

    const deadline = Date.now() + plan.approvalTimeoutMs;
    state.approvalDeadline = new Date(deadline).toISOString();
    enter(
      'awaiting-approval',
      `Waiting for sign-off by ${plan.quorum} of: ${plan.approvers.join(', ')} (not ${input.requestedBy}). Expires ${state.approvalDeadline}.`,
    );
    const deadlineText = state.approvalDeadline;
    await write(() =>
      control.announceApprovalRequest.executeWithOptions({ summary: 'announce the sign-off request' }, [
        { releaseId: state.releaseId, model: input.model, version, approvers: plan.approvers, deadline: deadlineText },
      ]),
    );
    // The announced deadline is the one enforced: the time spent announcing counts against it.
    const answered = await condition(() => decided !== undefined, Math.max(1, deadline - Date.now()), { summary: `wait for sign-off until ${deadlineText}` });
    if (!answered) return { status: 'expired', reason: `no sign-off within ${Math.round(plan.approvalTimeoutMs / 1000)} s` };
    if (decided === 'rejected') {
      const by = state.approvals.find((a) => a.decision === 'reject');
      return { status: 'rejected', reason: `rejected by ${by?.principal}${by?.comment ? `: ${by.comment}` : ''}` };
    }

    // The policy hands approved versions to a rollout (the pointer then moves when it completes);
    // a model's first version has nothing to compare with and is promoted as before. Releases that
    // started before rollouts existed have no `rolloutOnApproval` in their plan and keep promoting.
    if (plan.rolloutOnApproval && plan.productionVersion !== null && patched('rollout-after-sign-off')) {
      enter('rolling-out', `Approved; rolling v${version} out against production v${plan.productionVersion}.`);
      const rolloutId = rolloutWorkflowId(input.model);
      state.rollout = { workflowId: rolloutId, status: 'running' };
      const rollout = await executeChild<RolloutWorkflow>(rolloutWorkflowType, {
        workflowId: rolloutId,
        taskQueue: taskQueues.control,
        args: [{ model: input.model, version, requestedBy: input.requestedBy, releaseId: state.releaseId, expectedBaseline: plan.productionVersion }],
        // A cancelled release cancels its rollout, which gives traffic back to production.
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        staticSummary: `Rollout of ${input.model} v${version} (release ${state.releaseId})`,
      });
      state.rollout = { workflowId: rolloutId, status: rollout.status, reason: rollout.reason };
      if (rollout.status === 'completed') return { status: 'promoted' };
      return { status: 'failed', reason: `rollout ${rollout.status}${rollout.reason ? `: ${rollout.reason}` : ''}` };
    }

    enter('promoting', 'Moving the production pointer.');
    await write(() =>
      control.promote.executeWithOptions({ summary: `promote v${version} to production` }, [{
        releaseId: state.releaseId,
        model: input.model,
        version,
        expectedProductionVersion: plan.productionVersion,
        policyHash: plan.policyHash,
        approvals: state.approvals,
      }]),
    );
    return { status: 'promoted' };
  }

  async function train(plan: ReleasePlan, dataSha256: string): Promise<TrainedCandidate> {
    const args = { releaseId: state.releaseId, model: input.model, dataSha256, policy: plan.policy, overrides: input.trainingOverrides ?? {} };
    const hb = plan.trainingHeartbeatMs;
    const onCpu = { summary: 'train on CPU' };
    if (plan.gpu === 'never') return trainingActivities(taskQueues.trainingCpu, hb).trainCandidate.executeWithOptions(onCpu, [args]);
    try {
      return await trainingActivities(taskQueues.trainingGpu, hb, plan.gpuWaitMs).trainCandidate.executeWithOptions({ summary: `train on GPU (${plan.gpu})` }, [args]);
    } catch (err) {
      if (!isScheduleToStartTimeout(err)) throw err;
      if (plan.gpu === 'required') {
        throw failure('NoGpuWorker', `the policy requires a GPU and no GPU training worker took the job within ${plan.gpuWaitMs / 1000} s`);
      }
      describe(`No GPU worker picked the training up within ${plan.gpuWaitMs / 1000} s; training on CPU.`);
      return trainingActivities(taskQueues.trainingCpu, hb).trainCandidate.executeWithOptions({ summary: 'train on CPU (no GPU worker took it)' }, [args]);
    }
  }
}

function fmt(x: number | undefined): string {
  return x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(4);
}

// The signature clients start it by (lib/release/messages.ts) is this function's.
releaseWorkflow satisfies ReleaseWorkflow;
