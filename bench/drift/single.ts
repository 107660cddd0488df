/**
 * Single-thread micro-benchmark of one file (for CPU profiles and A/B runs of the reader and profiler).
 *
 *   node --import tsx bench/drift/single.ts FILE [read|profile] [repeats]
 *
 * Prints one line per repeat: seconds, MB/s, M values/s.
 */
import { statSync } from 'node:fs';
import { readChunks } from '../../lib/data/reader';
import { ProfileBuilder } from '../../lib/drift/profile';
import { benchColumns } from './generate';

const [file, mode = 'profile', repeatsText = '3'] = process.argv.slice(2);
const bytes = statSync(file).size;
for (let k = 0; k < Number(repeatsText); k++) {
  const t0 = performance.now();
  let rows = 0;
  const b = new ProfileBuilder(process.env.CAP ? { exactCap: Number(process.env.CAP) } : {});
  for await (const chunk of readChunks(file, { columns: benchColumns, reuseBuffers: true, ...(process.env.BUF ? { bufferBytes: Number(process.env.BUF) } : {}) })) {
    rows += chunk.rows;
    if (mode === 'profile') b.add(chunk);
  }
  if (mode === 'profile') b.finish();
  const s = (performance.now() - t0) / 1000;
  console.log(`${mode} ${s.toFixed(3)} s  ${(bytes / 1e6 / s).toFixed(0)} MB/s  ${((rows * benchColumns.length) / s / 1e6).toFixed(2)} M values/s`);
}
