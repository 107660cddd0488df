/**
 * `npm run bench:scale`: many releases on one box. N releases of a cheap policy (a logistic
 * regression on a 2,000-row Adult sample: real validation, training and evaluation) are started
 * together on the embedded stack and left waiting for sign-off; then all are approved.
 *
 * Reports: the time until all wait; resident memory of the workers' process (control and training
 * workers, compute threads; the bench's client shares it), of the embedded database's process and
 * of the Temporal server; sign-off Update
 * latency p50/p99 while they all wait, and the time to approve them all; and, beside it, one release
 * on an idle stack: per-activity schedule-to-start and run time, workflow task time (from history).
 *
 * Options: --releases N (default 1000), --rows R (default 2000), --concurrency C for starts and
 * approvals (default 25).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { decideRelease, startRelease, waitForStage } from '../../lib/release/client';
import { registerModel } from '../../lib/registry/models';
import { loadConfig } from '../../lib/runtime/config';
import { freePort } from '../../lib/runtime/net';
import { connectClient } from '../../lib/runtime/temporal';
import { startStack } from '../../workers/stack';
import type { EmbeddedDatabaseProcess } from '../../workers/database-process';
import { adultTrainingSlice, testPolicy } from '../../test/support/fixtures';
import { statusBytes, temporalServerPid } from '../support/proc';

const { values } = parseArgs({ options: { releases: { type: 'string', default: '1000' }, rows: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '25' } } });
const n = Number(values.releases);
const rows = Number(values.rows);
const concurrency = Number(values.concurrency);

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((q / 100) * s.length))] : NaN;
};
const median = (xs: number[]) => pct(xs, 50);

/** Runs `task` over `items`, at most `limit` at once. */
async function pool<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await task(items[i]);
      }
    }),
  );
  return out;
}

/**
 * Where the memory is while the releases wait: in the workers' process, JavaScript heap in use of
 * the main thread (activities, the database client, this client), of the SDK's workflow thread (the
 * workflow cache) and of the compute threads, the rest of its RSS being native (Temporal's core, V8
 * code and reserved heap, the compute threads' WebAssembly memory, allocator slack); and the
 * embedded database's process (PGlite's WebAssembly memory most of it).
 */
async function memoryBreakdown(databaseProcess: EmbeddedDatabaseProcess | undefined): Promise<string> {
  const mb = (x: number) => `${(x / 2 ** 20).toFixed(0)} MB`;
  const report = process.report.getReport() as unknown as { workers?: Array<{ javascriptHeap?: { usedMemory?: number } }> };
  const threads = (report.workers ?? []).map((w) => w.javascriptHeap?.usedMemory ?? 0).sort((a, b) => b - a);
  const m = process.memoryUsage();
  const db = await databaseProcess?.memory();
  const dbLine = db ? `; the embedded database's process: RSS ${mb(db.rss)}, of which PGlite's WebAssembly memory ${mb(db.wasmBytes)}` : '';
  return `workers' process RSS ${mb(m.rss)}; heap in use: main thread ${mb(m.heapUsed)}, worker threads ${threads.map(mb).join(' / ')} (largest first: the workflow thread, then compute threads)${dbLine}`;
}

const millis = (t?: { seconds?: unknown; nanos?: number | null } | null) => (t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : NaN);

/** Per-activity schedule-to-start and run times, and workflow task times, from one release's history. */
async function stepTimes(client: Client, id: string) {
  const history = await client.workflow.getHandle(id).fetchHistory();
  const scheduled = new Map<string, { type: string; at: number }>();
  const started = new Map<string, number>();
  const activities: Array<{ type: string; scheduleToStart: number; run: number }> = [];
  const workflowTasks: number[] = [];
  let wftStarted: number | undefined;
  for (const e of history.events ?? []) {
    const at = millis(e.eventTime);
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes) scheduled.set(id, { type: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?', at });
    if (e.activityTaskStartedEventAttributes) started.set(String(e.activityTaskStartedEventAttributes.scheduledEventId), at);
    const done = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes;
    if (done) {
      const s = scheduled.get(String(done.scheduledEventId))!;
      const st = started.get(String(done.scheduledEventId))!;
      activities.push({ type: s.type, scheduleToStart: st - s.at, run: at - st });
    }
    if (e.workflowTaskStartedEventAttributes) wftStarted = at;
    if (e.workflowTaskCompletedEventAttributes && wftStarted !== undefined) workflowTasks.push(at - wftStarted);
  }
  return { activities, workflowTasks };
}

const home = mkdtempSync(join(tmpdir(), 'steward-bench-scale-'));
const config = loadConfig({ STEWARD_HOME: home });
const stack = await startStack({ config, temporalPort: await freePort(), uiPort: await freePort(), log: () => {} });
const client = await connectClient(config.temporal, stack.info.temporalAddress);
const serverPid = temporalServerPid(join(home, 'temporal.db'));
try {
  const { db } = stack.database;
  const policyFor = (model: string) => {
    const p = testPolicy(model, { evaluationRows: 500 });
    // A logistic regression: no hidden layer, a few epochs.
    p.training = { ...p.training, hiddenUnits: [], epochs: 5, batchSize: 128, learningRate: 0.05 };
    p.evaluation.resamples = 20;
    // Latency budgets measure the machine's load, which is the point of this bench: not judged here.
    p.budgets = {};
    return p;
  };
  const data = adultTrainingSlice(rows, 0, `scale-${rows}.csv`);

  // One release alone: the step overhead of an idle stack.
  await registerModel(db, policyFor('scale-single'));
  const single = await startRelease(client, { model: 'scale-single', dataFile: data, requestedBy: 'alice' });
  await waitForStage(client, single, 'awaiting-approval', 300_000);
  const singleSteps = await stepTimes(client, single);

  const models = Array.from({ length: n }, (_, i) => `scale-${i}`);
  await pool(models, 50, (m) => registerModel(db, policyFor(m)));
  const t0 = performance.now();
  const ids = await pool(models, concurrency, (m) => startRelease(client, { model: m, dataFile: data, requestedBy: 'alice' }));
  const startedAfter = (performance.now() - t0) / 1000;
  let peakRss = process.memoryUsage().rss;
  let peakServer = serverPid ? statusBytes(serverPid, 'VmRSS') : NaN;
  const databasePid = stack.databaseProcess?.pid;
  let peakDatabase = databasePid ? statusBytes(databasePid, 'VmRSS') : NaN;
  for (;;) {
    const waiting = (await client.workflow.count(`StewardModel STARTS_WITH "scale-" AND (StewardStage="awaiting-approval" OR ExecutionStatus!="Running")`)).count;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (serverPid) peakServer = Math.max(peakServer, statusBytes(serverPid, 'VmRSS'));
    if (databasePid) peakDatabase = Math.max(peakDatabase, statusBytes(databasePid, 'VmRSS'));
    process.stderr.write(`\r${waiting}/${n + 1} waiting after ${((performance.now() - t0) / 1000).toFixed(0)} s   `);
    if (waiting >= n + 1) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  const allWaitingAfter = (performance.now() - t0) / 1000;
  process.stderr.write('\n');
  const whileWaiting = await memoryBreakdown(stack.databaseProcess);
  // The compute pool lets a thread go after 60 s without work (activities/compute/pool.ts): what the
  // crowd costs once nothing computes, read after that, before anyone approves.
  process.stderr.write('all waiting; letting the compute threads go idle (70 s)\n');
  await new Promise((r) => setTimeout(r, 70_000));
  const settled = await memoryBreakdown(stack.databaseProcess);

  const a0 = performance.now();
  const accepted: number[] = [];
  const updates = await pool(ids, concurrency, async (id) => {
    const u0 = performance.now();
    await decideRelease(client, id, 'approve', { principal: 'bob' }, { onAccepted: () => accepted.push(performance.now() - u0) });
    return performance.now() - u0;
  });
  const approvedAfter = (performance.now() - a0) / 1000;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const waitingSteps = await stepTimes(client, ids[Math.floor(n / 2)]);

  const byType = (acts: Array<{ type: string; scheduleToStart: number; run: number }>) => {
    const types = [...new Set(acts.map((a) => a.type))];
    return types.map((t) => {
      const xs = acts.filter((a) => a.type === t);
      return `${t} ${median(xs.map((a) => a.scheduleToStart))}/${median(xs.map((a) => a.run))}`;
    });
  };
  console.log(`bench:scale: ${n} releases (logistic regression, ${rows} training rows, 500 evaluation rows) on the embedded stack`);
  console.log(`  started in ${startedAfter.toFixed(1)} s; all waiting for sign-off after ${allWaitingAfter.toFixed(1)} s`);
  console.log(
    `  peak RSS: workers' process (control and training workers, compute threads, this client) ${(peakRss / 2 ** 20).toFixed(0)} MB; embedded database's process ${databasePid ? `${(peakDatabase / 2 ** 20).toFixed(0)} MB` : 'none (DATABASE_URL)'}; Temporal server ${(peakServer / 2 ** 20).toFixed(0)} MB`,
  );
  console.log(`  memory when the last one started waiting: ${whileWaiting}`);
  console.log(`  memory while all wait, 70 s later (compute threads idle): ${settled}`);
  console.log(
    `  sign-off Updates while ${n} wait (${concurrency} at a time): accepted p50 ${median(accepted).toFixed(0)} ms, p99 ${pct(accepted, 99).toFixed(0)} ms; completed (decision in the registry) p50 ${median(updates).toFixed(0)} ms, p99 ${pct(updates, 99).toFixed(0)} ms; all approved in ${approvedAfter.toFixed(1)} s`,
  );
  console.log(`  one release on an idle stack, per activity (schedule-to-start/run ms, median): ${byType(singleSteps.activities).join(', ')}; workflow tasks median ${median(singleSteps.workflowTasks)} ms`);
  console.log(`  a release in the crowd: ${byType(waitingSteps.activities).join(', ')}; workflow tasks median ${median(waitingSteps.workflowTasks)} ms`);
} finally {
  await client.connection.close();
  await stack.stop();
  rmSync(home, { recursive: true, force: true });
}
