/**
 * Micro-benchmarks behind the WebAssembly kernels' claims, each with the kernels on and off
 * (STEWARD_WASM), best of 5 in one process:
 * - sorting 8,192-value batches (what a centroid summary sorts): radix sort vs Float64Array.sort;
 * - exact value tables: one 65,536-row chunk of 10,000 distinct decimals, moments + table;
 * - reading + profiling one bench file, and the same with reuseBuffers off.
 *
 *   npm run bench:kernels [-- --rows N]
 */
import { readChunks } from '../../lib/data/reader';
import { ProfileBuilder } from '../../lib/drift/profile';
import { createValueTable, sortFloat64 } from '../../lib/drift/value-table';
import { benchColumns, generateBenchFiles } from './generate';

const args = process.argv.slice(2);
const rowsAt = args.indexOf('--rows');
const rows = rowsAt >= 0 ? Number(args[rowsAt + 1]) : 1_000_000;
const { reference } = generateBenchFiles('.tools/bench-drift-data', rows);

function best(run: () => void, repeats = 5): number {
  let b = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    run();
    b = Math.min(b, performance.now() - t0);
  }
  return b;
}

async function bestAsync(run: () => Promise<void>, repeats = 5): Promise<number> {
  let b = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await run();
    b = Math.min(b, performance.now() - t0);
  }
  return b;
}

function withWasm<T>(on: boolean, f: () => T): T {
  process.env.STEWARD_WASM = on ? '1' : '0';
  try {
    return f();
  } finally {
    delete process.env.STEWARD_WASM;
  }
}

const batches = Array.from({ length: 300 }, (_, b) => Float64Array.from({ length: 8192 }, (_, i) => ((i * 2654435761 + b * 97) % 1_500_000) + 12_285));
const chunk = Float64Array.from({ length: 65_536 }, (_, i) => ((i * 7919) % 10_000) / 100);
const out = new Float64Array(5);

const lines: string[] = [];
for (const on of [true, false]) {
  const label = on ? 'WebAssembly' : 'JavaScript ';
  const sortMs = best(() => withWasm(on, () => batches.map((x) => x.slice()).forEach((x) => sortFloat64(x))));
  const tableMs = best(() =>
    withWasm(on, () => {
      const t = createValueTable(20_001);
      for (let k = 0; k < 10; k++) t.addChunk(chunk, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 20_000, out);
    }),
  );
  const profileMs = async (reuseBuffers: boolean) =>
    bestAsync(async () => {
      process.env.STEWARD_WASM = on ? '1' : '0';
      const b = new ProfileBuilder();
      for await (const c of readChunks(reference, { columns: benchColumns, reuseBuffers })) b.add(c);
      b.finish();
      delete process.env.STEWARD_WASM;
    }, 3);
  const reused = await profileMs(true);
  const fresh = await profileMs(false);
  lines.push(
    `${label}  sort ${((sortMs * 1e6) / (300 * 8192)).toFixed(1)} ns/value   value table ${((tableMs * 1e6) / (10 * 65_536)).toFixed(1)} ns/value   read+profile ${rows} rows ${(reused / 1000).toFixed(2)} s (reuseBuffers off: ${(fresh / 1000).toFixed(2)} s)`,
  );
}
console.log(lines.join('\n'));
