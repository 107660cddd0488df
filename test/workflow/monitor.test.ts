/**
 * The monitor workflow on Temporal's time-skipping test server with stubbed activities that keep
 * windows in memory: windows on their boundaries, each index computed once and in order across
 * Continue-As-New, count-based windows, late-label refreshes, trigger firings recorded once, a stop
 * Update, and a restarted monitor that continues the numbering. Hours of windows pass in milliseconds.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startTimeSkippingServer } from '../support/time-skipping';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { taskQueues } from '../../lib/core/names';
import { monitorState, startMonitor, stopMonitor } from '../../lib/monitoring/client';
import { monitorWorkflowId } from '../../lib/monitoring/messages';
import type { MonitorState } from '../../lib/monitoring/types';
import { createMonitorStubs } from '../support/monitor-stubs';

const HOUR = 3_600_000;

let env: TestWorkflowEnvironment;
let stubs: ReturnType<typeof createMonitorStubs>;
let worker: Worker;
let run: Promise<void>;
let models = 0;

beforeAll(async () => {
  env = await startTimeSkippingServer();
  stubs = createMonitorStubs();
  worker = await Worker.create({ connection: env.nativeConnection, namespace: 'default', taskQueue: taskQueues.control, workflowBundle: { codePath: inject('workflowBundlePath') }, activities: stubs.activities });
  run = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await run;
  await env?.teardown();
});

async function stop(model: string): Promise<MonitorState> {
  return stopMonitor(env.client, model, { principal: 'ravi', reason: 'test done' });
}

describe('monitor workflow', () => {
  it('computes every window once, in order and back to back, across Continue-As-New', async () => {
    const model = `income-${++models}`;
    await startMonitor(env.client, { model, requestedBy: 'ravi', settings: { window: '1h', lag: '5s', windowsPerRun: 3 } });
    await env.sleep(7 * HOUR + 60_000);
    const state = await monitorState(env.client, model);
    const mine = stubs.computed.filter((c) => c.model === model);
    expect(mine.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (let i = 1; i < mine.length; i++) expect(mine[i].start).toBe(mine[i - 1].end);
    expect(Date.parse(mine[0].end) - Date.parse(mine[0].start)).toBe(HOUR);
    // Two Continue-As-New so far (3 windows per run): state carried, nothing repeated.
    expect(state.run).toBe(3);
    expect(state.nextIndex).toBe(7);
    expect(state.recent.map((w) => w.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const d = await env.client.workflow.getHandle(monitorWorkflowId(model)).describe();
    expect(d.status.name).toBe('RUNNING');
    const final = await stop(model);
    expect(final.status).toBe('stopped');
    expect(final.stoppedBy).toBe('ravi');
    expect(stubs.events.filter((e) => e.startsWith(`${model}:`))).toEqual([`${model}:started`, `${model}:stopped`]);
  });

  it('stops when the stop lands while the last window of a run is computed, instead of continuing as new without it', async () => {
    const model = `income-${++models}`;
    const release = stubs.hold(model, 2);
    await startMonitor(env.client, { model, requestedBy: 'ravi', settings: { window: '1h', lag: '5s', windowsPerRun: 3 } });
    // Up to a few seconds before window 2 closes; then real time (skipping time across the held
    // computation would wait for it).
    await env.sleep(3 * HOUR + 4_000);
    for (let i = 0; i < 200 && !stubs.computed.some((c) => c.model === model && c.index === 2); i++) await new Promise((r) => setTimeout(r, 50));
    expect(stubs.computed.filter((c) => c.model === model).map((c) => c.index)).toEqual([0, 1, 2]);
    const stopped = stop(model);
    await new Promise((r) => setTimeout(r, 500));
    release();
    const final = await stopped;
    expect(final.status).toBe('stopped');
    expect(final.run).toBe(1);
    expect(final.nextIndex).toBe(3);
    expect(stubs.events.filter((e) => e.startsWith(`${model}:`))).toEqual([`${model}:started`, `${model}:stopped`]);
  });

  it('fires a trigger on drift once per cooldown and records it with its window', async () => {
    const model = `income-${++models}`;
    stubs.drift(model, 2);
    await startMonitor(env.client, { model, requestedBy: 'ravi', settings: { window: '1h', windowsPerRun: 2 } });
    await env.sleep(6 * HOUR + 60_000);
    const state = await stop(model);
    // Drift from window 2 on: fired at 2, then again after the 3-window cooldown at 5 (across Continue-As-New).
    expect(stubs.firings.filter((f) => f.model === model).map((f) => [f.trigger, f.window])).toEqual([
      ['feature-drift', 2],
      ['feature-drift', 5],
    ]);
    expect(state.firings).toBe(2);
    expect(state.lastFirings[0]).toMatchObject({ trigger: 'feature-drift', action: 'alert', window: 5 });
  });

  it('refreshes earlier windows when their late labels arrive', async () => {
    const model = `income-${++models}`;
    await startMonitor(env.client, { model, requestedBy: 'ravi', settings: { window: '1h' } });
    await env.sleep(2 * HOUR + 60_000);
    stubs.label(model, 0, 40);
    await env.sleep(HOUR);
    const state = await stop(model);
    expect(state.recent.find((w) => w.index === 0)).toMatchObject({ labelled: 40, accuracy: 0.7 });
    expect(stubs.computed.filter((c) => c.model === model && c.index === 0)).toHaveLength(1);
  });

  it('closes a window early once it holds the configured number of predictions', async () => {
    const model = `income-${++models}`;
    stubs.setPredictions(500);
    await startMonitor(env.client, { model, requestedBy: 'ravi', settings: { window: '1h', windowPredictions: 500, countCheck: '1m' } });
    await env.sleep(5 * 60_000);
    const state = await stop(model);
    stubs.setPredictions(0);
    const first = stubs.computed.find((c) => c.model === model)!;
    expect(Date.parse(first.end) - Date.parse(first.start)).toBeLessThan(HOUR);
    expect(state.nextIndex).toBeGreaterThanOrEqual(1);
  });

  it('continues the numbering of stored windows when started again, and refuses a second monitor', async () => {
    const model = `income-${++models}`;
    await startMonitor(env.client, { model, requestedBy: 'ravi', settings: { window: '1h' } });
    await expect(startMonitor(env.client, { model, requestedBy: 'ravi' })).rejects.toMatchObject({ type: 'MonitorConflict' });
    await env.sleep(2 * HOUR + 60_000);
    await stop(model);
    await startMonitor(env.client, { model, requestedBy: 'ravi', settings: { window: '1h' } });
    await env.sleep(HOUR + 60_000);
    await stop(model);
    const indexes = stubs.computed.filter((c) => c.model === model).map((c) => c.index);
    expect(indexes).toEqual([...new Set(indexes)]);
    expect(indexes.slice(0, 3)).toEqual([0, 1, 2]);
    expect(indexes.length).toBeGreaterThanOrEqual(3);
  });
});
