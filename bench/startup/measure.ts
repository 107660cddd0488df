/**
 * One measurement of `npm run bench:startup`, in a process of its own so that nothing the bench did
 * before is in its memory: `node --import tsx bench/startup/measure.ts <home> <settle seconds>`.
 *
 * Starts the embedded stack (`workers/stack.ts`, as `steward dev` does) with `<home>` as its state
 * folder, times `startStack` until the stack is ready (Temporal dev server serving, database migrated,
 * workers polling), leaves it idle for the settle time, then reads this process's resident memory
 * (VmRSS, and VmHWM, the peak during start) and `process.memoryUsage()`, and the RSS of the
 * embedded database's process and of the Temporal server; stops the stack and prints one JSON line on stdout. Whether the workflow bundle cache is used is
 * the caller's choice (`STEWARD_BUNDLE_CACHE=0`, and what is in `<home>/cache`). No forced GC.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { statusBytes, temporalServerPid } from '../support/proc';

const t0 = performance.now();
const [home, settleArg] = process.argv.slice(2);
const settleSeconds = Number(settleArg ?? '10');

const { loadConfig } = await import('../../lib/runtime/config');
const { freePort } = await import('../../lib/runtime/net');
const { startStack } = await import('../../workers/stack');
const config = loadConfig({ STEWARD_HOME: home });
const temporalPort = await freePort();
const uiPort = await freePort();
// The stack's log lines mark its phases: the Temporal server serving, then the database open and the workers polling.
const marks: Record<string, number> = {};
const s0 = performance.now();
const stack = await startStack({
  config,
  temporalPort,
  uiPort,
  log: (line) => {
    if (line.startsWith('Temporal dev server at')) marks.temporal = (performance.now() - s0) / 1000;
    if (line.startsWith('workers polling')) marks.workers = (performance.now() - s0) / 1000;
  },
});
const startSeconds = (performance.now() - s0) / 1000;
const readySeconds = process.uptime();
try {
  await new Promise((r) => setTimeout(r, settleSeconds * 1000));
  const memory = process.memoryUsage();
  const serverPid = temporalServerPid(join(home, 'temporal.db'));
  const cacheDir = join(home, 'cache');
  const result = {
    startSeconds,
    /** Until the Temporal dev server serves; then until the database is open and both workers poll (the bundle is here). */
    temporalSeconds: marks.temporal ?? NaN,
    workersSeconds: (marks.workers ?? NaN) - (marks.temporal ?? NaN),
    readySeconds,
    importSeconds: (s0 - t0) / 1000,
    settleSeconds,
    rss: statusBytes('self', 'VmRSS'),
    peakRss: statusBytes('self', 'VmHWM'),
    heapUsed: memory.heapUsed,
    heapTotal: memory.heapTotal,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    temporalRss: serverPid ? statusBytes(serverPid, 'VmRSS') : NaN,
    databaseRss: stack.databaseProcess ? statusBytes(stack.databaseProcess.pid, 'VmRSS') : NaN,
    bundles: existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => /^workflows-.*\.js$/.test(f)) : [],
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await stack.stop();
}
process.exit(0);
