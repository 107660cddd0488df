/**
 * Drift benchmark: Steward's streaming path vs Evidently's DataDriftPreset on the same files.
 *
 *   npx tsx bench/drift/run.ts [--rows N] [--skip-evidently]
 *
 * Generates (once, deterministically) reference/current CSVs of N rows × 20 columns under
 * .tools/bench-drift-data, times the Steward path in a child process (its own RSS high-water mark),
 * then Evidently in .tools/bench-venv (created here if absent: evidently==0.6.7, pandas==2.2.3, the
 * newest pair that imports together here), and prints both with the throughput ratio.
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
) as { seconds: number; referenceSeconds: number; currentSeconds: number; driftSeconds: number; maxRssMB: number; profileBytes: number; table: string };
console.log(`\n${steward.table}\n`);
const line = (name: string, s: number, rss: number) =>
  `${name.padEnd(10)} ${s.toFixed(2).padStart(8)} s  ${((2 * rows) / s / 1e6).toFixed(3).padStart(8)} M rows/s  ${(values / s / 1e6).toFixed(2).padStart(8)} M values/s  peak RSS ${rss.toFixed(0)} MB`;
console.log(line('steward', steward.seconds, steward.maxRssMB));
console.log(
  `           (reference ${steward.referenceSeconds.toFixed(2)} s, current ${steward.currentSeconds.toFixed(2)} s, tests ${(steward.driftSeconds * 1000).toFixed(1)} ms; reference profile ${(steward.profileBytes / 1024).toFixed(0)} KB JSON)`,
);

if (!skipEvidently) {
  if (!existsSync(`${VENV}/bin/python`)) {
    execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
    execFileSync(`${VENV}/bin/pip`, ['install', '-q', 'evidently==0.6.7', 'pandas==2.2.3'], { stdio: 'inherit' });
  }
  const ev = JSON.parse(execFileSync(`${VENV}/bin/python`, ['bench/drift/evidently_bench.py', reference, current], { encoding: 'utf8', maxBuffer: 1 << 26 })) as {
    seconds: number;
    maxRssMB: number;
    driftedColumns: number;
    share: number;
    columns: Record<string, [string, number, boolean]>;
  };
  console.log(line('evidently', ev.seconds, ev.maxRssMB));
  console.log(`\nspeed-up: ${(ev.seconds / steward.seconds).toFixed(1)}× (Evidently ${ev.driftedColumns} drifted columns, share ${ev.share.toFixed(2)})`);
  for (const [c, [test, score, drifted]] of Object.entries(ev.columns)) console.log(`  evidently ${c.padEnd(16)} ${test.padEnd(34)} ${score.toPrecision(4).padStart(10)} ${drifted ? 'DRIFT' : 'ok'}`);
}
