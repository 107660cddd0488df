/**
 * `npm run bench:startup`: start-up time and idle memory of the embedded stack, with and without the
 * workflow bundle cache (workers/bundle.ts).
 *
 * Three modes, each measured in a fresh process (bench/startup/measure.ts) that starts the stack on a
 * copy of the same state folder, so that the only difference is the bundle:
 * - `in-process`: `STEWARD_BUNDLE_CACHE=0`, the control worker bundles the workflows with webpack in
 *   its own process (the behaviour before the cache);
 * - `first start`: the cache folder is empty, the bundle is built in a child process and cached (the
 *   first start on a new version of the code);
 * - `cached`: the bundle of the current code is already in the cache folder (every later start).
 * The state folder is one a stack has already started on and stopped (database created and migrated,
 * Temporal's SQLite file, keys): what a restart of `steward dev` finds. `--fresh` starts each run
 * from an empty folder instead, which adds creating and migrating the embedded database to every mode.
 * The modes are interleaved (A B C A B C ...) so that the load of a shared machine falls on all of them
 * alike; the table gives median (min-max) per mode and the ratio of medians to `in-process`.
 *
 * Options: --repeat N (rounds, default 3), --settle S (idle seconds before memory is read, default 10),
 * --fresh. Writes bench/startup/out/results.json (results-fresh.json with --fresh): every run, the
 * medians and the load average.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cachedWorkflowBundle } from '../../workers/bundle';

const { values } = parseArgs({ options: { repeat: { type: 'string', default: '3' }, settle: { type: 'string', default: '10' }, fresh: { type: 'boolean', default: false } } });
const repeat = Number(values.repeat);
const settle = Number(values.settle);
if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat must be a whole number of at least 1, got "${values.repeat}"`);
if (!(settle >= 0)) throw new Error(`--settle must be a number of seconds, got "${values.settle}"`);

const here = dirname(fileURLToPath(import.meta.url));
const modes = ['in-process', 'first start', 'cached'] as const;
type Mode = (typeof modes)[number];

interface Measurement {
  mode: Mode;
  round: number;
  startSeconds: number;
  temporalSeconds: number;
  workersSeconds: number;
  readySeconds: number;
  importSeconds: number;
  settleSeconds: number;
  rss: number;
  peakRss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  temporalRss: number | null;
  databaseRss: number | null;
  bundles: string[];
  loadAverage: number;
}

/** Runs measure.ts on `home`; its JSON line, or an error with the end of its stderr. */
function startOnce(home: string, settleSeconds: number, bundleCache: boolean, what: string): { result: Omit<Measurement, 'mode' | 'round' | 'loadAverage'>; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Only the bundle differs between modes: no external Temporal or database from the caller's environment.
  for (const name of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'STEWARD_BUNDLE_CACHE']) delete env[name];
  if (!bundleCache) env.STEWARD_BUNDLE_CACHE = '0';
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'measure.ts'), home, String(settleSeconds)], {
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    stdio: ['ignore', 'pipe', 'pipe'],
    // A stack that never becomes ready ends the bench instead of hanging it (its Temporal server's guard stops the server).
    timeout: (settleSeconds + 240) * 1000,
  });
  if (r.status !== 0) throw new Error(`bench:startup ${what} failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}):\n${r.stderr.slice(-2000)}`);
  return { result: JSON.parse(r.stdout.trim().split('\n').pop()!), stderr: r.stderr };
}

/** `template`: the state folder to copy (none: an empty one); `bundle`: the file the `cached` mode finds. */
function measure(mode: Mode, round: number, scratch: string, template: string | undefined, bundle: string): Measurement {
  const home = join(scratch, `${mode.replace(' ', '-')}-${round}`);
  if (template) cpSync(template, home, { recursive: true });
  else mkdirSync(home, { recursive: true });
  if (mode === 'cached') {
    mkdirSync(join(home, 'cache'));
    copyFileSync(bundle, join(home, 'cache', basename(bundle)));
  }
  const loadAverage = loadavg()[0];
  let run: ReturnType<typeof startOnce>;
  try {
    run = startOnce(home, settle, mode !== 'in-process', `${mode} (round ${round})`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  const m: Measurement = { mode, round, loadAverage, ...run.result };
  // A mode that silently fell back to another would be measured under the wrong name.
  const expected = mode === 'in-process' ? 0 : 1;
  if (m.bundles.length !== expected) throw new Error(`bench:startup ${mode}: expected ${expected} cached bundle(s) after start, found ${m.bundles.length}:\n${run.stderr.slice(-2000)}`);
  return m;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const MB = 2 ** 20;

const runs: Measurement[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'steward-bench-startup-'));
try {
  // The bundle of the current code, built once (in a child process) for the `cached` runs to find.
  const bundle = await cachedWorkflowBundle(join(scratch, 'bundle'), (m) => console.error(m));
  if (!bundle) throw new Error('could not build the workflow bundle for the cached runs (see the warning above)');
  // A state folder a stack has started on once and stopped; every run starts on a copy of it.
  let template: string | undefined;
  if (!values.fresh) {
    template = join(scratch, 'state');
    mkdirSync(join(template, 'cache'), { recursive: true });
    copyFileSync(bundle, join(template, 'cache', basename(bundle)));
    console.error('preparing the state folder: one start and stop of the stack');
    startOnce(template, 0, true, 'preparing the state folder');
    rmSync(join(template, 'cache'), { recursive: true, force: true });
  }
  for (let round = 1; round <= repeat; round++) {
    for (const mode of modes) {
      const m = measure(mode, round, scratch, template, bundle);
      runs.push(m);
      console.error(`round ${round}/${repeat} ${mode.padEnd(11)} start ${m.startSeconds.toFixed(1)} s (Temporal ${m.temporalSeconds.toFixed(1)} s, database + workers ${m.workersSeconds.toFixed(1)} s), idle RSS ${(m.rss / MB).toFixed(0)} MB (peak ${(m.peakRss / MB).toFixed(0)} MB), load ${m.loadAverage.toFixed(1)}`);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const fields = ['startSeconds', 'temporalSeconds', 'workersSeconds', 'readySeconds', 'rss', 'peakRss', 'heapUsed', 'external', 'arrayBuffers', 'temporalRss', 'databaseRss'] as const;
const summary = Object.fromEntries(
  modes.map((mode) => {
    const of = runs.filter((r) => r.mode === mode);
    return [mode, Object.fromEntries(fields.map((f) => {
      const xs = of.map((r) => r[f]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
      return [f, { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) }];
    }))];
  }),
) as Record<Mode, Record<(typeof fields)[number], { median: number; min: number; max: number }>>;
const loads = runs.map((r) => r.loadAverage);

const seconds = (s: { median: number; min: number; max: number }) => `${s.median.toFixed(1)} (${s.min.toFixed(1)}-${s.max.toFixed(1)})`;
const mb = (s: { median: number; min: number; max: number }) => `${(s.median / MB).toFixed(0)} (${(s.min / MB).toFixed(0)}-${(s.max / MB).toFixed(0)})`;
const ratio = (mode: Mode, f: (typeof fields)[number]) => (mode === 'in-process' ? '1' : `${(summary[mode][f].median / summary['in-process'][f].median).toFixed(2)}`);

console.log(`bench:startup: embedded stack ${values.fresh ? 'from an empty state folder' : 'restarted on a state folder it has run on'}, ${repeat} rounds interleaved, idle ${settle} s before memory is read; load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`);
console.log('| workflow bundle | start s | of which Temporal server s | database + workers s | idle RSS MB | peak RSS MB | heap used MB | external MB | embedded database process RSS MB | Temporal server RSS MB | start vs in-process | idle RSS vs in-process |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const mode of modes) {
  const s = summary[mode];
  console.log(`| ${mode} | ${seconds(s.startSeconds)} | ${seconds(s.temporalSeconds)} | ${seconds(s.workersSeconds)} | ${mb(s.rss)} | ${mb(s.peakRss)} | ${mb(s.heapUsed)} | ${mb(s.external)} | ${mb(s.databaseRss)} | ${mb(s.temporalRss)} | ${ratio(mode, 'startSeconds')} | ${ratio(mode, 'rss')} |`);
}
console.log("median (min-max) per mode; start = startStack until ready (Temporal dev server, database, workers polling); idle and peak RSS (VmHWM during start) are the stack process's, without the embedded database's process (its own column)");

const out = join(here, 'out');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, values.fresh ? 'results-fresh.json' : 'results.json'), JSON.stringify({ repeat, settleSeconds: settle, freshState: values.fresh, loadAverage: { min: Math.min(...loads), max: Math.max(...loads) }, summary, runs }, null, 2));
