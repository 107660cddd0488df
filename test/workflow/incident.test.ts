/**
 * The incident workflow on the time-skipping test server with stubbed activities: escalation every
 * acknowledgement timeout (severity up, never past SEV1), acknowledgement, manual runbook steps and
 * the validators' refusals, an automated rollback as a child rollback workflow, resolution; and a
 * monitor whose trigger opens an incident once for its window.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startTimeSkippingServer } from '../support/time-skipping';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { taskQueues } from '../../lib/core/names';
import { acknowledgeIncident, completeIncidentStep, incidentState, openIncident, resolveIncident } from '../../lib/incidents/client';
import { monitorState, startMonitor, stopMonitor } from '../../lib/monitoring/client';
import { createMonitorStubs } from '../support/monitor-stubs';
import { createRolloutStubs, type RolloutStubs } from '../support/rollout-stubs';

const MINUTE = 60_000;

let env: TestWorkflowEnvironment;
let stubs: ReturnType<typeof createMonitorStubs>;
let rollouts: RolloutStubs;
let worker: Worker;
let run: Promise<void>;
let n = 0;

beforeAll(async () => {
  env = await startTimeSkippingServer();
  stubs = createMonitorStubs();
  rollouts = createRolloutStubs();
  worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue: taskQueues.control,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: { ...stubs.activities, ...rollouts.activities },
  });
  run = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await run;
  await env?.teardown();
});

describe('incident workflow', () => {
  it('escalates every acknowledgement timeout until acknowledged, then follows the runbook to resolution', async () => {
    const id = await openIncident(env.client, { model: `income-${++n}`, severity: 'SEV3', summary: 'accuracy down', openedBy: 'ravi', ackTimeout: '15m', escalateTo: 'ml-oncall' }, { id: `incident-test-${n}` });
    await env.sleep(31 * MINUTE);
    let state = await incidentState(env.client, id);
    expect(state).toMatchObject({ status: 'escalated', severity: 'SEV1', openedSeverity: 'SEV3', escalations: 2 });
    await env.sleep(15 * MINUTE);
    state = await incidentState(env.client, id);
    // SEV1 stays SEV1; it keeps paging.
    expect(state).toMatchObject({ severity: 'SEV1', escalations: 3 });

    state = await acknowledgeIncident(env.client, id, { principal: 'lena' });
    expect(state).toMatchObject({ status: 'acknowledged', commander: 'lena' });
    await expect(acknowledgeIncident(env.client, id, { principal: 'ravi' })).rejects.toThrow(/already acknowledged by lena/);
    await env.sleep(60 * MINUTE);
    expect((await incidentState(env.client, id)).escalations).toBe(3);

    await expect(completeIncidentStep(env.client, id, { principal: 'lena', step: 'no such step' })).rejects.toThrow(/has no runbook step "no such step"/);
    state = await completeIncidentStep(env.client, id, { principal: 'lena', step: 'assess impact', note: '2 windows' });
    expect(state.steps[0]).toMatchObject({ status: 'done', by: 'lena', note: '2 windows' });
    await expect(completeIncidentStep(env.client, id, { principal: 'lena', step: 'assess impact' })).rejects.toThrow(/already done/);

    const final = await resolveIncident(env.client, id, { principal: 'lena', resolution: 'retrained on recent data' });
    expect(final).toMatchObject({ status: 'resolved', resolution: 'retrained on recent data' });
    expect(final.timeline.map((t) => t.kind)).toEqual(['opened', 'escalated', 'escalated', 'escalated', 'acknowledged', 'step', 'resolved']);
    const recorded = stubs.incidentRecords.filter((r) => r.id === id);
    expect(recorded.map((r) => r.action)).toEqual(['incident.opened', 'incident.escalated', 'incident.escalated', 'incident.escalated', 'incident.acknowledged', 'incident.step-done', 'incident.resolved']);
    expect(new Set(recorded.map((r) => r.eventKey)).size).toBe(recorded.length);
  });

  it('runs an automated rollback step as a child rollback workflow', async () => {
    const model = `income-${++n}`;
    rollouts.model(model, {});
    const id = await openIncident(
      env.client,
      { model, severity: 'SEV2', summary: 'bad version', openedBy: 'ravi', runbook: [{ kind: 'automated', name: 'roll back', action: 'rollback' }, { kind: 'manual', name: 'confirm recovery' }] },
      { id: `incident-test-${n}` },
    );
    await acknowledgeIncident(env.client, id, { principal: 'ravi' });
    let state = await incidentState(env.client, id);
    for (let i = 0; i < 100 && state.steps[0].status === 'pending'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      state = await incidentState(env.client, id);
    }
    expect(state.steps[0]).toMatchObject({ name: 'roll back', status: 'done', note: 'rolled back from v3 to v2' });
    expect(rollouts.calls(model, 'rollback')).toHaveLength(1);
    await expect(completeIncidentStep(env.client, id, { principal: 'ravi', step: 'roll back' })).rejects.toThrow(/automated/);
    await resolveIncident(env.client, id, { principal: 'ravi', resolution: 'rolled back' });
  });

  it('is opened by a monitor trigger, once for the window that fired', async () => {
    const model = `income-${++n}`;
    stubs.drift(model, 1);
    await startMonitor(env.client, { model, requestedBy: 'ravi', settings: { window: '1h', triggerAction: 'open-incident', incidentSeverity: 'SEV2' } });
    await env.sleep(3 * 60 * MINUTE + MINUTE);
    const state = await monitorState(env.client, model);
    expect(state.incidents).toEqual([`incident-${model}-w1`]);
    const incident = await incidentState(env.client, `incident-${model}-w1`);
    expect(incident).toMatchObject({ model, severity: 'SEV1', openedSeverity: 'SEV2', links: { windows: [1], trigger: 'feature-drift' } });
    await stopMonitor(env.client, model, { principal: 'ravi' });
    // The incident outlives the monitor.
    await resolveIncident(env.client, `incident-${model}-w1`, { principal: 'ravi', resolution: 'drift accepted' });
  });
});
