import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DataChunk } from './chunk';
import { CHUNK_CELLS, scanChunks } from '../data/reader';
import { liveInstances, MAX_LIVE_INSTANCES } from '../runtime/wasm';
import { tempFile } from '../../test/support/temp-files';
import { mergeProfiles, ProfileBuilder, weightedQuantiles } from './profile';

const dict = ['a', 'b', 'c', 'd'];

/** Split parallel columns into chunks at the given sizes (cycled). */
function chunksOf(xs: number[], cats: number[], sizes: number[]): DataChunk[] {
  const out: DataChunk[] = [];
  let i = 0;
  let s = 0;
  while (i < xs.length) {
    const n = Math.max(1, sizes[s++ % sizes.length]);
    const end = Math.min(xs.length, i + n);
    out.push({
      firstRow: i + 2,
      rows: end - i,
      columns: [
        { name: 'x', type: 'numeric', values: Float64Array.from(xs.slice(i, end)) },
        { name: 'c', type: 'categorical', codes: Int32Array.from(cats.slice(i, end)), dictionary: dict },
      ],
    });
    i = end;
  }
  return out;
}

function profileOf(chunks: DataChunk[], opts = {}) {
  const b = new ProfileBuilder(opts);
  for (const c of chunks) b.add(c);
  return b.finish();
}

const values = fc.array(fc.oneof(fc.integer({ min: -20, max: 20 }), fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.constant(Number.NaN)), { minLength: 1, maxLength: 200 });

describe('ProfileBuilder', () => {
  it('reports count, missing, mean, population std, range and numpy-linear quantiles', () => {
    const p = profileOf(chunksOf([1, 2, Number.NaN, 3, 4], [0, 1, -1, 1, 2], [2]));
    const x = p.columns.find((c) => c.name === 'x');
    expect(x).toMatchObject({ kind: 'number', rows: 5, count: 4, missing: 1, mean: 2.5, min: 1, max: 4 });
    if (x?.kind !== 'number') throw new Error('numeric profile expected');
    expect(x.std).toBeCloseTo(Math.sqrt(1.25), 14);
    expect(x.quantiles.values[x.quantiles.probs.indexOf(0.25)]).toBe(1.75);
    expect(x.exact).toEqual({ values: [1, 2, 3, 4], counts: [1, 1, 1, 1] });
    expect(p.columns.find((c) => c.name === 'c')).toMatchObject({ categories: ['b', 'a', 'c'], counts: [2, 1, 1], missing: 1, count: 4 });
  });

  it('is JSON-serialisable and versioned', () => {
    const p = profileOf(chunksOf([1, 2, 3], [0, 1, 2], [3]));
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
    expect(p.version).toBe(1);
  });

  it('does not depend on chunking or row order, and merging halves equals profiling the whole', () => {
    fc.assert(
      fc.property(values, fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 5 }), (xs, sizes) => {
        const cats = xs.map((_, i) => (i * 7) % 5 - 1);
        const whole = profileOf(chunksOf(xs, cats, [xs.length]));
        const chunked = profileOf(chunksOf(xs, cats, sizes));
        const reversed = profileOf(chunksOf([...xs].reverse(), [...cats].reverse(), sizes));
        const half = Math.floor(xs.length / 2);
        const merged = mergeProfiles(profileOf(chunksOf(xs.slice(0, half), cats.slice(0, half), sizes)), profileOf(chunksOf(xs.slice(half), cats.slice(half), sizes)));
        for (const other of [chunked, reversed, merged]) {
          for (let i = 0; i < whole.columns.length; i++) {
            const a = whole.columns[i];
            const b = other.columns.find((c) => c.name === a.name)!;
            if (a.kind === 'number' && b.kind === 'number') {
              // Exact parts are identical; floating moments agree to rounding.
              expect(b.exact).toEqual(a.exact);
              expect(b.histogram).toEqual(a.histogram);
              expect([b.count, b.missing, b.min, b.max]).toEqual([a.count, a.missing, a.min, a.max]);
              if (a.count > 0) {
                expect(Math.abs(b.mean - a.mean)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(a.mean)));
                expect(Math.abs(b.std - a.std)).toBeLessThanOrEqual(1e-9 * (1 + a.std));
              }
            } else expect(b).toEqual(a);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('switches from exact counts to a bounded centroid summary past exactCap distinct values', () => {
    const n = 50_000;
    const xs = Array.from({ length: n }, (_, i) => ((i * 7919) % n) / n);
    const p = profileOf(chunksOf(xs, xs.map(() => 0), [4096]), { exactCap: 1000, centroids: 200 });
    const x = p.columns.find((c) => c.name === 'x');
    if (x?.kind !== 'number') throw new Error('numeric profile expected');
    expect(x.exact).toBeNull();
    expect(x.summary?.n).toBe(n);
    expect(x.summary!.means.length).toBeLessThanOrEqual(200);
    expect(x.summary!.rankBound).toBeLessThan(0.02);
    expect(Math.abs(x.quantiles.values[x.quantiles.probs.indexOf(0.5)] - 0.5)).toBeLessThan(0.01);
    expect(x.histogram.counts.reduce((a, b) => a + b, 0)).toBeCloseTo(n, 6);
  });

  it('counts a current window exactly on the reference cuts when given the reference', () => {
    const ref = profileOf(chunksOf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], Array(10).fill(0), [10]));
    const b = new ProfileBuilder({ reference: ref });
    chunksOf([0, 5.5, 100, Number.NaN], [0, 0, 0, 0], [2]).forEach((c) => b.add(c));
    const x = b.finish().columns.find((c) => c.name === 'x');
    if (x?.kind !== 'number' || ref.columns[0].kind !== 'number') throw new Error('numeric profile expected');
    expect(x.referenceHistogram?.cuts).toEqual(ref.columns[0].histogram.cuts);
    expect(x.referenceHistogram?.counts.reduce((a, c) => a + c, 0)).toBe(3);
    expect(x.referenceHistogram?.counts[0]).toBe(1);
    expect(x.referenceHistogram?.counts.at(-1)).toBe(1);
  });

  it('keeps the most frequent categories and folds the rest into otherCount', () => {
    const p = profileOf(chunksOf([1, 1, 1, 1, 1, 1], [0, 0, 0, 1, 1, 2], [6]), { maxCategories: 2 });
    expect(p.columns.find((c) => c.name === 'c')).toMatchObject({ categories: ['a', 'b'], counts: [3, 2], otherCount: 1 });
  });

  it('rejects a column whose type changes between chunks', () => {
    const b = new ProfileBuilder();
    b.add({ firstRow: 2, rows: 1, columns: [{ name: 'x', type: 'numeric', values: Float64Array.of(1) }] });
    expect(() => b.add({ firstRow: 3, rows: 1, columns: [{ name: 'x', type: 'categorical', codes: Int32Array.of(0), dictionary: ['a'] }] })).toThrow(
      expect.objectContaining({ type: 'DataContractViolation' }),
    );
  });
});

describe('weightedQuantiles', () => {
  it('weighted quantiles equal numpy linear quantiles of the expanded sample', () => {
    expect(weightedQuantiles([1, 2, 3], [1, 1, 2], [0, 0.5, 1])).toEqual([1, 2.5, 3]);
  });

});

describe('wide files', () => {
  it('profiles 20,000 columns x 2 rows with a bounded number of WebAssembly instances and small chunks', async () => {
    const columns = 20_000;
    const header = Array.from({ length: columns }, (_, i) => `c${i}`).join(',');
    const row = (r: number) => Array.from({ length: columns }, (_, i) => String((i * 7 + r) % 13)).join(',');
    const file = tempFile(`${header}\n${row(0)}\n${row(1)}\n`, 'wide.csv');
    const builder = new ProfileBuilder();
    let largestChunk = 0;
    await scanChunks(file, { columns: Array.from({ length: columns }, (_, i) => ({ name: `c${i}`, type: 'numeric' as const })) }, (chunk) => {
      largestChunk = Math.max(largestChunk, chunk.rows * chunk.columns.length);
      builder.add(chunk);
    });
    const profile = builder.finish();
    expect(profile.rows).toBe(2);
    expect(profile.columns).toHaveLength(columns);
    const last = profile.columns[columns - 1];
    expect(last.kind === 'number' && [last.min, last.max]).toEqual([((columns - 1) * 7) % 13, (((columns - 1) * 7) % 13) + 1]);
    expect(liveInstances()).toBeLessThanOrEqual(MAX_LIVE_INSTANCES);
    expect(largestChunk).toBeLessThanOrEqual(CHUNK_CELLS);
  });
});
