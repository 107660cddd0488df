/**
 * The release workflow's orchestration on Temporal's time-skipping test server, with stubbed activities
 * that record their calls: sign-off and quorum, concurrent decisions, refused principals, the 72-hour
 * expiry, the evaluation gate, GPU placement, activity failures and cancellation at every stage, most
 * in well under a second. test/integration runs the same workflow end to end with the real activities,
 * database and training. One file, so that the run pays for one test process.
 */
import { randomBytes } from 'node:crypto';
import { CancelledFailure, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { StewardError } from '../../lib/core/errors';
import { taskQueues } from '../../lib/core/names';
import { keyPairFromHex } from '../../lib/identity/keys';
import { decideRelease } from '../../lib/release/client';
import { signDecision } from '../../lib/release/decision-signature';
import type { ReleaseStage } from '../../lib/release/types';
import { approveUpdate, rejectUpdate, statusQuery } from '../../workflows/release';
import { until, type ActivityName } from '../support/stub-activities';
import { failureType, refusal, signOffTimer, stubDataFile, useTimeSkippingBench } from '../support/time-skipping';

const hour = 3_600_000;

const bench = useTimeSkippingBench();

describe('release workflow: sign-off', () => {
  it('promotes after one approval by an approver who is not the requester', async () => {
    const id = await bench.start(bench.model());
    const waiting = await bench.reach(id, 'awaiting-approval');
    expect(waiting).toMatchObject({ status: 'running', version: 1, approvers: ['bob', 'carol'], quorum: 1, approvals: [] });

    const answered = await decideRelease(bench.client, id, 'approve', { principal: 'bob', comment: 'reviewed the fairness report' });
    expect(answered.approvals).toMatchObject([{ principal: 'bob', decision: 'approve', comment: 'reviewed the fairness report' }]);
    const { state } = await bench.outcome(id);
    expect(state).toMatchObject({ status: 'promoted', stage: 'done', version: 1 });

    const promotions = bench.stubs.calls(id, 'promote');
    expect(promotions).toHaveLength(1);
    expect(promotions[0].args).toMatchObject({ version: 1, expectedProductionVersion: null, approvals: [{ principal: 'bob', decision: 'approve' }] });
    expect(bench.stubs.calls(id, 'recordDecision').map((c) => c.args.decision.principal)).toEqual(['bob']);
    expect(bench.closed(id).args).toMatchObject({ status: 'promoted', reason: null, version: 1 });
  });

  it('waits for a quorum of two distinct approvers: the first approval keeps it waiting, a repeat is refused, the second promotes', async () => {
    const id = await bench.start(bench.model({ approvals: { approvers: ['bob', 'carol', 'dave'], quorum: 2 } }));
    await bench.reach(id, 'awaiting-approval');

    const first = await decideRelease(bench.client, id, 'approve', { principal: 'bob' });
    expect(first).toMatchObject({ status: 'running', stage: 'awaiting-approval' });
    const again = await refusal(decideRelease(bench.client, id, 'approve', { principal: 'Bob' }));
    expect(again.type).toBe('AlreadyDecided');
    expect(again.message).toMatch(/bob has already decided/i);
    expect(await bench.handle(id).query(statusQuery)).toMatchObject({ stage: 'awaiting-approval', approvals: [{ principal: 'bob' }] });
    expect(bench.stubs.calls(id, 'promote')).toEqual([]);

    await decideRelease(bench.client, id, 'approve', { principal: 'dave' });
    const { state } = await bench.outcome(id);
    expect(state.status).toBe('promoted');
    expect(state.approvals.map((a) => a.principal)).toEqual(['bob', 'dave']);
    const promotions = bench.stubs.calls(id, 'promote');
    expect(promotions).toHaveLength(1);
    expect(promotions[0].args.approvals.map((a) => a.principal)).toEqual(['bob', 'dave']);
    expect(bench.stubs.calls(id, 'recordDecision')).toHaveLength(2);
  });

  it('ends rejected, naming the approver and their comment, and never promotes', async () => {
    const id = await bench.start(bench.model());
    await bench.reach(id, 'awaiting-approval');
    await decideRelease(bench.client, id, 'reject', { principal: 'carol', comment: 'recall too low for the north region' });
    const { state } = await bench.outcome(id);
    expect(state).toMatchObject({ status: 'rejected', reason: 'rejected by carol: recall too low for the north region' });
    expect(bench.stubs.calls(id, 'promote')).toEqual([]);
    expect(bench.closed(id).args).toMatchObject({ status: 'rejected', reason: 'rejected by carol: recall too low for the north region', version: 1 });
  });
});

describe('release workflow: concurrent decisions', () => {
  // A server of its own: these tests restart the control worker, which must then run without a cache.
  const bench = useTimeSkippingBench({ stickyWorkflows: false });

  for (const order of [
    ['approve', 'reject'],
    ['reject', 'approve'],
  ] as const) {
    it(`lets exactly one of two concurrent decisions through and refuses the other (${order.join(' races ')})`, async () => {
      const id = await bench.start(bench.model(), {}, { workflowTaskTimeoutMs: 1_000 });
      await bench.reach(id, 'awaiting-approval');
      const principal = { approve: 'bob', reject: 'carol' };
      // Sent while no worker runs, both reach the workflow in the same workflow task.
      const results = await Promise.allSettled(
        await bench.whileControlWorkerDown(() => order.map((kind) => decideRelease(bench.client, id, kind, { principal: principal[kind] }))),
      );

      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(lost).toHaveLength(1);
      expect((lost[0].reason as StewardError).type).toBe('AlreadyDecided');
      // Refused within that same workflow task, before the release moved on to promoting or closing.
      expect((lost[0].reason as StewardError).message).toContain('(stage: awaiting-approval, status: running, ');

      const { state } = await bench.outcome(id);
      expect(state.approvals).toHaveLength(1);
      const winner = state.approvals[0].decision;
      expect(state.status).toBe(winner === 'approve' ? 'promoted' : 'rejected');
      expect(bench.stubs.calls(id, 'recordDecision')).toHaveLength(1);
      expect(bench.stubs.calls(id, 'promote')).toHaveLength(winner === 'approve' ? 1 : 0);
      expect(bench.closed(id).args.status).toBe(state.status);
    });
  }
});

describe('release workflow: who may decide', () => {
  /** The release is still waiting, with nothing recorded and no trace of the refused update in its history. */
  async function nothingRecorded(id: string) {
    expect(await bench.handle(id).query(statusQuery)).toMatchObject({ stage: 'awaiting-approval', status: 'running', approvals: [] });
    expect(bench.stubs.calls(id, 'recordDecision')).toEqual([]);
    const events = (await bench.handle(id).fetchHistory()).events ?? [];
    expect(events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toEqual([]);
  }

  it('refuses the requester, in any letter case, to approve or reject their own release (separation of duties)', async () => {
    const id = await bench.start(bench.model({ approvals: { approvers: ['alice', 'bob'] } }));
    await bench.reach(id, 'awaiting-approval');
    for (const [kind, principal] of [
      ['approve', 'alice'],
      ['approve', 'ALICE'],
      ['reject', 'Alice'],
    ] as const) {
      const refused = await refusal(decideRelease(bench.client, id, kind, { principal }));
      expect(refused.type).toBe('UnauthorizedApprover');
      expect(refused.message).toContain(`${principal} requested release ${id} and cannot ${kind} it (separation of duties)`);
    }
    await nothingRecorded(id);
  });

  it('refuses a principal who is not an approver of the model', async () => {
    const id = await bench.start(bench.model());
    await bench.reach(id, 'awaiting-approval');
    const refused = await refusal(decideRelease(bench.client, id, 'approve', { principal: 'mallory' }));
    expect(refused.type).toBe('UnauthorizedApprover');
    expect(refused.message).toMatch(/mallory is not an approver of model income-\d+ \(approvers: bob, carol\)/);
    await nothingRecorded(id);
  });

  it('refuses a malformed principal or an over-long comment with InvalidInput, even from a client that skips its own checks', async () => {
    const id = await bench.start(bench.model());
    await bench.reach(id, 'awaiting-approval');
    // Straight to the workflow: decideRelease would refuse these itself before sending them.
    for (const [update, input, message] of [
      [approveUpdate, { principal: 'bob; drop table releases' }, 'a principal is a user name or an email'],
      [rejectUpdate, { principal: '' }, 'a principal is required'],
      [approveUpdate, { principal: 'b'.repeat(201) }, 'a principal is at most 200 characters'],
      [approveUpdate, { principal: 'bob', comment: 'x'.repeat(4001) }, 'a comment is text of at most 4000 characters'],
    ] as const) {
      const err = await bench
        .handle(id)
        .executeUpdate(update, { args: [input] })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(failureType(err)).toBe('InvalidInput');
      expect((err as WorkflowUpdateFailedError).cause?.message).toContain(message);
    }
    await nothingRecorded(id);

    // Refusals leave it waiting: a proper approval still goes through, with a 4000-character comment.
    await decideRelease(bench.client, id, 'approve', { principal: 'carol', comment: 'y'.repeat(4000) });
    expect((await bench.outcome(id)).state.status).toBe('promoted');
  });
});

describe('release workflow: decisions signed by the control API', () => {
  // A release started through the API carries its public key; only the API holds the secret half.
  const api = keyPairFromHex('decision', randomBytes(32).toString('hex'), 'test key');
  const mallory = keyPairFromHex('decision', randomBytes(32).toString('hex'), 'test key');
  const minute = 60_000;

  /** A decision as the API sends it: signed over the release, principal, decision, comment and its clock. */
  async function signed(releaseId: string, principal: string, decision: 'approve' | 'reject', o: { comment?: string; key?: typeof api; skewMs?: number } = {}) {
    const at = new Date((await bench.env.currentTimeMs()) + (o.skewMs ?? 0)).toISOString();
    const comment = o.comment ?? '';
    return { principal, comment, signature: signDecision((o.key ?? api).secretKey, { releaseId, principal, decision, comment, at }) };
  }

  async function refusedAs(id: string, update: typeof approveUpdate, input: Parameters<typeof decideRelease>[3], type: string, message: RegExp) {
    const err = await bench
      .handle(id)
      .executeUpdate(update, { args: [input] })
      .then(() => undefined, (e: unknown) => e);
    expect(err, JSON.stringify(input)).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(failureType(err)).toBe(type);
    expect((err as WorkflowUpdateFailedError).cause?.message).toMatch(message);
  }

  async function stillWaitingWithNothingRecorded(id: string) {
    expect(await bench.handle(id).query(statusQuery)).toMatchObject({ stage: 'awaiting-approval', status: 'running', approvals: [] });
    expect(bench.stubs.calls(id, 'recordDecision')).toEqual([]);
  }

  it('accepts a decision the API signed, keeps the signature with it, and promotes', async () => {
    const id = await bench.start(bench.model(), { decisionKey: api.publicKeyHex });
    await bench.reach(id, 'awaiting-approval');
    const decision = await signed(id, 'bob', 'approve', { comment: 'fairness report reviewed' });
    const answered = await bench.handle(id).executeUpdate(approveUpdate, { args: [decision] });
    expect(answered.approvals).toMatchObject([{ principal: 'bob', decision: 'approve', comment: 'fairness report reviewed', signature: decision.signature }]);
    expect((await bench.outcome(id)).state.status).toBe('promoted');
    expect(bench.stubs.calls(id, 'recordDecision')[0].args.decision.signature).toEqual(decision.signature);
  });

  it('refuses unsigned, forged and altered decisions before anything is recorded (whoever reaches Temporal past the API)', async () => {
    const id = await bench.start(bench.model(), { decisionKey: api.publicKeyHex });
    const other = await bench.start(bench.model(), { decisionKey: api.publicKeyHex });
    await bench.reach(id, 'awaiting-approval');

    const unsigned = await refusal(decideRelease(bench.client, id, 'approve', { principal: 'bob' }));
    expect(unsigned.type).toBe('InvalidDecisionSignature');
    expect(unsigned.message).toContain(`release ${id} accepts only decisions signed by the Steward API`);

    const forged = /forged or altered/;
    const bobApproves = await signed(id, 'bob', 'approve', { comment: 'ok' });
    await refusedAs(id, approveUpdate, await signed(id, 'bob', 'approve', { key: mallory }), 'InvalidDecisionSignature', forged);
    await refusedAs(id, approveUpdate, { ...bobApproves, comment: 'ok, and more' }, 'InvalidDecisionSignature', forged);
    await refusedAs(id, approveUpdate, { ...bobApproves, principal: 'carol' }, 'InvalidDecisionSignature', forged);
    await refusedAs(id, rejectUpdate, bobApproves, 'InvalidDecisionSignature', forged);
    await refusedAs(id, approveUpdate, await signed(other, 'bob', 'approve', { comment: 'ok' }), 'InvalidDecisionSignature', forged);
    await refusedAs(id, approveUpdate, { ...bobApproves, signature: { ...bobApproves.signature, at: new Date(Date.parse(bobApproves.signature.at) + 1).toISOString() } }, 'InvalidDecisionSignature', forged);
    await stillWaitingWithNothingRecorded(id);

    // The genuine decision still goes through.
    await bench.handle(id).executeUpdate(approveUpdate, { args: [bobApproves] });
    expect((await bench.outcome(id)).state.status).toBe('promoted');
  });

  it('refuses a decision signed outside minutes of the release clock: a delayed replay, or a skewed clock', async () => {
    const id = await bench.start(bench.model(), { decisionKey: api.publicKeyHex });
    await bench.reach(id, 'awaiting-approval');
    const window = /a replayed or delayed decision is refused/;
    await refusedAs(id, approveUpdate, await signed(id, 'bob', 'approve', { skewMs: -6 * minute }), 'InvalidDecisionSignature', window);
    await refusedAs(id, approveUpdate, await signed(id, 'bob', 'approve', { skewMs: 6 * minute }), 'InvalidDecisionSignature', window);
    // Captured now, sent ten minutes later: refused.
    const captured = await signed(id, 'carol', 'reject', { comment: 'not yet' });
    await bench.env.sleep(10 * minute);
    await refusedAs(id, rejectUpdate, captured, 'InvalidDecisionSignature', window);
    await stillWaitingWithNothingRecorded(id);
    await bench.handle(id).executeUpdate(approveUpdate, { args: [await signed(id, 'bob', 'approve', { skewMs: -4 * minute })] });
    expect((await bench.outcome(id)).state.status).toBe('promoted');
  });

  it('refuses the replay of an accepted decision: that principal has already decided', async () => {
    const id = await bench.start(bench.model({ approvals: { approvers: ['bob', 'carol', 'dave'], quorum: 2 } }), { decisionKey: api.publicKeyHex });
    await bench.reach(id, 'awaiting-approval');
    const bob = await signed(id, 'bob', 'approve');
    await bench.handle(id).executeUpdate(approveUpdate, { args: [bob] });
    await refusedAs(id, approveUpdate, bob, 'AlreadyDecided', /bob has already decided/);
    expect(bench.stubs.calls(id, 'recordDecision')).toHaveLength(1);
  });

  it('still takes unsigned decisions for releases started without a key (the embedded single-user stack)', async () => {
    const id = await bench.start(bench.model());
    await bench.reach(id, 'awaiting-approval');
    await decideRelease(bench.client, id, 'approve', { principal: 'carol' });
    expect((await bench.outcome(id)).state.approvals[0]).not.toHaveProperty('signature');
  });
});

describe('release workflow: sign-off deadline', () => {
  it("expires after the policy's 72 hours without a decision, in seconds of real time", async () => {
    const id = await bench.start(bench.model());
    const waiting = await bench.reach(id, 'awaiting-approval');
    expect(waiting.approvalDeadline).toBe(bench.stubs.calls(id, 'announceApprovalRequest')[0].args.deadline);
    const wallStart = Date.now();

    const { state } = await bench.outcome(id);
    expect(Date.now() - wallStart).toBeLessThan(5_000);
    expect(state).toMatchObject({ status: 'expired', reason: 'no sign-off within 259200 s', stage: 'done' });
    const timer = await signOffTimer(bench.handle(id));
    expect(timer.requestedMs).toBeGreaterThan(72 * hour - 60_000);
    expect(timer.requestedMs).toBeLessThanOrEqual(72 * hour);
    expect(timer.firedAfterMs).toBeGreaterThanOrEqual(timer.requestedMs);
    expect(bench.stubs.calls(id, 'promote')).toEqual([]);
    expect(bench.closed(id).args).toMatchObject({ status: 'expired', version: 1 });

    const late = await refusal(decideRelease(bench.client, id, 'approve', { principal: 'bob' }));
    expect(late.type).toBe('AlreadyDecided');
  });

  it('still accepts a sign-off 71 hours in', async () => {
    const id = await bench.start(bench.model());
    await bench.reach(id, 'awaiting-approval');
    const before = await bench.env.currentTimeMs();
    await bench.env.sleep(71 * hour);
    expect((await bench.env.currentTimeMs()) - before).toBeGreaterThanOrEqual(71 * hour);
    await decideRelease(bench.client, id, 'approve', { principal: 'carol' });
    expect((await bench.outcome(id)).state.status).toBe('promoted');
  });

  it("expires after the requester's override of the timeout instead of the policy's", async () => {
    const id = await bench.start(bench.model(), { approvalTimeoutMs: 15 * 60_000 });
    await bench.reach(id, 'awaiting-approval');
    const { state } = await bench.outcome(id);
    expect(state).toMatchObject({ status: 'expired', reason: 'no sign-off within 900 s' });
    const timer = await signOffTimer(bench.handle(id));
    expect(timer.requestedMs).toBeGreaterThan(14 * 60_000);
    expect(timer.requestedMs).toBeLessThanOrEqual(15 * 60_000);
    expect(timer.firedAfterMs).toBeLessThan(hour);
    expect(bench.closed(id).args.status).toBe('expired');
  });
});

describe('release workflow: evaluation gate', () => {
  it('ends failed without asking for sign-off when the candidate fails the gate, keeping the candidate on record', async () => {
    const reasons = ['regression vs production v3: rocAuc 0.8712 is 0.0319 below production (budget 0.01)', 'fairness: sex: equalizedOddsDifference 0.31 > 0.25'];
    const id = await bench.start(bench.model({ productionVersion: 3, gate: { passed: false, reasons } }));
    const { state, error } = await bench.outcome(id);
    expect(error).toBeUndefined();
    expect(state).toMatchObject({ status: 'failed', reason: `evaluation gate: ${reasons.join('; ')}`, version: 4, approvals: [] });
    expect(bench.stubs.calls(id, 'registerCandidate')).toHaveLength(1);
    expect(bench.stubs.calls(id, 'announceApprovalRequest')).toEqual([]);
    expect(bench.stubs.calls(id, 'promote')).toEqual([]);
    expect(bench.closed(id).args).toMatchObject({ status: 'failed', version: 4 });
    // The Web UI's workflow list tells a gate failure from other failures.
    const { searchAttributes } = await bench.handle(id).describe();
    expect(searchAttributes.StewardOutcome).toEqual(['gate-failed']);
  });
});

describe('release workflow: training placement', () => {
  // Real time: the test server holds its clock while an activity task waits for a worker.
  const gpuWait = 500;

  it('falls back to the CPU queue after the GPU wait when no GPU worker takes a GPU-preferred job', async () => {
    const id = await bench.start(bench.model({ compute: { gpu: 'preferred', gpuWait } }));
    const waiting = await bench.reach(id, 'awaiting-approval');
    expect(waiting.candidate).toMatchObject({ taskQueue: taskQueues.trainingCpu, backend: 'wasm' });
    const trained = bench.stubs.calls(id, 'trainCandidate');
    expect(trained.map((c) => c.taskQueue)).toEqual([taskQueues.trainingCpu]);
    const events = (await bench.handle(id).fetchHistory()).events ?? [];
    expect(events.flatMap((e) => e.activityTaskScheduledEventAttributes?.taskQueue?.name ?? [])).toContain(taskQueues.trainingGpu);
    const startedAt = (await bench.handle(id).describe()).startTime.getTime();
    expect(trained[0].scheduledAtMs - startedAt).toBeGreaterThanOrEqual(gpuWait);

    await decideRelease(bench.client, id, 'approve', { principal: 'bob' });
    expect((await bench.outcome(id)).state.status).toBe('promoted');
  });

  it('ends failed with NoGpuWorker when the policy requires a GPU and no GPU worker takes the job', async () => {
    const id = await bench.start(bench.model({ compute: { gpu: 'required', gpuWait } }));
    const { state, error } = await bench.outcome(id);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(failureType(error)).toBe('NoGpuWorker');
    expect(state).toMatchObject({ status: 'failed', reason: 'the policy requires a GPU and no GPU training worker took the job within 0.5 s' });
    expect(bench.stubs.calls(id, 'trainCandidate')).toEqual([]);
    expect(bench.stubs.calls(id, 'evaluateCandidate')).toEqual([]);
    expect(bench.closed(id).args).toMatchObject({ status: 'failed', reason: state.reason, version: null });
  });

  it('trains on the GPU queue when a GPU worker is there', async () => {
    const id = await bench.withGpuWorker(async () => {
      const id = await bench.start(bench.model({ compute: { gpu: 'preferred', gpuWait: 60_000 } }));
      await bench.reach(id, 'awaiting-approval');
      return id;
    });
    expect(bench.stubs.calls(id, 'trainCandidate').map((c) => c.taskQueue)).toEqual([taskQueues.trainingGpu]);
    const state = await bench.handle(id).query(statusQuery);
    expect(state.candidate).toMatchObject({ taskQueue: taskQueues.trainingGpu, backend: 'tensorflow-gpu' });
  });

  it('trains on the CPU queue straight away with `gpu: never`, even when a GPU worker is there', async () => {
    const id = await bench.withGpuWorker(async () => {
      const id = await bench.start(bench.model({ compute: { gpu: 'never', gpuWait: 60_000 } }));
      await bench.reach(id, 'awaiting-approval');
      return id;
    });
    expect(bench.stubs.calls(id, 'trainCandidate').map((c) => c.taskQueue)).toEqual([taskQueues.trainingCpu]);
    const events = (await bench.handle(id).fetchHistory()).events ?? [];
    expect(events.flatMap((e) => e.activityTaskScheduledEventAttributes?.taskQueue?.name ?? [])).not.toContain(taskQueues.trainingGpu);
  });
});

describe('release workflow: an imported candidate', () => {
  it('imports the artifact in place of training, checks the held-out file when no data is given, and goes through the same gate and sign-off', async () => {
    const model = bench.model();
    const id = await bench.start(model, { dataFile: undefined, import: { artifact: stubDataFile, origin: 'git:3f2c1ab' } });
    await bench.reach(id, 'awaiting-approval');
    expect(bench.stubs.calls(id, 'trainCandidate')).toEqual([]);
    const [imported] = bench.stubs.calls(id, 'importCandidate');
    expect(imported?.args).toMatchObject({ artifact: stubDataFile, origin: 'git:3f2c1ab' });
    // No data of its own: the policy's evaluation file is what the contract and drift checks read.
    expect(bench.stubs.calls(id, 'validateData')[0]?.args.file).toBe(imported?.args.evaluationFile);
    expect(bench.stubs.calls(id, 'registerCandidate')[0]?.args.candidate).toMatchObject({ epochs: 0, imported: { origin: 'git:3f2c1ab' } });
    await decideRelease(bench.client, id, 'approve', { principal: 'bob' });
    expect((await bench.outcome(id)).state.status).toBe('promoted');
  });
});

describe('release workflow: activity failures', () => {
  it('ends failed on a data contract violation, with its message, without retrying or training', async () => {
    const violation = new StewardError('DataContractViolation', 'value 212 is above the contract maximum 120', { file: '/srv/steward/data/adult-2024q1.csv', row: 17, column: 'age' });
    const id = await bench.start(bench.model({ failures: { validateData: () => violation } }));
    const { state, error } = await bench.outcome(id);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(failureType(error)).toBe('DataContractViolation');
    expect(violation.message).toBe('/srv/steward/data/adult-2024q1.csv, row 17, column "age": value 212 is above the contract maximum 120');
    expect(state).toMatchObject({ status: 'failed', reason: violation.message });
    expect(bench.stubs.calls(id, 'validateData').map((c) => c.attempt)).toEqual([1]);
    expect(bench.stubs.calls(id, 'trainCandidate')).toEqual([]);
    expect(bench.closed(id).args).toMatchObject({ status: 'failed', reason: violation.message, version: null });
  });

  it('ends failed when production moved before the promotion, without retrying it', async () => {
    const moved = new StewardError('ProductionMoved', 'production of income moved to v2 after v1 was compared with no production version; start a new release to evaluate against v2');
    const id = await bench.start(bench.model({ failures: { promote: () => moved } }));
    await bench.reach(id, 'awaiting-approval');
    await decideRelease(bench.client, id, 'approve', { principal: 'bob' });
    const { state, error } = await bench.outcome(id);
    expect(failureType(error)).toBe('ProductionMoved');
    expect(state).toMatchObject({ status: 'failed', reason: moved.message });
    expect(bench.stubs.calls(id, 'promote').map((c) => c.attempt)).toEqual([1]);
    expect(bench.closed(id).args).toMatchObject({ status: 'failed', reason: moved.message, version: 1 });
  });

  it('retries a transient registry error until the promotion goes through', async () => {
    const id = await bench.start(bench.model({ failures: { promote: (attempt) => (attempt < 3 ? new Error('connection terminated unexpectedly') : undefined) } }));
    await bench.reach(id, 'awaiting-approval');
    await decideRelease(bench.client, id, 'approve', { principal: 'bob' });
    const { state } = await bench.outcome(id);
    expect(state.status).toBe('promoted');
    expect(bench.stubs.calls(id, 'promote').map((c) => [c.attempt, c.outcome])).toEqual([
      [1, 'threw'],
      [2, 'threw'],
      [3, 'returned'],
    ]);
    expect(bench.closed(id).args.status).toBe('promoted');
  });
});

describe('release workflow: cancellation', () => {
  // A server of its own: activities that cancelled releases abandon hold the test server's clock.
  const bench = useTimeSkippingBench();

  // A cancelled release is recorded as failed (reason `cancelled`), closed exactly once, and never
  // reaches production; a promotion that had already begun is not undone. Each stage's activity is
  // held the way the real one behaves: training heartbeats and stops when told; the registry and data
  // activities are database transactions and file work that neither heartbeat nor notice a
  // cancellation, and finish once the test lets them.
  const pipeline: ActivityName[] = ['beginRelease', 'validateData', 'trainCandidate', 'evaluateCandidate', 'registerCandidate', 'announceApprovalRequest', 'recordDecision', 'promote'];
  const stages: Array<{ stage: ReleaseStage; activity?: ActivityName; hold?: 'heartbeat' | 'silent'; version: number | null }> = [
    { stage: 'starting', activity: 'beginRelease', hold: 'silent', version: null },
    { stage: 'validating', activity: 'validateData', hold: 'silent', version: null },
    { stage: 'training', activity: 'trainCandidate', hold: 'heartbeat', version: null },
    { stage: 'evaluating', activity: 'evaluateCandidate', hold: 'silent', version: null },
    // The registration in flight lands before the release closes, so the closing names its version.
    { stage: 'registering', activity: 'registerCandidate', hold: 'silent', version: 1 },
    { stage: 'awaiting-approval', version: 1 },
  ];

  for (const { stage, activity, hold, version } of stages) {
    it(`records a release cancelled while ${stage} as failed (cancelled), closed once, production untouched`, async () => {
      const id = await bench.start(bench.model(activity && hold ? { holds: { [activity]: hold } } : {}));
      if (activity) await bench.stubs.entered(id, activity);
      else await until(() => bench.stubs.calls(id, 'announceApprovalRequest').find((c) => c.outcome === 'returned'), 'the sign-off request');
      expect((await bench.handle(id).query(statusQuery)).stage).toBe(stage);

      await bench.cancelAndSettle(id);
      // A silent activity finishes its work regardless; a heartbeating one is left to hear of the cancellation.
      if (activity && hold === 'silent') bench.stubs.release(id, activity);
      const { state, error } = await bench.outcome(id);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect(state).toMatchObject({ status: 'failed', reason: 'cancelled', stage: 'done' });
      expect(bench.closed(id).args).toMatchObject({ status: 'failed', reason: 'cancelled', version });
      expect(bench.stubs.calls(id, 'promote')).toEqual([]);
      const later = pipeline.slice(activity ? pipeline.indexOf(activity) + 1 : pipeline.indexOf('recordDecision'));
      expect(bench.stubs.calls(id).filter((c) => later.includes(c.activity))).toEqual([]);
      if (hold === 'heartbeat') {
        await until(() => bench.stubs.calls(id, activity!).find((c) => c.outcome === 'cancelled'), `${activity} to be told to stop`);
      }
    });
  }

  it('records a release whose promotion was under way when cancelled as promoted: the promotion cannot be called back', async () => {
    const id = await bench.start(bench.model({ holds: { promote: 'silent' } }));
    await bench.reach(id, 'awaiting-approval');
    await decideRelease(bench.client, id, 'approve', { principal: 'bob' });
    await bench.stubs.entered(id, 'promote');
    expect((await bench.handle(id).query(statusQuery)).stage).toBe('promoting');

    await bench.cancelAndSettle(id);
    bench.stubs.release(id, 'promote');
    const { state, error } = await bench.outcome(id);
    const [promote] = bench.stubs.calls(id, 'promote');
    await until(() => promote.finishedSeq, 'promote to finish');
    expect(promote.outcome).toBe('returned');
    const close = bench.closed(id);
    expect(close.startedSeq, 'closeRelease ran before the promotion had finished').toBeGreaterThan(promote.finishedSeq!);
    expect(close.args).toMatchObject({ status: 'promoted', version: 1 });
    expect(state.status).toBe('promoted');
    expect(error, 'the workflow ended cancelled although its release was promoted').toBeUndefined();
  });

  // What the registry would show if the release were closed before the write landed.
  const lateWrite = {
    beginRelease: 'the release row would be inserted after closing and stay running for good',
    registerCandidate: 'the version would be registered after closing and stay a candidate for good',
  };
  for (const activity of ['beginRelease', 'registerCandidate'] as const) {
    it(`closes a release cancelled during ${activity} only after that write has landed`, async () => {
      const id = await bench.start(bench.model({ holds: { [activity]: 'silent' } }));
      await bench.stubs.entered(id, activity);
      await bench.cancelAndSettle(id);
      bench.stubs.release(id, activity);
      await bench.outcome(id);
      const [held] = bench.stubs.calls(id, activity);
      await until(() => held.finishedSeq, `${activity} to finish`);
      const close = bench.closed(id);
      expect(close.startedSeq, `closeRelease ran before ${activity} had finished: ${lateWrite[activity]}`).toBeGreaterThan(held.finishedSeq!);
      expect(close.args).toMatchObject({ status: 'failed', reason: 'cancelled', version: activity === 'registerCandidate' ? 1 : null });
    });
  }

  it('keeps a promoted release promoted when the cancellation arrives while it is being closed', async () => {
    const id = await bench.start(bench.model({ holds: { closeRelease: 'silent' } }));
    await bench.reach(id, 'awaiting-approval');
    await decideRelease(bench.client, id, 'approve', { principal: 'bob' });
    await bench.stubs.entered(id, 'closeRelease');
    await bench.cancelAndSettle(id);
    bench.stubs.release(id, 'closeRelease');
    const { state, error } = await bench.outcome(id);
    expect(bench.stubs.calls(id, 'promote')).toHaveLength(1);
    expect(bench.closed(id).args).toMatchObject({ status: 'promoted', version: 1 });
    expect(state.status).toBe('promoted');
    // `steward release --wait` reads the workflow's result: a cancellation that changed nothing must not fail it.
    expect(error, 'the workflow ended cancelled although its release was promoted').toBeUndefined();
  });
});
