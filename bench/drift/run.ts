/**
 * Drift benchmark: Steward's streaming path vs Evidently's DataDriftPreset on the same files.
 *
 *   npx tsx bench/drift/run.ts [--rows N] [--skip-evidently]
 *
 * Generates (once, deterministically) reference/current CSVs of N rows × 20 columns under
 * .tools/bench-drift-data, times the Steward path (steward_path.ts: both files profiled in parallel,
 * one worker thread each; the new file alone against the stored reference profile, in a fresh
 * process; a single-thread run and a reader-only run), then Evidently in
 * .tools/bench-venv (created here if absent: evidently==0.6.7, pandas==2.2.3), and prints one
 * table: sizes, wall time, values/s (total and per core), single-thread numbers, peak RSS,
 * Evidently's time, the ratio, and per-column agreement with Evidently (max |Δ statistic|,
 * verdict disagreements, and Steward's certified error bound for summarised columns).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { generateBenchFiles } from './generate';

const args = process.argv.slice(2);
const rowsFlag = args.indexOf('--rows');
const rows = rowsFlag >= 0 ? Number(args[rowsFlag + 1]) : 1_000_000;
if (!Number.isInteger(rows) || rows < 100) throw new Error('--rows needs an integer >= 100');
const skipEvidently = args.includes('--skip-evidently');
const VENV = '.tools/bench-venv';

const tg = performance.now();
const { reference, current, columns } = generateBenchFiles('.tools/bench-drift-data', rows);
console.log(`data: 2 × ${rows} rows × ${columns.length} columns (${((performance.now() - tg) / 1000).toFixed(1)} s to generate or reuse)`);

const values = 2 * rows * columns.length;
const steward = JSON.parse(
  execFileSync(process.execPath, ['--import', 'tsx', 'bench/drift/steward_path.ts', reference, current], { encoding: 'utf8', maxBuffer: 1 << 26 }),
) as {
  seconds: number;
  parallelRange: [number, number];
  threads: number;
  referenceSeconds: number;
  currentSeconds: number;
  driftSeconds: number;
  storedReferenceWallSeconds: number;
  storedReferenceSeconds: number;
  storedReferenceMaxRssMB: number;
  singleThreadSeconds: number;
  readerSeconds: number;
  readerBytes: number;
  readerRows: number;
  maxRssMB: number;
  singleThreadMaxRssMB: number;
  profileBytes: number;
  table: string;
  columns: { column: string; test: string; statistic: number; drifted: boolean; errorBound: number }[];
};
console.log(`\n${steward.table}\n`);

let ev: { seconds: number; maxRssMB: number; driftedColumns: number; share: number; columns: Record<string, [string, number, boolean]> } | null = null;
if (!skipEvidently) {
  if (!existsSync(`${VENV}/bin/python`)) {
    execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
    execFileSync(`${VENV}/bin/pip`, ['install', '-q', 'evidently==0.6.7', 'pandas==2.2.3'], { stdio: 'inherit' });
  }
  ev = JSON.parse(execFileSync(`${VENV}/bin/python`, ['bench/drift/evidently_bench.py', reference, current], { encoding: 'utf8', maxBuffer: 1 << 26 }));
}

const M = (x: number) => `${(x / 1e6).toFixed(2)} M`;
const rowsOut: [string, string][] = [
  ['rows', `2 × ${rows.toLocaleString('en-US')}`],
  ['columns', String(columns.length)],
  ['values', values.toLocaleString('en-US')],
  ['wall time (2 threads, 2 cores)', `${steward.seconds.toFixed(2)} s median of 3 (${steward.parallelRange.map((x) => x.toFixed(2)).join('–')} s; reference ${steward.referenceSeconds.toFixed(2)} s ‖ current ${steward.currentSeconds.toFixed(2)} s, tests ${(steward.driftSeconds * 1000).toFixed(0)} ms)`],
  ['values/s', `${M(values / steward.seconds)}`],
  ['values/s per core', `${M(values / steward.seconds / steward.threads)}  (total values / wall time / ${steward.threads} cores)`],
  ['one file vs stored reference profile', `${steward.storedReferenceWallSeconds.toFixed(2)} s wall (median of 3) in a fresh process (${steward.storedReferenceSeconds.toFixed(2)} s inside it) = ${M(values / 2 / steward.storedReferenceWallSeconds)} values/s on 1 core, peak RSS ${steward.storedReferenceMaxRssMB.toFixed(0)} MB`],
  ['single thread: read+profile+tests', `${steward.singleThreadSeconds.toFixed(2)} s  = ${M(values / steward.singleThreadSeconds)} values/s`],
  ['single thread: reader only', `${(steward.readerBytes / 1e6 / steward.readerSeconds).toFixed(0)} MB/s, ${M((steward.readerRows * columns.length) / steward.readerSeconds)} values/s`],
  ['peak RSS', `${steward.maxRssMB.toFixed(0)} MB (process with both threads; single-thread run ${steward.singleThreadMaxRssMB.toFixed(0)} MB)`],
  ['reference profile', `${(steward.profileBytes / 1024).toFixed(0)} KB JSON`],
];
if (ev) {
  rowsOut.push(['Evidently time', `${ev.seconds.toFixed(2)} s (peak RSS ${ev.maxRssMB.toFixed(0)} MB)`]);
  rowsOut.push(['ratio (Evidently / Steward wall)', `${(ev.seconds / steward.seconds).toFixed(1)}×  (single thread ${(ev.seconds / steward.singleThreadSeconds).toFixed(1)}×)`]);
  rowsOut.push(['ratio, release/check path', `${(ev.seconds / steward.storedReferenceWallSeconds).toFixed(1)}×  (Evidently needs both files every time; Steward reads only the new one)`]);
  let maxDiff = 0;
  let maxAt = '';
  const disagree: string[] = [];
  for (const c of steward.columns) {
    const e = ev.columns[c.column];
    if (!e) continue;
    const d = Math.abs(c.statistic - e[1]);
    if (d > maxDiff) {
      maxDiff = d;
      maxAt = c.column;
    }
    if (c.drifted !== e[2]) disagree.push(`${c.column} (steward ${c.drifted ? 'DRIFT' : 'ok'}, evidently ${e[2] ? 'DRIFT' : 'ok'})`);
  }
  rowsOut.push(['agreement: max |Δ statistic|', `${maxDiff.toExponential(2)}${maxAt ? ` (${maxAt})` : ''}`]);
  rowsOut.push(['agreement: verdict disagreements', disagree.length === 0 ? 'none' : disagree.join(', ')]);
}
const maxBound = Math.max(...steward.columns.map((c) => c.errorBound));
rowsOut.push(['certified max error bound (summaries)', maxBound.toExponential(2)]);
const w = Math.max(...rowsOut.map((r) => r[0].length));
console.log(rowsOut.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n'));
if (ev) {
  console.log('\nper column:            steward        evidently        |Δ|      bound   verdicts');
  for (const c of steward.columns) {
    const e = ev.columns[c.column];
    if (!e) continue;
    console.log(
      `  ${c.column.padEnd(16)} ${c.statistic.toPrecision(6).padStart(12)} ${e[1].toPrecision(6).padStart(14)} ${Math.abs(c.statistic - e[1]).toExponential(1).padStart(10)} ${c.errorBound.toExponential(1).padStart(9)}   ${c.drifted ? 'DRIFT' : 'ok'}/${e[2] ? 'DRIFT' : 'ok'}`,
    );
  }
}
