import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createValueTable, sortFloat64 } from './value-table';

// The WebAssembly table and sort must give exactly what the JavaScript ones give: same slots in the
// same order, same moments bit for bit, same stopping point at the cap.

function withWasm<T>(on: boolean, f: () => T): T {
  process.env.STEWARD_WASM = on ? '1' : '0';
  try {
    return f();
  } finally {
    delete process.env.STEWARD_WASM;
  }
}

// Few distinct values (so counts grow), -0 and NaN (missing) included.
const value = fc.oneof(fc.integer({ min: -50, max: 50 }).map((k) => k / 4), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(-0, 0, Number.NaN, 1e300, -1e-300));

function run(on: boolean, chunks: number[][], cap: number) {
  return withWasm(on, () => {
    const t = createValueTable(cap + 1);
    const out = new Float64Array(5);
    const steps: number[][] = [];
    for (const chunk of chunks) {
      const values = Float64Array.from(chunk);
      const stop = t.addChunk(values, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, cap, out);
      steps.push([...out, stop, t.size]);
      if (t.size > cap) break;
    }
    t.add(2.5, 3);
    const { keys, counts } = t.entries();
    return { steps, keys: Array.from(keys), counts: Array.from(counts), sorted: t.sorted() };
  });
}

describe('value tables', () => {
  afterEach(() => {
    delete process.env.STEWARD_WASM;
  });

  it('WebAssembly and JavaScript tables agree on slots, moments and the cap', () => {
    fc.assert(
      fc.property(fc.array(fc.array(value, { maxLength: 400 }), { maxLength: 6 }), fc.integer({ min: 1, max: 300 }), (chunks, cap) => {
        expect(run(true, chunks, cap)).toEqual(run(false, chunks, cap));
      }),
      { numRuns: 200 },
    );
  });

  it('agrees on chunks longer than the slice the WebAssembly table copies at a time', () => {
    // 30,000 values with 6,000 distinct ones and NaNs: three slices of 8,192 and a rest; with cap
    // 5,000 the table overflows part-way through the chunk, with cap 20,000 it takes all of it.
    const chunk = Array.from({ length: 30_000 }, (_, i) => (i % 17 === 0 ? Number.NaN : ((i * 7919) % 6000) / 8));
    for (const cap of [5_000, 20_000]) {
      const wasm = run(true, [chunk, chunk.slice(0, 9_000)], cap);
      expect(wasm).toEqual(run(false, [chunk, chunk.slice(0, 9_000)], cap));
      const stop = wasm.steps[0][5];
      if (cap === 5_000) expect(stop).toBeLessThan(30_000);
      else expect(stop).toBe(30_000);
    }
  });

  it('counts -0 and 0 as one value and keeps 20,000 distinct values exactly', () => {
    const values = Float64Array.from({ length: 40_000 }, (_, i) => (i % 20_000) - 10_000);
    values[30_000] = -0; // was 0: the table must merge it with the 0 at index 10,000
    const t = createValueTable(20_001);
    const out = new Float64Array(5);
    expect(t.addChunk(values, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 20_000, out)).toBe(40_000);
    const s = t.sorted();
    expect(s.values.length).toBe(20_000);
    expect(s.counts.every((c) => c === 2)).toBe(true);
    expect(Object.is(s.values[10_000], 0)).toBe(true);
  });

  it('sortFloat64 sorts like Float64Array.prototype.sort (-0 before 0), in either implementation', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double({ noNaN: true }), fc.integer({ min: -5, max: 5 }), fc.constantFrom(-0, 0)), { maxLength: 3000 }), (xs) => {
        const expected = Float64Array.from(xs).sort();
        for (const on of [true, false]) {
          const got = withWasm(on, () => sortFloat64(Float64Array.from(xs)));
          expect(Array.from(got, (v) => (Object.is(v, -0) ? '-0' : v))).toEqual(Array.from(expected, (v) => (Object.is(v, -0) ? '-0' : v)));
        }
      }),
      { numRuns: 150 },
    );
  });
});
