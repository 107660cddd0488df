/**
 * One side of the parallel drift benchmark: reads one CSV and profiles it on its own thread (one
 * core), then posts { profile, seconds } to the parent (as a worker thread) or prints it with
 * maxRssMB as JSON (as a process). Kept free of the drift suite's imports (zod) so a thread starts
 * by loading ~100 KB of JavaScript, not ~900 KB.
 *
 * @example
 *   node --import tsx bench/drift/profile_worker.ts reference.csv
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { readChunks } from '../../lib/data/reader';
import { ProfileBuilder } from '../../lib/drift/profile';
import { benchColumns } from './generate';

const file: string = isMainThread ? process.argv[2] : (workerData as { file: string }).file;
const t0 = performance.now();
const b = new ProfileBuilder();
for await (const chunk of readChunks(file, { columns: benchColumns, reuseBuffers: true })) b.add(chunk);
const profile = b.finish();
const seconds = (performance.now() - t0) / 1000;
if (parentPort) parentPort.postMessage({ profile, seconds });
else process.stdout.write(JSON.stringify({ profile, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
