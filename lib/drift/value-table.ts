/**
 * Exact value tables for numeric profiles: distinct doubles with their counts. Two implementations
 * with one layout (same hash, initial size and growth rule, so iteration order and every result
 * are identical): a WebAssembly one (source wasm/values.ts), used when WebAssembly is available and
 * STEWARD_WASM is not `0`, and a JavaScript one.
 *
 * Besides single additions, a table takes a whole chunk (`addChunk`): the count, sum and range of
 * its non-NaN values, then every value into the table with the sum of squared deviations from the
 * chunk mean, stopping right after the table outgrows a cap. These are the profile's two inner loops
 * (`npm run bench:kernels`: 15 ns/value in WebAssembly, 26 in JavaScript). The WebAssembly table
 * copies the chunk in slices of SLICE values, so its memory is the table plus 64 KB whatever the
 * chunk size.
 *
 * @example
 *   const t = createValueTable(20_001);
 *   const out = new Float64Array(5);
 *   const stop = t.addChunk(values, Infinity, -Infinity, 20_000, out); // out = [count, sum, min, max, M2]
 */
import { embeddedKernel } from '../runtime/wasm';
import { VALUE_TABLE_WASM_BASE64 } from './value-table.wasm';

/** Distinct values, ascending, with their counts. */
export interface ValueCounts {
  values: number[];
  counts: number[];
}

/** See the module comment. */
export interface ValueTable {
  readonly size: number;
  /** Adds w to the count of v (v must not be NaN). */
  add(v: number, w: number): void;
  /**
   * Takes one chunk: out[0..3] = count, sum, min and max of its non-NaN values (min/max continue
   * from the given ones); then adds those values (-0 as 0) in order and puts their sum of squared
   * deviations from the chunk mean in out[4]. Stops after the value that takes the table past `cap`
   * distinct values and returns the index after it (values.length when every value went in).
   */
  addChunk(values: Float64Array, min: number, max: number, cap: number, out: Float64Array): number;
  /** Slot arrays (a count of 0 marks an empty slot), in table order. */
  entries(): { keys: Float64Array; counts: Float64Array };
  sorted(): ValueCounts;
}

/**
 * count, sum, min and max of the non-NaN values into out[0..3] (min/max start from the given ones).
 *
 * @example
 *   const out = new Float64Array(5);
 *   chunkMoments(Float64Array.of(1, NaN, 3), Infinity, -Infinity, out); // out: [2, 4, 1, 3, 0]
 */
export function chunkMoments(values: Float64Array, min: number, max: number, out: Float64Array): void {
  let cnt = 0;
  let sum = 0;
  let mn = min;
  let mx = max;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) continue;
    cnt++;
    sum += v;
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  out[0] = cnt;
  out[1] = sum;
  out[2] = mn;
  out[3] = mx;
}

// Tables start small and double as values arrive: a wide file has thousands of numeric columns,
// most with few distinct values, and 16 slots per column instead of 1,024 is what keeps it in memory.
const INITIAL_SLOTS = 16;

function sortedOf(keys: Float64Array, counts: Float64Array): ValueCounts {
  const order: number[] = [];
  for (let i = 0; i < counts.length; i++) if (counts[i] > 0) order.push(i);
  order.sort((a, b) => keys[a] - keys[b]);
  return { values: order.map((i) => keys[i]), counts: order.map((i) => counts[i]) };
}

/** Values copied into a WebAssembly table per call: 64 KB. */
const SLICE = 8192;

const bits64 = new Float64Array(1);
const bits32 = new Uint32Array(bits64.buffer);

/** The JavaScript table: open addressing, doubling at half load. */
class JsValueTable implements ValueTable {
  keys: Float64Array;
  counts: Float64Array;
  size = 0;
  private mask: number;
  private grow: number;

  constructor() {
    const c = INITIAL_SLOTS;
    this.keys = new Float64Array(c);
    this.counts = new Float64Array(c);
    this.mask = c - 1;
    this.grow = c >>> 1;
  }

  add(v: number, w: number): void {
    bits64[0] = v;
    let h = Math.imul(bits32[0] ^ Math.imul(bits32[1], 0x85ebca6b), 0x9e3779b1);
    h ^= h >>> 15;
    let slot = h & this.mask;
    const keys = this.keys;
    const counts = this.counts;
    for (;;) {
      if (counts[slot] === 0) {
        keys[slot] = v;
        counts[slot] = w;
        if (++this.size > this.grow) this.rehash();
        return;
      }
      if (keys[slot] === v) {
        counts[slot] += w;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  private rehash(): void {
    const oldKeys = this.keys;
    const oldCounts = this.counts;
    const c = oldKeys.length * 2;
    this.keys = new Float64Array(c);
    this.counts = new Float64Array(c);
    this.mask = c - 1;
    this.grow = c >>> 1;
    this.size = 0;
    for (let i = 0; i < oldKeys.length; i++) if (oldCounts[i] > 0) this.add(oldKeys[i], oldCounts[i]);
  }

  addChunk(values: Float64Array, min: number, max: number, cap: number, out: Float64Array): number {
    chunkMoments(values, min, max, out);
    const n = values.length;
    out[4] = 0;
    if (out[0] === 0) return n;
    const mean = out[1] / out[0];
    let m2 = 0;
    let i = 0;
    while (i < n) {
      const v = values[i++];
      if (v !== v) continue;
      const d = v - mean;
      m2 += d * d;
      this.add(v + 0, 1); // -0 and 0 are one value
      if (this.size > cap) break;
    }
    out[4] = m2;
    return i;
  }

  entries(): { keys: Float64Array; counts: Float64Array } {
    return { keys: this.keys, counts: this.counts };
  }

  sorted(): ValueCounts {
    return sortedOf(this.keys, this.counts);
  }
}

/** The exports of one instance of wasm/values.ts (value table, sort, centroid batch path). */
export interface NumericKernel {
  memory: { buffer: ArrayBuffer };
  alloc(bytes: number): number;
  centroidBind(sum: number, cnt: number, mn: number, mx: number, q: number, s2: number, c2: number, a2: number, b2: number, q2: number, buf: number, capacity: number): void;
  centroidSync(size: number, buffered: number, n: number, tau: number, tauN: number): void;
  centroidSize(): number;
  centroidBuffered(): number;
  centroidN(): number;
  centroidTau(): number;
  centroidTauN(): number;
  centroidAddInput(n: number): void;
  centroidFlush(): void;
  mergeIn(k: number): void;
  init(capacity: number): void;
  inputPtr(n: number): number;
  add(v: number, w: number): void;
  moments(n: number, cnt: number, sum: number, min: number, max: number): void;
  addChunk(n: number, cap: number, mean: number, m2: number): number;
  count(): number;
  sum(): number;
  minimum(): number;
  maximum(): number;
  m2(): number;
  tableSize(): number;
  slots(): number;
  tablePtr(): number;
  sortInput(n: number): void;
}

const numeric = embeddedKernel<NumericKernel>(VALUE_TABLE_WASM_BASE64, 'numeric');

/** The WebAssembly table: one instance (and memory) per table, freed with it. */
class WasmValueTable implements ValueTable {
  private readonly k: NumericKernel;

  constructor(kernel: NumericKernel, capacity: number) {
    this.k = kernel;
    this.k.init(capacity);
  }

  get size(): number {
    return this.k.tableSize();
  }

  add(v: number, w: number): void {
    this.k.add(v, w);
  }

  addChunk(values: Float64Array, min: number, max: number, cap: number, out: Float64Array): number {
    const k = this.k;
    const n = values.length;
    const input = (from: number, to: number): number => {
      const ptr = k.inputPtr(to - from);
      new Float64Array(k.memory.buffer, ptr, to - from).set(values.subarray(from, to));
      return to - from;
    };
    let cnt = 0;
    let sum = 0;
    let mn = min;
    let mx = max;
    for (let s = 0; s < n; s += SLICE) {
      k.moments(input(s, Math.min(n, s + SLICE)), cnt, sum, mn, mx);
      cnt = k.count();
      sum = k.sum();
      mn = k.minimum();
      mx = k.maximum();
    }
    out[0] = cnt;
    out[1] = sum;
    out[2] = mn;
    out[3] = mx;
    out[4] = 0;
    if (cnt === 0) return n;
    const mean = sum / cnt;
    for (let s = 0; s < n; s += SLICE) {
      const stop = k.addChunk(input(s, Math.min(n, s + SLICE)), cap, mean, out[4]);
      out[4] = k.m2();
      if (k.tableSize() > cap) return s + stop;
    }
    return n;
  }

  entries(): { keys: Float64Array; counts: Float64Array } {
    const k = this.k;
    const n = k.slots();
    const pairs = new Float64Array(k.memory.buffer, k.tablePtr(), 2 * n);
    const keys = new Float64Array(n);
    const counts = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      keys[i] = pairs[2 * i];
      counts[i] = pairs[2 * i + 1];
    }
    return { keys, counts };
  }

  sorted(): ValueCounts {
    const { keys, counts } = this.entries();
    return sortedOf(keys, counts);
  }
}


/**
 * A fresh instance of the numeric kernel (its own memory), or null when WebAssembly is unavailable
 * or switched off (STEWARD_WASM=0).
 *
 * @example
 *   const k = newNumericKernel(); // used by CentroidSummary for its batch path
 */
export function newNumericKernel(): NumericKernel | null {
  return numeric.instantiate();
}

let sorter: NumericKernel | null = null;

/**
 * Sorts NaN-free values ascending in place (-0 before 0), like `Float64Array.prototype.sort`: a
 * radix sort in WebAssembly when available (`npm run bench:kernels`: 20 ns/value on 8,192-value
 * batches, against 72 for the native sort).
 *
 * @example
 *   sortFloat64(Float64Array.of(3, -1, 2)); // Float64Array [-1, 2, 3]
 */
export function sortFloat64(values: Float64Array): Float64Array {
  if (values.length < 64 || !numeric.enabled()) return values.sort();
  sorter ??= numeric.instantiate();
  if (!sorter) return values.sort();
  const ptr = sorter.inputPtr(values.length);
  new Float64Array(sorter.memory.buffer, ptr, values.length).set(values);
  sorter.sortInput(values.length);
  values.set(new Float64Array(sorter.memory.buffer, ptr, values.length));
  return values;
}

/**
 * A table for about `capacity` distinct values (it grows past that when asked to).
 *
 * @example
 *   const t = createValueTable(100);
 *   t.add(1.5, 2);
 *   t.sorted(); // { values: [1.5], counts: [2] }
 */
export function createValueTable(capacity: number): ValueTable {
  const kernel = numeric.instantiate();
  return kernel ? new WasmValueTable(kernel, capacity) : new JsValueTable();
}
