/**
 * One side of the parallel drift benchmark: reads one CSV and profiles it in its own process (one
 * core), then prints { profile, seconds, maxRssMB } as JSON.
 *
 * @example
 *   node --import tsx bench/drift/profile_worker.ts reference.csv
 */
import { readChunks } from '../../lib/data/reader';
import { ProfileBuilder } from '../../lib/drift/profile';
import { benchColumns } from './generate';

const file = process.argv[2];
const t0 = performance.now();
const b = new ProfileBuilder();
for await (const chunk of readChunks(file, { columns: benchColumns })) b.add(chunk);
const profile = b.finish();
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(JSON.stringify({ profile, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
