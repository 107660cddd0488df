/**
 * The measured Steward path, run in its own process so its RSS high-water mark is its own:
 * read reference CSV → profile → read current CSV → profile on the reference's bins → default
 * drift suite. Prints one JSON line.
 *
 * @example
 *   npx tsx bench/drift/steward_path.ts reference.csv current.csv
 */
import { readChunks } from '../../lib/data/reader';
import { computeDrift, formatDriftTable } from '../../lib/drift/suite';
import { ProfileBuilder } from '../../lib/drift/profile';
import { benchColumns } from './generate';

const [refFile, curFile] = process.argv.slice(2);
const t0 = performance.now();
const rb = new ProfileBuilder();
for await (const chunk of readChunks(refFile, { columns: benchColumns })) rb.add(chunk);
const reference = rb.finish();
const t1 = performance.now();
const cb = new ProfileBuilder({ reference });
for await (const chunk of readChunks(curFile, { columns: benchColumns })) cb.add(chunk);
const current = cb.finish();
const t2 = performance.now();
const report = computeDrift(reference, current);
const t3 = performance.now();
console.log(
  JSON.stringify({
    seconds: (t3 - t0) / 1000,
    referenceSeconds: (t1 - t0) / 1000,
    currentSeconds: (t2 - t1) / 1000,
    driftSeconds: (t3 - t2) / 1000,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    profileBytes: JSON.stringify(reference).length,
    table: formatDriftTable(report),
  }),
);
