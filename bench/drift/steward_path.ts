/**
 * The measured Steward path, run in its own process so its RSS high-water mark is its own.
 *
 * 1. Parallel (the headline number): the reference and the current CSV are each read and profiled
 *    in their own child process (2 cores; profile_worker.ts), then the default drift suite compares
 *    the two profiles. Wall time covers process start-up (incl. tsx) to the finished report; peak
 *    RSS is the sum of the two children's high-water marks plus this process's.
 * 2. Single thread: the same work on the main thread, one file after the other, plus a reader-only
 *    pass over the reference file (MB/s and values/s of lib/data alone).
 *
 * Prints one JSON line.
 *
 * @example
 *   npx tsx bench/drift/steward_path.ts reference.csv current.csv
 */
import { statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { readChunks } from '../../lib/data/reader';
import { type DatasetProfile, ProfileBuilder } from '../../lib/drift/profile';
import { computeDrift, formatDriftTable } from '../../lib/drift/suite';
import { benchColumns } from './generate';

const [refFile, curFile] = process.argv.slice(2);

// The children run a plain-JS bundle of profile_worker.ts, built here before the clock starts (a
// build step, as a deployed CLI would ship JS): under tsx every child spends ~0.45 s compiling
// TypeScript before reading a byte. Without esbuild (tsx's own dependency), or with
// STEWARD_BENCH_TSX=1, they run under tsx as before.
async function workerCommand(): Promise<string[]> {
  if (process.env.STEWARD_BENCH_TSX === '1') return ['--import', 'tsx', 'bench/drift/profile_worker.ts'];
  try {
    const { build } = await import('esbuild');
    const outfile = '.tools/bench-drift-worker.mjs';
    await build({ entryPoints: ['bench/drift/profile_worker.ts'], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, logLevel: 'error' });
    return [outfile];
  } catch {
    return ['--import', 'tsx', 'bench/drift/profile_worker.ts'];
  }
}
const worker = await workerCommand();

function profileInChild(file: string): Promise<{ profile: DatasetProfile; seconds: number; maxRssMB: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...worker, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    const parts: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => parts.push(d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(Buffer.concat(parts).toString('utf8'))) : reject(new Error(`profile_worker exited ${code}`))));
  });
}

async function profileHere(file: string): Promise<DatasetProfile> {
  const b = new ProfileBuilder();
  for await (const chunk of readChunks(file, { columns: benchColumns })) b.add(chunk);
  return b.finish();
}

// 1. Parallel: one process per file (worker_threads cannot load .ts entries under tsx on Node 20).
const t0 = performance.now();
const [ref, cur] = await Promise.all([profileInChild(refFile), profileInChild(curFile)]);
const t1 = performance.now();
const report = computeDrift(ref.profile, cur.profile);
const t2 = performance.now();

// 2. Single thread: read + profile both files, then reader only.
const s0 = performance.now();
const sref = await profileHere(refFile);
const scur = await profileHere(curFile);
computeDrift(sref, scur);
const s1 = performance.now();
let rows = 0;
for await (const chunk of readChunks(refFile, { columns: benchColumns })) rows += chunk.rows;
const s2 = performance.now();

console.log(
  JSON.stringify({
    seconds: (t2 - t0) / 1000,
    threads: 2,
    referenceSeconds: ref.seconds,
    currentSeconds: cur.seconds,
    driftSeconds: (t2 - t1) / 1000,
    singleThreadSeconds: (s1 - s0) / 1000,
    readerSeconds: (s2 - s1) / 1000,
    readerBytes: statSync(refFile).size,
    readerRows: rows,
    maxRssMB: ref.maxRssMB + cur.maxRssMB + process.resourceUsage().maxRSS / 1024,
    singleThreadMaxRssMB: process.resourceUsage().maxRSS / 1024,
    profileBytes: JSON.stringify(ref.profile).length,
    table: formatDriftTable(report),
    columns: report.columns.map((c) => ({ column: c.column, test: c.test, statistic: c.statistic, drifted: c.drifted, errorBound: c.detail.errorBound ?? 0 })),
  }),
);
