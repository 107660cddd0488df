/**
 * The rollout and rollback workflows' orchestration on Temporal's time-skipping test server with
 * stubbed activities (test/support/rollout-stubs.ts): canary steps, automatic rollback on a failed
 * analysis, failure and consecutive-error limits, inconclusive -> pause, operator Updates and their
 * validators, blue-green and shadow, cancellation, the release handing an approved version over.
 * Minutes of analysis intervals pass in milliseconds. test/integration runs the real thing.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startTimeSkippingServer } from '../support/time-skipping';
import { afterAll, afterEach, beforeAll, describe, expect, it, inject } from 'vitest';
import { StewardError } from '../../lib/core/errors';
import { taskQueues } from '../../lib/core/names';
import { decideRelease, startRelease } from '../../lib/release/client';
import type { ReleaseState } from '../../lib/release/types';
import { operateRollout, rollback, rolloutResult, rolloutState, startRollout } from '../../lib/rollout/client';
import { rolloutWorkflowId } from '../../lib/rollout/messages';
import type { RolloutState } from '../../lib/rollout/types';
import { createRolloutStubs, type RolloutStubModel, type RolloutStubs } from '../support/rollout-stubs';
import { createStubActivities, until, type StubActivities } from '../support/stub-activities';
import { textFile } from '../support/fixtures';

// A real file: the client checks the data path at the door; the stubbed activities never read it.
const batchFile = textFile('batch.csv', 'age,income\n39,<=50K\n');

let env: TestWorkflowEnvironment;
let stubs: RolloutStubs;
let releaseStubs: StubActivities;
let workers: Worker[] = [];
let runs: Promise<void>[] = [];
const started: string[] = [];
let models = 0;

beforeAll(async () => {
  env = await startTimeSkippingServer();
  stubs = createRolloutStubs();
  releaseStubs = createStubActivities();
  // The release's plan as beginRelease gives it when the policy hands approved versions to a rollout.
  const control = {
    ...releaseStubs.control,
    beginRelease: async (args: Parameters<typeof releaseStubs.control.beginRelease>[0]) => ({ ...(await releaseStubs.control.beginRelease(args)), rolloutOnApproval: true }),
    ...stubs.activities,
  };
  const options = { connection: env.nativeConnection, namespace: 'default' };
  workers = [
    await Worker.create({ ...options, taskQueue: taskQueues.control, workflowBundle: { codePath: inject('workflowBundlePath') }, activities: control }),
    await Worker.create({ ...options, taskQueue: taskQueues.trainingCpu, activities: releaseStubs.training }),
  ];
  runs = workers.map((w) => w.run());
});

afterEach(async () => {
  // Time skipping is global to the server: nothing may outlive its test.
  for (const id of started.splice(0)) {
    const handle = env.client.workflow.getHandle(id);
    const ended = await Promise.race([handle.result().then(() => true, () => true), new Promise<false>((r) => setTimeout(() => r(false), 5000))]);
    if (!ended) await handle.terminate('still running after its test');
  }
});

afterAll(async () => {
  for (const w of workers) w.shutdown();
  await Promise.all(runs);
  await env?.teardown();
});

function model(behaviour: RolloutStubModel = {}): string {
  const name = `income-${++models}`;
  stubs.model(name, behaviour);
  return name;
}

async function roll(name: string, extra: Partial<Parameters<typeof startRollout>[1]> = {}): Promise<string> {
  const id = await startRollout(env.client, { model: name, version: 2, requestedBy: 'ravi', ...extra });
  started.push(id);
  return id;
}

const finished = (name: string) => {
  const calls = stubs.calls(name, 'finishRollout');
  expect(calls).toHaveLength(1);
  return calls[0].args as { status: string; reason: string | null; markBad: boolean };
};

const waitFor = (name: string, test: (s: RolloutState) => boolean, what: string) =>
  until(async () => {
    const s = await env.client.workflow.getHandle(rolloutWorkflowId(name)).query('rolloutStatus').catch(() => undefined);
    return s && test(s as RolloutState) ? (s as RolloutState) : undefined;
  }, what);

describe('canary rollout', () => {
  it('moves traffic through the steps with a passing analysis at each, then completes (production moves)', async () => {
    const name = model({ steps: [10, 50, 100], intervalMs: 60_000 });
    await roll(name);
    const final = await rolloutResult(env.client, name);
    expect(final).toMatchObject({ status: 'completed', stage: 'done', weight: 100, baselineVersion: 1 });
    expect(stubs.traffic(name).map((t) => t.routes)).toEqual([
      [{ version: 2, weight: 10, mode: 'serve' }, { version: 1, weight: 90, mode: 'serve' }],
      [{ version: 2, weight: 50, mode: 'serve' }, { version: 1, weight: 50, mode: 'serve' }],
      [{ version: 2, weight: 100, mode: 'serve' }, { version: 1, weight: 0, mode: 'serve' }],
    ]);
    // One analysis per step, each an interval after the traffic moved (server time, skipped).
    const measures = stubs.calls(name, 'measure');
    const moves = stubs.calls(name, 'setTraffic');
    expect(measures).toHaveLength(3);
    measures.forEach((m, i) => expect(m.scheduledAtMs - moves[i].scheduledAtMs).toBeGreaterThanOrEqual(60_000));
    expect(finished(name)).toMatchObject({ status: 'completed', markBad: false });
  });

  it('rolls back by itself when an analysis fails, marking the version bad with the analysis as the reason', async () => {
    const name = model({ verdicts: (n) => (n === 1 ? 'fail' : 'pass') });
    await roll(name);
    const final = await rolloutResult(env.client, name);
    expect(final.status).toBe('rolled-back');
    expect(final.reason).toMatch(/error rate 12.50% of v2/);
    expect(stubs.traffic(name)).toHaveLength(2); // 10% and 50%, never 100%
    expect(finished(name)).toMatchObject({ status: 'rolled-back', markBad: true, reason: expect.stringMatching(/error rate/) });
  });

  it('tolerates failures up to the failure limit', async () => {
    const name = model({ failureLimit: 1, verdicts: (n) => (n === 0 ? 'fail' : 'pass') });
    await roll(name);
    expect((await rolloutResult(env.client, name)).status).toBe('completed');
    expect(stubs.calls(name, 'measure')).toHaveLength(4);
  });

  it('rolls back after more consecutive measurement errors than the limit, and not before', async () => {
    const flaky = model({ consecutiveErrorLimit: 2, verdicts: (n) => (n % 3 < 2 ? 'error' : 'pass') });
    await roll(flaky);
    expect((await rolloutResult(env.client, flaky)).status).toBe('completed');
    const down = model({ consecutiveErrorLimit: 2, verdicts: () => 'error' });
    await roll(down);
    const final = await rolloutResult(env.client, down);
    expect(final).toMatchObject({ status: 'rolled-back', reason: expect.stringMatching(/could not be measured 3 times in a row \(limit 2\)/) });
  });

  it('pauses on an inconclusive analysis until an operator resumes; strangers are refused by the validator', async () => {
    const name = model({ verdicts: (n) => (n === 0 ? 'inconclusive' : 'pass') });
    await roll(name);
    // Skips the first analysis interval (nothing awaits a result: a paused rollout has no timer to skip to).
    await waitFor(name, (s) => s.stage === 'analysing', 'the first step');
    await env.sleep(60_000);
    const paused = await waitFor(name, (s) => s.stage === 'paused', 'the rollout to pause');
    expect(paused.pausedBecause).toMatch(/inconclusive analysis: only 3 prediction/);
    const stranger = await operateRollout(env.client, name, 'resume', { principal: 'mallory' }).catch((e: unknown) => e as StewardError);
    expect(stranger).toMatchObject({ type: 'UnauthorizedOperator' });
    expect((stranger as StewardError).message).toMatch(/mallory may not resume the rollout/);
    const early = await operateRollout(env.client, name, 'pause', { principal: 'ravi' }).catch((e: unknown) => e as StewardError);
    expect(early).toMatchObject({ type: 'AlreadyDecided' });
    expect(stubs.calls(name, 'recordRolloutDecision')).toHaveLength(0);

    const resumed = await operateRollout(env.client, name, 'resume', { principal: 'Lena', reason: 'traffic is back' });
    expect(resumed.decisions).toMatchObject([{ action: 'resume', principal: 'lena', reason: 'traffic is back' }]);
    expect((await rolloutResult(env.client, name)).status).toBe('completed');
    expect(stubs.calls(name, 'recordRolloutDecision')).toHaveLength(1);
  });

  it('an operator can pause and resume, promote to skip the remaining steps, or abort without marking the version bad', async () => {
    const promoted = model({ steps: [5, 25, 50, 100], intervalMs: 3_600_000 });
    await roll(promoted);
    await waitFor(promoted, (s) => s.stage === 'analysing', 'the first step');
    await operateRollout(env.client, promoted, 'pause', { principal: 'ravi', reason: 'dashboard check' });
    await operateRollout(env.client, promoted, 'resume', { principal: 'ravi' });
    await operateRollout(env.client, promoted, 'promote', { principal: 'ravi', reason: 'business sign-off' });
    const p = await rolloutResult(env.client, promoted);
    expect(p).toMatchObject({ status: 'completed', weight: 100, reason: 'promoted by ravi: business sign-off' });
    expect(stubs.traffic(promoted).map((t) => t.label)).toEqual(['step-1-5', 'promoted']);

    const aborted = model({ intervalMs: 3_600_000 });
    await roll(aborted);
    await waitFor(aborted, (s) => s.stage === 'analysing', 'the first step');
    await operateRollout(env.client, aborted, 'abort', { principal: 'lena', reason: 'wrong version' });
    expect(await rolloutResult(env.client, aborted)).toMatchObject({ status: 'aborted', reason: 'aborted by lena: wrong version' });
    expect(finished(aborted)).toMatchObject({ status: 'aborted', markBad: false });
  });

  it('gives traffic back when cancelled (e.g. with its release)', async () => {
    const name = model({ intervalMs: 3_600_000 });
    const id = await roll(name);
    await waitFor(name, (s) => s.stage === 'analysing', 'the first step');
    await env.client.workflow.getHandle(id).cancel();
    expect(await rolloutResult(env.client, name)).toMatchObject({ status: 'aborted', reason: 'cancelled' });
    expect(finished(name)).toMatchObject({ status: 'aborted', markBad: false });
  });

  it('refuses a second rollout of the same model while one runs', async () => {
    const name = model({ intervalMs: 3_600_000 });
    await roll(name);
    const second = await startRollout(env.client, { model: name, version: 3, requestedBy: 'ravi' }).catch((e: unknown) => e as StewardError);
    expect(second).toMatchObject({ type: 'RolloutConflict' });
    await operateRollout(env.client, name, 'abort', { principal: 'ravi' }).catch(async () => {
      await waitFor(name, (s) => s.stage === 'analysing', 'the first step');
      await operateRollout(env.client, name, 'abort', { principal: 'ravi' });
    });
    await rolloutResult(env.client, name);
  });

  it('promotes at once when there is no production version to compare with', async () => {
    const name = model({ baselineVersion: null });
    await roll(name);
    expect(await rolloutResult(env.client, name)).toMatchObject({ status: 'completed', reason: expect.stringMatching(/no production version/) });
    expect(stubs.calls(name, 'setTraffic')).toEqual([]);
  });

  it('fails with the typed refusal when the version is marked bad (and records nothing)', async () => {
    const name = model({ refuse: new StewardError('BadVersion', 'v2 of income is marked bad (rollout r1: error rate 12%); to roll it out anyway pass --override-bad with --reason') });
    await roll(name);
    const err = await rolloutResult(env.client, name).catch((e: unknown) => e as StewardError);
    expect(err).toMatchObject({ type: 'BadVersion' });
    expect(stubs.calls(name, 'finishRollout')).toEqual([]);
    expect(await rolloutState(env.client, name)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/marked bad/) });
  });
});

describe('blue-green and shadow rollouts', () => {
  it('blue-green: analyses shadow traffic, switches all traffic at once keeping the old version warm, bakes, completes', async () => {
    const name = model({ strategy: 'blue-green', bakeTimeMs: 180_000, intervalMs: 60_000 });
    await roll(name);
    expect((await rolloutResult(env.client, name)).status).toBe('completed');
    expect(stubs.traffic(name).map((t) => t.routes)).toEqual([
      [{ version: 1, weight: 100, mode: 'serve' }, { version: 2, weight: 0, mode: 'shadow' }],
      [{ version: 2, weight: 100, mode: 'serve' }, { version: 1, weight: 0, mode: 'serve' }],
    ]);
    expect(stubs.calls(name, 'measure')).toHaveLength(1 + 3);
  });

  it('blue-green: a failure during the bake time switches back and marks the version bad', async () => {
    const name = model({ strategy: 'blue-green', bakeTimeMs: 180_000, intervalMs: 60_000, verdicts: (n) => (n === 2 ? 'fail' : 'pass') });
    await roll(name);
    expect((await rolloutResult(env.client, name)).status).toBe('rolled-back');
    expect(finished(name)).toMatchObject({ status: 'rolled-back', markBad: true });
  });

  it('shadow: mirrors traffic and reports, never serving the version and never moving production', async () => {
    const name = model({ strategy: 'shadow', steps: [100], verdicts: () => 'fail' });
    await roll(name);
    const final = await rolloutResult(env.client, name);
    expect(final).toMatchObject({ status: 'completed', reason: expect.stringMatching(/shadow report: analysis failed: error rate/) });
    expect(stubs.traffic(name).map((t) => t.routes)).toEqual([[{ version: 1, weight: 100, mode: 'serve' }, { version: 2, weight: 0, mode: 'shadow' }]]);
    expect(finished(name)).toMatchObject({ status: 'completed', markBad: false });
    const refused = await startRollout(env.client, { model: name, version: 2, requestedBy: 'ravi', strategy: 'shadow' });
    started.push(refused);
    await until(async () => ((await waitFor(name, (s) => s.stage === 'analysing', 'mirroring')) ? true : undefined), 'mirroring');
    expect(await operateRollout(env.client, name, 'promote', { principal: 'ravi' }).catch((e: unknown) => (e as StewardError).type)).toBe('InvalidInput');
    await operateRollout(env.client, name, 'abort', { principal: 'ravi' });
    await rolloutResult(env.client, name);
  });
});

describe('release hand-over and rollback', () => {
  it('hands an approved version to a canary rollout: the release is promoted when the rollout completes', async () => {
    const name = model();
    releaseStubs.model(name, { productionVersion: 1, approvals: { approvers: ['bob', 'carol'], quorum: 1 }, compute: { gpu: 'never' } });
    const id = await startRelease(env.client, { model: name, dataFile: batchFile, requestedBy: 'alice' });
    started.push(id, rolloutWorkflowId(name));
    await until(async () => ((await env.client.workflow.getHandle(id).query<ReleaseState>('status')).stage === 'awaiting-approval' ? true : undefined), 'sign-off');
    await decideRelease(env.client, id, 'approve', { principal: 'bob' });
    const release = (await env.client.workflow.getHandle(id).result()) as ReleaseState;
    expect(release).toMatchObject({ status: 'promoted', rollout: { workflowId: rolloutWorkflowId(name), status: 'completed' } });
    expect(releaseStubs.calls(id, 'promote')).toEqual([]);
    expect(stubs.calls(name, 'beginRollout')[0].args).toMatchObject({ input: { model: name, version: 2, requestedBy: 'alice', releaseId: id, expectedBaseline: 1 } });
    expect(finished(name)).toMatchObject({ status: 'completed' });
  });

  it("promotes a model's first version at sign-off: there is no production to roll out against", async () => {
    const name = model();
    releaseStubs.model(name, { productionVersion: null, compute: { gpu: 'never' }, approvals: { approvers: ['bob', 'carol'], quorum: 1 } });
    const id = await startRelease(env.client, { model: name, dataFile: batchFile, requestedBy: 'alice' });
    started.push(id);
    await until(async () => ((await env.client.workflow.getHandle(id).query<ReleaseState>('status')).stage === 'awaiting-approval' ? true : undefined), 'sign-off');
    await decideRelease(env.client, id, 'approve', { principal: 'bob' });
    const release = (await env.client.workflow.getHandle(id).result()) as ReleaseState;
    expect(release).toMatchObject({ status: 'promoted' });
    expect(release.rollout).toBeUndefined();
    expect(releaseStubs.calls(id, 'promote')).toHaveLength(1);
    expect(stubs.calls(name)).toEqual([]);
  });

  it('ends the release failed when its rollout rolls back', async () => {
    const name = model({ verdicts: () => 'fail' });
    releaseStubs.model(name, { productionVersion: 1, compute: { gpu: 'never' }, approvals: { approvers: ['bob', 'carol'], quorum: 1 } });
    const id = await startRelease(env.client, { model: name, dataFile: batchFile, requestedBy: 'alice' });
    started.push(id, rolloutWorkflowId(name));
    await until(async () => ((await env.client.workflow.getHandle(id).query<ReleaseState>('status')).stage === 'awaiting-approval' ? true : undefined), 'sign-off');
    await decideRelease(env.client, id, 'approve', { principal: 'carol' });
    const release = (await env.client.workflow.getHandle(id).result()) as ReleaseState;
    expect(release).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^rollout rolled-back: error rate/) });
    expect(releaseStubs.calls(id, 'closeRelease')[0].args).toMatchObject({ status: 'failed' });
  });

  it('rolls back through a workflow, and reports a refused target with its type', async () => {
    const name = model();
    const result = await rollback(env.client, { model: name, to: 2, requestedBy: 'ravi', reason: 'complaints' });
    expect(result).toMatchObject({ model: name, from: 3, to: 2, markedBad: 3, reason: 'complaints' });
    const bad = model({ refuse: new StewardError('BadVersion', 'v2 is marked bad (rolled back by ravi: complaints)') });
    const err = await rollback(env.client, { model: bad, to: 2, requestedBy: 'ravi', reason: 'again' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StewardError);
    expect(err).toMatchObject({ type: 'BadVersion' });
    expect(err).not.toBeInstanceOf(WorkflowFailedError);
  });
});
