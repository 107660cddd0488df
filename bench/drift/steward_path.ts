/**
 * The measured Steward path, run in its own process so its RSS high-water mark is its own.
 *
 * 1. Parallel (the headline number): the reference and the current CSV are each read and profiled
 *    on their own worker thread (2 cores; profile_worker.ts), then the default drift suite compares
 *    the two profiles. Wall time covers thread start-up to the finished report; peak RSS is this
 *    process's high-water mark right after (both threads included).
 * 1b. Stored reference: the current CSV alone against the reference profile saved by (1), in a fresh
 *    process, as a release or `steward data check` does (the reference profile is stored with the
 *    model version, so a check never re-reads the training data).
 * 2. Single thread: the same work on the main thread, one file after the other, plus a reader-only
 *    pass over the reference file (MB/s and values/s of lib/data alone).
 *
 * Prints one JSON line.
 *
 * @example
 *   npx tsx bench/drift/steward_path.ts reference.csv current.csv
 */
import { statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { readChunks } from '../../lib/data/reader';
import { type DatasetProfile, ProfileBuilder } from '../../lib/drift/profile';
import { computeDrift, formatDriftTable } from '../../lib/drift/suite';
import { benchColumns } from './generate';

const [refFile, curFile] = process.argv.slice(2);

// Threads and the child process run plain-JS bundles of profile_worker.ts and check_worker.ts,
// built here before the clock starts (a build step, as a deployed CLI would ship JS): worker threads
// cannot load .ts under tsx on Node 20, and a tsx child spends ~0.45 s compiling TypeScript before
// reading a byte.
const { build } = await import('esbuild');
async function bundle(entry: string, outfile: string): Promise<string> {
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, logLevel: 'error' });
  return outfile;
}
const profileBundle = await bundle('bench/drift/profile_worker.ts', './.tools/bench-drift-worker.mjs');
const checkBundle = await bundle('bench/drift/check_worker.ts', './.tools/bench-drift-check.mjs');

function profileOnThread(file: string): Promise<{ profile: DatasetProfile; seconds: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(profileBundle, { workerData: { file } });
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`profile thread exited ${code}`))));
  });
}

function checkInChild(file: string, storedProfile: string): Promise<{ seconds: number; maxRssMB: number; drifted: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [checkBundle, file, storedProfile], { stdio: ['ignore', 'pipe', 'inherit'] });
    const parts: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => parts.push(d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(Buffer.concat(parts).toString('utf8'))) : reject(new Error(`check_worker exited ${code}`))));
  });
}

async function profileHere(file: string): Promise<DatasetProfile> {
  const b = new ProfileBuilder();
  for await (const chunk of readChunks(file, { columns: benchColumns, reuseBuffers: true })) b.add(chunk);
  return b.finish();
}

// 1. Parallel: one worker thread per file. Three runs (fresh threads each time); the median is
// reported, as this shared 2-core machine varies by ±15% from run to run.
async function parallelRun() {
  const t0 = performance.now();
  const [ref, cur] = await Promise.all([profileOnThread(refFile), profileOnThread(curFile)]);
  const t1 = performance.now();
  const report = computeDrift(ref.profile, cur.profile);
  const t2 = performance.now();
  return { ref, cur, report, seconds: (t2 - t0) / 1000, driftSeconds: (t2 - t1) / 1000 };
}
const runs = [await parallelRun(), await parallelRun(), await parallelRun()].sort((a, b) => a.seconds - b.seconds);
const { ref, cur, report } = runs[1];
const parallelMaxRssMB = process.resourceUsage().maxRSS / 1024;

// 1b. The release / `steward data check` path: one new file against the stored reference profile,
// in a fresh process (wall time includes its start-up; `seconds` includes loading the profile);
// median of three.
const storedProfile = '.tools/bench-drift-reference-profile.json';
writeFileSync(storedProfile, JSON.stringify(ref.profile));
const checks: { wall: number; seconds: number; maxRssMB: number }[] = [];
for (let k = 0; k < 3; k++) {
  const c0 = performance.now();
  const r = await checkInChild(curFile, storedProfile);
  checks.push({ wall: (performance.now() - c0) / 1000, seconds: r.seconds, maxRssMB: r.maxRssMB });
}
const checked = checks.sort((a, b) => a.wall - b.wall)[1];

// 2. Single thread: read + profile both files, then reader only.
const s0 = performance.now();
const sref = await profileHere(refFile);
const scur = await profileHere(curFile);
computeDrift(sref, scur);
const s1 = performance.now();
let rows = 0;
for await (const chunk of readChunks(refFile, { columns: benchColumns, reuseBuffers: true })) rows += chunk.rows;
const s2 = performance.now();

console.log(
  JSON.stringify({
    seconds: runs[1].seconds,
    parallelRange: [runs[0].seconds, runs[2].seconds],
    threads: 2,
    referenceSeconds: ref.seconds,
    currentSeconds: cur.seconds,
    driftSeconds: runs[1].driftSeconds,
    storedReferenceWallSeconds: checked.wall,
    storedReferenceSeconds: checked.seconds,
    storedReferenceMaxRssMB: checked.maxRssMB,
    singleThreadSeconds: (s1 - s0) / 1000,
    readerSeconds: (s2 - s1) / 1000,
    readerBytes: statSync(refFile).size,
    readerRows: rows,
    maxRssMB: parallelMaxRssMB,
    singleThreadMaxRssMB: process.resourceUsage().maxRSS / 1024,
    profileBytes: JSON.stringify(ref.profile).length,
    table: formatDriftTable(report),
    columns: report.columns.map((c) => ({ column: c.column, test: c.test, statistic: c.statistic, drifted: c.drifted, errorBound: c.detail.errorBound ?? 0 })),
  }),
);
