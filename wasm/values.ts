// AssemblyScript source of the exact value table behind numeric column profiles (compiled by
// scripts/build-wasm.mjs into lib/drift/value-table.wasm.ts; lib/drift/value-table.ts drives it).
// One instance holds one table: distinct f64 values with their counts, open addressing with linear
// probing. The hash, the initial size and the growth rule are the JavaScript table's, so both lay
// values out identically and profiles do not depend on which one ran.
//
// `addChunk` also does what the profile's two loops over a chunk do: the count, sum and range of
// the non-NaN values (`moments`), then the sum of squared deviations from the chunk mean while
// adding each value to the table, stopping right after the table outgrows `cap` distinct values.

let table: usize = 0; // slots of { key: f64, count: f64 } (one cache line per probe); count 0 = empty
let mask: u32 = 0;
let size: i32 = 0;
let growAt: i32 = 0;
let input: usize = 0;
let inputCap: i32 = 0;

let mCount: f64 = 0;
let mSum: f64 = 0;
let mMin: f64 = 0;
let mMax: f64 = 0;
let mM2: f64 = 0;

function allocTable(slots: i32): void {
  table = heap.alloc(<usize>slots << 4);
  memory.fill(table, 0, <usize>slots << 4);
  mask = <u32>slots - 1;
  growAt = slots >>> 1;
  size = 0;
}

/** A table sized for `capacity` distinct values, like the JavaScript one (at most 1024 slots up front). */
export function init(capacity: i32): void {
  let c = 16;
  while (c < capacity * 2 && c < 1024) c *= 2;
  allocTable(c);
}

/** Pointer to room for n f64 inputs (valid until the next call to it). */
export function inputPtr(n: i32): usize {
  if (n > inputCap) {
    inputCap = max(n, inputCap * 2);
    input = heap.alloc(<usize>inputCap << 3);
  }
  return input;
}

@inline function slotOf(v: f64): u32 {
  const bits = reinterpret<u64>(v);
  let h = (<u32>bits ^ (<u32>(bits >> 32) * 0x85ebca6b)) * 0x9e3779b1;
  h ^= h >>> 15;
  return h & mask;
}

function rehash(): void {
  const old = table;
  const oldSlots = <i32>mask + 1;
  allocTable(oldSlots * 2);
  for (let i = 0; i < oldSlots; i++) {
    const e = old + (<usize>i << 4);
    const c = load<f64>(e, 8);
    if (c > 0) add(load<f64>(e), c);
  }
}

/** Adds w to the count of v. */
export function add(v: f64, w: f64): void {
  let slot = slotOf(v);
  for (;;) {
    const e = table + (<usize>slot << 4);
    const c = load<f64>(e, 8);
    if (c == 0) {
      store<f64>(e, v);
      store<f64>(e, w, 8);
      if (++size > growAt) rehash();
      return;
    }
    if (load<f64>(e) == v) {
      store<f64>(e, c + w, 8);
      return;
    }
    slot = (slot + 1) & mask;
  }
}

/** Count, sum, min and max of the non-NaN inputs [0, n), starting from min0/max0. */
export function moments(n: i32, min0: f64, max0: f64): void {
  let cnt: f64 = 0;
  let sum: f64 = 0;
  let mn = min0;
  let mx = max0;
  for (let i = 0; i < n; i++) {
    const v = load<f64>(input + (<usize>i << 3));
    if (v != v) continue;
    cnt += 1;
    sum += v;
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  mCount = cnt;
  mSum = sum;
  mMin = mn;
  mMax = mx;
}

/**
 * Adds the non-NaN inputs [0, n) to the table (-0 as 0) and sums their squared deviations from
 * `mean` into m2(); stops after the value that takes the table past `cap` distinct values and
 * returns the index after it (n when every value went in).
 */
export function addChunk(n: i32, cap: i32, mean: f64): i32 {
  let m2: f64 = 0;
  let i = 0;
  while (i < n) {
    const v = load<f64>(input + (<usize>i << 3));
    i++;
    if (v != v) continue;
    const d = v - mean;
    m2 += d * d;
    add(v == 0 ? 0 : v, 1); // -0 and 0 are one value
    if (size > cap) break;
  }
  mM2 = m2;
  return i;
}

export function count(): f64 { return mCount; }
export function sum(): f64 { return mSum; }
export function minimum(): f64 { return mMin; }
export function maximum(): f64 { return mMax; }
export function m2(): f64 { return mM2; }
export function tableSize(): i32 { return size; }
export function slots(): i32 { return <i32>mask + 1; }
/** The slots: interleaved (key, count) pairs. */
export function tablePtr(): usize { return table; }

// ---- Sorting (used by centroid summaries: one shared instance, no table) ----

let scratch: usize = 0;
let scratchCap: i32 = 0;
let hist: usize = 0; // u32[6 * 2048]

@inline function orderKey(bits: u64): u64 {
  // Flip negatives entirely and positives' sign bit: unsigned order of keys = numeric order of
  // values, with -0 before +0 as in Float64Array.prototype.sort.
  return bits ^ (<u64>(<i64>bits >> 63) | 0x8000000000000000);
}

@inline function valueBits(key: u64): u64 {
  return key ^ (((key >> 63) - 1) | 0x8000000000000000);
}

/** Sorts the (NaN-free) inputs [0, n) ascending in place: LSD radix sort on 11-bit digits, skipping digits every value shares. */
export function sortInput(n: i32): void {
  if (n < 2) return;
  if (n > scratchCap) {
    scratchCap = max(n, scratchCap * 2);
    scratch = heap.alloc(<usize>scratchCap << 3);
  }
  if (hist == 0) hist = heap.alloc(6 * 2048 * 4);
  memory.fill(hist, 0, 6 * 2048 * 4);
  let src = input;
  let dst = scratch;
  for (let i = 0; i < n; i++) {
    const at = src + (<usize>i << 3);
    const k = orderKey(load<u64>(at));
    store<u64>(at, k);
    for (let d = 0; d < 6; d++) {
      const h = hist + (<usize>d << 13) + (<usize>((k >> (<u64>d * 11)) & 2047) << 2);
      store<u32>(h, load<u32>(h) + 1);
    }
  }
  for (let d = 0; d < 6; d++) {
    const h = hist + (<usize>d << 13);
    const shift = <u64>d * 11;
    const first = <usize>((load<u64>(src) >> shift) & 2047);
    if (load<u32>(h + (first << 2)) == <u32>n) continue; // every value has this digit
    let total: u32 = 0;
    for (let b = 0; b < 2048; b++) {
      const c = load<u32>(h + (<usize>b << 2));
      store<u32>(h + (<usize>b << 2), total);
      total += c;
    }
    for (let i = 0; i < n; i++) {
      const k = load<u64>(src + (<usize>i << 3));
      const slot = h + (<usize>((k >> shift) & 2047) << 2);
      const to = load<u32>(slot);
      store<u32>(slot, to + 1);
      store<u64>(dst + (<usize>to << 3), k);
    }
    const t = src;
    src = dst;
    dst = t;
  }
  for (let i = 0; i < n; i++) store<u64>(input + (<usize>i << 3), valueBits(load<u64>(src + (<usize>i << 3))));
}
