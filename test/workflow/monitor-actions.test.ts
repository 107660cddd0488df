/**
 * What a monitor's trigger starts, on the time-skipping test server with stubbed activities: a retrain
 * through the normal release workflow (requested by the monitor; the stub refuses it at its first
 * step, the test checks how it was started) and a rollback, once for the window that fired. On a
 * server of its own: a release left waiting would hold the clock of the other tests.
 */
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startTimeSkippingServer } from '../support/time-skipping';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { taskQueues } from '../../lib/core/names';
import { startMonitor, stopMonitor } from '../../lib/monitoring/client';
import { createMonitorStubs } from '../support/monitor-stubs';
import { createRolloutStubs, type RolloutStubs } from '../support/rollout-stubs';

const MINUTE = 60_000;

let env: TestWorkflowEnvironment;
let stubs: ReturnType<typeof createMonitorStubs>;
let rollouts: RolloutStubs;
let worker: Worker;
let run: Promise<void>;
let n = 0;
const releasesBegun: Array<{ releaseId: string; input: unknown }> = [];

beforeAll(async () => {
  env = await startTimeSkippingServer();
  stubs = createMonitorStubs();
  rollouts = createRolloutStubs();
  worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue: taskQueues.control,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: {
      ...stubs.activities,
      ...rollouts.activities,
      beginRelease: async (args: { releaseId: string; input: unknown }) => {
        releasesBegun.push(args);
        throw ApplicationFailure.nonRetryable('stub: releases are refused in this test', 'InvalidInput');
      },
      closeRelease: async () => {},
    },
  });
  run = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await run;
  await env?.teardown();
});

describe('monitor actions', () => {
  it('starts a retrain through the normal release, and a rollback, once for the window that fired', async () => {
    const model = `income-${++n}`;
    rollouts.model(model, {});
    stubs.drift(model, 1);
    await startMonitor(env.client, { model, requestedBy: 'ravi', settings: { window: '1h', triggerAction: 'retrain', retrainData: '/data/recent.csv' } });
    await env.sleep(2 * 60 * MINUTE + MINUTE);
    const state = await stopMonitor(env.client, model, { principal: 'ravi' });
    expect(state.actions).toHaveLength(1);
    expect(state.actions[0]).toMatch(new RegExp(`^release-${model}-\\d{8}-w1$`));
    expect((await env.client.workflow.getHandle(state.actions[0]).describe()).type).toBe('releaseWorkflow');
    expect(releasesBegun.find((r) => r.releaseId === state.actions[0])?.input).toMatchObject({ model, dataFile: '/data/recent.csv', requestedBy: `monitor-${model}` });
    expect(stubs.firings.filter((f) => f.model === model)[0]).toMatchObject({ action: 'retrain', window: 1, evidence: { releaseId: state.actions[0] } });

    const other = `income-${++n}`;
    rollouts.model(other, {});
    stubs.drift(other, 0);
    await startMonitor(env.client, { model: other, requestedBy: 'ravi', settings: { window: '1h', triggerAction: 'rollback' } });
    await env.sleep(60 * MINUTE + MINUTE);
    const s2 = await stopMonitor(env.client, other, { principal: 'ravi' });
    expect(s2.actions[0]).toMatch(/^rollback-/);
    const rolled = await env.client.workflow.getHandle(s2.actions[0]).result();
    expect(rolled).toMatchObject({ model: other, requestedBy: 'ravi' });
    expect(rollouts.calls(other, 'rollback')).toHaveLength(1);
  });

  it('retrains on the latest labelled predictions of the log when no data source is named, and says why not when it cannot', async () => {
    const model = `income-${++n}`;
    stubs.policyTrigger(model, { name: 'error-rate-change', from: 1, action: { type: 'retrain' } });
    stubs.loggedData(model, '/artifacts/retrain-data/logged');
    await startMonitor(env.client, { model, requestedBy: 'ravi', settings: { window: '1h' } });
    await env.sleep(2 * 60 * MINUTE + 2 * MINUTE);
    const state = await stopMonitor(env.client, model, { principal: 'ravi' });
    expect(state.actions).toEqual([expect.stringMatching(new RegExp(`^release-${model}-\\d{8}-w1$`))]);
    expect(releasesBegun.find((r) => r.releaseId === state.actions[0])?.input).toMatchObject({ dataFile: '/artifacts/retrain-data/logged-w1', requestedBy: `monitor-${model}` });
    expect(stubs.firings.filter((f) => f.model === model)[0]?.evidence).toMatchObject({ data: '/artifacts/retrain-data/logged-w1', source: 'prediction log: latest 500 labelled predictions' });

    const unlabelled = `income-${++n}`;
    stubs.policyTrigger(unlabelled, { name: 'error-rate-change', from: 1, action: { type: 'retrain' } });
    await startMonitor(env.client, { model: unlabelled, requestedBy: 'ravi', settings: { window: '1h' } });
    await env.sleep(2 * 60 * MINUTE + 2 * MINUTE);
    const s2 = await stopMonitor(env.client, unlabelled, { principal: 'ravi' });
    expect(s2.actions).toEqual([]);
    expect(stubs.firings.filter((f) => f.model === unlabelled)[0]?.evidence).toMatchObject({ note: 'only 0 labelled prediction(s) in the log' });
  });

  it("acts on the policy's trigger rules when the policy declares them, with the action's own data", async () => {
    const model = `income-${++n}`;
    stubs.policyTrigger(model, { name: 'accuracy-drop', from: 1, action: { type: 'retrain', data: '/data/policy-source.csv' } });
    await startMonitor(env.client, { model, requestedBy: 'ravi', settings: { window: '1h' } });
    await env.sleep(2 * 60 * MINUTE + 2 * MINUTE);
    const state = await stopMonitor(env.client, model, { principal: 'ravi' });
    expect(state.actions).toEqual([expect.stringMatching(new RegExp(`^release-${model}-\\d{8}-w1$`))]);
    expect(releasesBegun.find((r) => r.releaseId === state.actions[0])?.input).toMatchObject({ dataFile: '/data/policy-source.csv' });
    expect(stubs.firings.filter((f) => f.model === model)).toEqual([expect.objectContaining({ trigger: 'accuracy-drop', window: 1, action: 'retrain', reason: 'accuracy-drop held 1 window(s): accuracy = 0.7000' })]);
  });
});
