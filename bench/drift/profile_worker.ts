/**
 * One side of the parallel drift benchmark: reads one CSV and profiles it on its own thread (one
 * core), then posts { profile, seconds } to the parent (as a worker thread) or prints it with
 * maxRssMB as JSON (as a process).
 *
 * With `--reference PROFILE.json` it does what a release or `steward data check` does with a new
 * batch instead: loads the stored reference profile, profiles the file against it (exact counts on
 * the reference's cuts) and runs the default drift suite; `seconds` then covers loading the stored
 * profile too, and the output is { seconds, maxRssMB, drifted }.
 *
 * @example
 *   node --import tsx bench/drift/profile_worker.ts reference.csv
 *   node --import tsx bench/drift/profile_worker.ts current.csv --reference reference-profile.json
 */
import { readFileSync } from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { readChunks } from '../../lib/data/reader';
import { type DatasetProfile, ProfileBuilder } from '../../lib/drift/profile';
import { computeDrift } from '../../lib/drift/suite';
import { benchColumns } from './generate';

const argv: string[] = isMainThread ? process.argv.slice(2) : (workerData as { argv: string[] }).argv;
const file = argv[0];
const refAt = argv.indexOf('--reference');
const t0 = performance.now();
const reference = refAt > 0 ? (JSON.parse(readFileSync(argv[refAt + 1], 'utf8')) as DatasetProfile) : undefined;
const b = new ProfileBuilder(reference ? { reference } : {});
for await (const chunk of readChunks(file, { columns: benchColumns, reuseBuffers: true })) b.add(chunk);
const profile = b.finish();
if (reference) {
  const report = computeDrift(reference, profile);
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ seconds, maxRssMB: process.resourceUsage().maxRSS / 1024, drifted: report.columns.filter((c) => c.drifted).length }));
} else {
  const seconds = (performance.now() - t0) / 1000;
  if (parentPort) parentPort.postMessage({ profile, seconds });
  else process.stdout.write(JSON.stringify({ profile, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
}
