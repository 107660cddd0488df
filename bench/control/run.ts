/**
 * `npm run bench:control`: is a person's decision heard at once while releases train and evaluate?
 *
 * For each compute mode (heavy steps inline on the worker's main thread, as before the compute pool,
 * then on the pool's threads), in a fresh process running the embedded stack (`workers/stack.ts`):
 * a few releases of a cheap policy are brought to sign-off first; then N heavy releases (the shipped
 * Adult policy on a larger slice) are started together, and while they validate, train and evaluate,
 * the waiting releases are approved one by one (Workflow Update acceptance timed) while the running
 * releases (those still waiting, and the heavy ones) are queried continuously (status Query timed).
 * Afterwards every workflow task's duration is read from the histories (WorkflowTaskStarted ->
 * WorkflowTaskCompleted): those of the heavy phase are the measure; those before it, which include the
 * fresh worker's first tasks (its workflow thread loads code on first use), are reported apart.
 *
 * Options: --heavy N (default 3), --rows R (training rows of each heavy release, default 12000),
 * --waiters W (default 12), --mode inline|threads (one mode only, prints JSON).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { freePort } from '../../lib/runtime/net';
import { loadConfig } from '../../lib/runtime/config';
import { connectClient } from '../../lib/runtime/temporal';
import { decideRelease, releaseState, startRelease, waitForStage } from '../../lib/release/client';
import { statusQuery } from '../../lib/release/messages';
import { registerModel } from '../../lib/registry/models';
import { adultTrainingSlice, testPolicy } from '../../test/support/fixtures';

const { values } = parseArgs({
  options: { heavy: { type: 'string', default: '3' }, rows: { type: 'string', default: '12000' }, waiters: { type: 'string', default: '12' }, mode: { type: 'string' } },
});
const heavy = Number(values.heavy);
const rows = Number(values.rows);
const waiters = Number(values.waiters);

interface ModeResult {
  mode: string;
  accepted: number[];
  updates: number[];
  /** Status queries to running releases (waiting for sign-off, or one of the heavy ones). */
  queries: number[];
  /** `steward status` of approved releases (lib/release/client.ts releaseState: a closed one answers from its result). */
  statusAfterDecision: number[];
  /** Workflow tasks that started in the heavy phase. */
  workflowTasks: number[];
  /** Workflow tasks before it: the fresh worker's first tasks while the waiting releases were brought to sign-off. */
  setupWorkflowTasks: number[];
  heavySeconds: number;
}

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((q / 100) * s.length))] : NaN;
};

/** Every workflow task's duration (WorkflowTaskStarted -> its completion), with when it started. */
async function workflowTaskDurations(client: Client, ids: string[]): Promise<{ ms: number; startedAt: number }[]> {
  const out: { ms: number; startedAt: number }[] = [];
  const slow: string[] = [];
  const slowMs = Number(process.env.BENCH_SLOW_MS ?? 200);
  for (const id of ids) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    let started: number | undefined;
    for (const e of history.events ?? []) {
      const t = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
      if (e.workflowTaskStartedEventAttributes) started = t;
      else if ((e.workflowTaskCompletedEventAttributes || e.workflowTaskFailedEventAttributes || e.workflowTaskTimedOutEventAttributes) && started !== undefined) {
        out.push({ ms: t - started, startedAt: started });
        if (t - started > slowMs) slow.push(`${id} event ${e.eventId} ${t - started} ms (${new Date(started).toISOString().slice(11)} -> ${new Date(t).toISOString().slice(11)})`);
        started = undefined;
      }
    }
  }
  if (slow.length && process.env.BENCH_VERBOSE) console.error(`slow workflow tasks:\n  ${slow.join('\n  ')}`);
  return out;
}

async function runMode(mode: 'inline' | 'threads'): Promise<ModeResult> {
  const home = mkdtempSync(join(tmpdir(), 'steward-bench-control-'));
  process.env.STEWARD_COMPUTE_THREADS = mode === 'inline' ? '0' : '';
  if (mode === 'threads') delete process.env.STEWARD_COMPUTE_THREADS;
  const { startStack } = await import('../../workers/stack');
  const config = loadConfig({ STEWARD_HOME: home });
  const stack = await startStack({ config, temporalPort: await freePort(), uiPort: await freePort(), log: () => {} });
  const client = await connectClient(config.temporal, stack.info.temporalAddress);
  let done = false;
  let querying: Promise<void> = Promise.resolve();
  try {
    const { db } = stack.database;
    // One cheap model per waiting release: each promotes its own first version.
    for (let i = 0; i < waiters; i++) {
      const cheap = testPolicy(`bench-cheap-${i}`, { evaluationRows: 400 });
      cheap.training = { ...cheap.training, epochs: 1 };
      cheap.evaluation.resamples = 50;
      await registerModel(db, cheap);
    }
    const shipped = testPolicy('bench-heavy', { evaluationRows: 16_000 });
    shipped.training = { ...shipped.training, hiddenUnits: [64, 32], epochs: 8 };
    await registerModel(db, shipped);

    const cheapData = adultTrainingSlice(1200, 0, 'bench-cheap.csv');
    const waiting: string[] = [];
    for (let i = 0; i < waiters; i++) waiting.push(await startRelease(client, { model: `bench-cheap-${i}`, dataFile: cheapData, requestedBy: 'alice' }));
    for (const id of waiting) await waitForStage(client, id, 'awaiting-approval', 300_000);

    // The heavy releases' files are written before the first starts: this client shares the stack's
    // process, and writing them (about 0.3-0.7 s each) would stall its main thread inside the window.
    const heavyFiles = Array.from({ length: heavy }, (_, i) => adultTrainingSlice(rows, i * 1000, `bench-heavy-${i}.csv`));
    const heavyIds: string[] = [];
    const t0 = Date.now();
    for (const dataFile of heavyFiles) heavyIds.push(await startRelease(client, { model: 'bench-heavy', dataFile, requestedBy: 'alice' }));
    const updates: number[] = [];
    const accepted: number[] = [];
    const queries: number[] = [];
    const statusAfterDecision: number[] = [];
    const decided: string[] = [];
    let heavyError: unknown;
    // A failed heavy release ends the run with its error, after the query loop has stopped.
    const heavyDone = Promise.all(heavyIds.map((id) => waitForStage(client, id, 'awaiting-approval', 900_000)))
      .catch((e: unknown) => void (heavyError = e))
      .finally(() => (done = true));
    // Queries go to running releases: a query to a closed one makes a worker replay its whole history
    // (about 150 ms here), which is why `steward status` reads a closed release's result instead; that
    // path is timed apart, on the approved releases.
    querying = (async () => {
      let k = 0;
      while (!done) {
        const running = [...waiting.filter((id) => !decided.includes(id)), ...heavyIds];
        const q0 = performance.now();
        await client.workflow.getHandle(running[k % running.length]).query(statusQuery);
        queries.push(performance.now() - q0);
        if (k % 3 === 2 && decided.length) {
          const s0 = performance.now();
          await releaseState(client, decided[k % decided.length]);
          statusAfterDecision.push(performance.now() - s0);
        }
        k++;
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    // Approvals spread over the heavy phase (one every 2 s) so they land while training and evaluation run.
    for (const id of waiting) {
      if (done) break;
      await new Promise((r) => setTimeout(r, 2_000));
      const u0 = performance.now();
      await decideRelease(client, id, 'approve', { principal: 'bob' }, { onAccepted: () => accepted.push(performance.now() - u0) });
      updates.push(performance.now() - u0);
      decided.push(id);
    }
    await heavyDone;
    await querying;
    if (heavyError) throw heavyError;
    const heavySeconds = (Date.now() - t0) / 1000;
    const tasks = await workflowTaskDurations(client, [...waiting, ...heavyIds]);
    const workflowTasks = tasks.filter((t) => t.startedAt >= t0).map((t) => t.ms);
    const setupWorkflowTasks = tasks.filter((t) => t.startedAt < t0).map((t) => t.ms);
    return { mode, accepted, updates, queries, statusAfterDecision, workflowTasks, setupWorkflowTasks, heavySeconds };
  } finally {
    // Whatever ended the run, the status queries stop before the connection closes.
    done = true;
    await querying.catch(() => {});
    await client.connection.close();
    await stack.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

if (values.mode) {
  const result = await runMode(values.mode as 'inline' | 'threads');
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
const results: ModeResult[] = [];
for (const mode of ['inline', 'threads']) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--mode', mode, '--heavy', String(heavy), '--rows', String(rows), '--waiters', String(waiters)], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`bench:control --mode ${mode} failed (exit ${r.status})`);
  results.push(JSON.parse(r.stdout.trim().split('\n').pop()!));
}
const row = (r: ModeResult) =>
  [
    r.mode.padEnd(8),
    `${r.updates.length} updates accepted p50 ${pct(r.accepted, 50).toFixed(0)} ms p99 ${pct(r.accepted, 99).toFixed(0)} ms, completed p50 ${pct(r.updates, 50).toFixed(0)} ms p99 ${pct(r.updates, 99).toFixed(0)} ms`,
    `${r.queries.length} queries p50 ${pct(r.queries, 50).toFixed(0)} ms p99 ${pct(r.queries, 99).toFixed(0)} ms`,
    `${r.statusAfterDecision.length} status of approved p50 ${pct(r.statusAfterDecision, 50).toFixed(0)} ms p99 ${pct(r.statusAfterDecision, 99).toFixed(0)} ms`,
    `${r.workflowTasks.length} workflow tasks p99 ${pct(r.workflowTasks, 99)} ms max ${Math.max(...r.workflowTasks)} ms`,
    `before the heavy phase ${r.setupWorkflowTasks.length} tasks max ${Math.max(...r.setupWorkflowTasks)} ms`,
    `heavy releases ${r.heavySeconds.toFixed(0)} s`,
  ].join(' | ');
console.log(`bench:control: ${heavy} heavy releases (${rows} training rows, full adult.test evaluation) while ${waiters} releases wait for sign-off`);
for (const r of results) console.log(row(r));
