/**
 * The release / `steward data check` path of the drift benchmark, in its own process: loads the
 * stored reference profile, profiles one CSV against it (exact counts on the reference's cuts) and
 * runs the default drift suite, then prints { seconds, maxRssMB, drifted } as JSON. `seconds` covers
 * loading the stored profile too.
 *
 * @example
 *   node --import tsx bench/drift/check_worker.ts current.csv reference-profile.json
 */
import { readFileSync } from 'node:fs';
import { readChunks } from '../../lib/data/reader';
import { type DatasetProfile, ProfileBuilder } from '../../lib/drift/profile';
import { computeDrift } from '../../lib/drift/suite';
import { benchColumns } from './generate';

const [file, stored] = process.argv.slice(2);
const t0 = performance.now();
const reference = JSON.parse(readFileSync(stored, 'utf8')) as DatasetProfile;
const b = new ProfileBuilder({ reference });
for await (const chunk of readChunks(file, { columns: benchColumns, reuseBuffers: true })) b.add(chunk);
const report = computeDrift(reference, b.finish());
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(JSON.stringify({ seconds, maxRssMB: process.resourceUsage().maxRSS / 1024, drifted: report.columns.filter((c) => c.drifted).length }));
