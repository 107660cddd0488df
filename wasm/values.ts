// AssemblyScript source of the exact value table behind numeric column profiles (compiled by
// scripts/build-wasm.mjs into lib/drift/value-table.wasm.ts; lib/drift/value-table.ts drives it).
// One instance holds one table: distinct f64 values with their counts, open addressing with linear
// probing. The hash, the initial size and the growth rule are the JavaScript table's, so both lay
// values out identically and profiles do not depend on which one ran.
//
// `moments` and `addChunk` also do what the profile's two loops over a chunk do: the count, sum and
// range of the non-NaN values, then the sum of squared deviations from the chunk mean while adding
// each value to the table, stopping right after the table outgrows `cap` distinct values. Both take
// the running totals of the slices before, so a chunk fed slice by slice sums in the same order as
// one loop over it.

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
// Tables start at 16 slots and double as values arrive (like the JavaScript table): a wide file's
// many numeric columns mostly hold few distinct values. `capacity` is kept for the interface.
export function init(capacity: i32): void {
  allocTable(16);
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

/** Count, sum, min and max of the non-NaN inputs [0, n), continuing from the given totals. */
export function moments(n: i32, cnt0: f64, sum0: f64, min0: f64, max0: f64): void {
  let cnt = cnt0;
  let sum = sum0;
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
 * Adds the non-NaN inputs [0, n) to the table (-0 as 0) and adds their squared deviations from
 * `mean` to m2From, into m2(); stops after the value that takes the table past `cap` distinct values and
 * returns the index after it (n when every value went in).
 */
export function addChunk(n: i32, cap: i32, mean: f64, m2From: f64): i32 {
  let m2 = m2From;
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

/** Sorts the (NaN-free) inputs [0, n) ascending in place. */
export function sortInput(n: i32): void {
  radixSort(input, n);
}

// Sorts n NaN-free f64 at `data` ascending in place: LSD radix sort on 11-bit digits, skipping the
// digits every value shares (integers stored as doubles skip most of them).
function radixSort(data: usize, n: i32): void {
  if (n < 2) return;
  if (n > scratchCap) {
    scratchCap = max(n, scratchCap * 2);
    scratch = heap.alloc(<usize>scratchCap << 3);
  }
  if (hist == 0) hist = heap.alloc(6 * 2048 * 4);
  memory.fill(hist, 0, 6 * 2048 * 4);
  let src = data;
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
  for (let i = 0; i < n; i++) store<u64>(data + (<usize>i << 3), valueBits(load<u64>(src + (<usize>i << 3))));
}

// ---- Centroid summaries (lib/drift/centroids.ts): the batch path, arithmetic for arithmetic ----
// The summary's arrays live in this instance's memory (JavaScript views them); these functions do
// what CentroidSummary.addArray/flush/mergeIn/compact/groupsFor do, in the same order of operations,
// so both produce identical groups.

const BATCH: i32 = 8192;
let gSum: usize = 0;
let gCnt: usize = 0;
let gMn: usize = 0;
let gMx: usize = 0;
let gQ: usize = 0;
let gS2: usize = 0;
let gC2: usize = 0;
let gA2: usize = 0;
let gB2: usize = 0;
let gQ2: usize = 0;
let gBuf: usize = 0;
let gCapacity: i32 = 0;
let gSize: i32 = 0;
let gBuffered: i32 = 0;
let gN: f64 = 0;
let gTau: f64 = 0;
let gTauN: f64 = 0;

@inline function at(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

@inline function put(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}

/** Points the batch path at the summary's arrays (after every allocation on the JavaScript side). */
export function centroidBind(sum: usize, cnt: usize, mn: usize, mx: usize, q: usize, s2: usize, c2: usize, a2: usize, b2: usize, q2: usize, buf: usize, capacity: i32): void {
  gSum = sum;
  gCnt = cnt;
  gMn = mn;
  gMx = mx;
  gQ = q;
  gS2 = s2;
  gC2 = c2;
  gA2 = a2;
  gB2 = b2;
  gQ2 = q2;
  gBuf = buf;
  gCapacity = capacity;
}

/** Loads the summary's scalar state (JavaScript → WebAssembly). */
export function centroidSync(size: i32, buffered: i32, n: f64, tau: f64, tauN: f64): void {
  gSize = size;
  gBuffered = buffered;
  gN = n;
  gTau = tau;
  gTauN = tauN;
}

export function centroidSize(): i32 { return gSize; }
export function centroidBuffered(): i32 { return gBuffered; }
export function centroidN(): f64 { return gN; }
export function centroidTau(): f64 { return gTau; }
export function centroidTauN(): f64 { return gTauN; }

/** addArray: the non-NaN inputs [0, n) into the batch (-0 as 0), flushing full batches. */
export function centroidAddInput(n: i32): void {
  let b = gBuffered;
  for (let i = 0; i < n; i++) {
    const v = at(input, i);
    if (v != v) continue;
    put(gBuf, b++, v + 0);
    if (b == BATCH) {
      gBuffered = b;
      centroidFlush();
      b = 0;
    }
  }
  gBuffered = b;
}

/** flush: sort the batch into point groups and merge them in. */
export function centroidFlush(): void {
  const b = gBuffered;
  if (b == 0) return;
  gBuffered = 0;
  radixSort(gBuf, b);
  let k = 0;
  let i = 0;
  while (i < b) {
    const v = at(gBuf, i);
    let j = i + 1;
    while (j < b && at(gBuf, j) == v) j++;
    put(gS2, k, v * <f64>(j - i));
    put(gC2, k, <f64>(j - i));
    put(gA2, k, v);
    put(gB2, k, v);
    put(gQ2, k, 0);
    k++;
    i = j;
  }
  gN += <f64>b;
  mergeIn(k);
}

/** mergeIn: merge k sorted scratch groups with the current ones, then compact. */
export function mergeIn(k: i32): void {
  const total = gSize + k;
  let i = gSize - 1;
  let j = k - 1;
  let w = total - 1;
  while (j >= 0) {
    if (i >= 0 && at(gSum, i) / at(gCnt, i) > at(gS2, j) / at(gC2, j)) {
      put(gSum, w, at(gSum, i));
      put(gCnt, w, at(gCnt, i));
      put(gMn, w, at(gMn, i));
      put(gMx, w, at(gMx, i));
      put(gQ, w, at(gQ, i));
      i--;
    } else {
      put(gSum, w, at(gS2, j));
      put(gCnt, w, at(gC2, j));
      put(gMn, w, at(gA2, j));
      put(gMx, w, at(gB2, j));
      put(gQ, w, at(gQ2, j));
      j--;
    }
    w--;
  }
  gSize = total;
  compact();
}

function groupsFor(tau: f64, maxMass: f64, write: bool): i32 {
  const size = gSize;
  let groups = 0;
  let gs = at(gSum, 0);
  let gc = at(gCnt, 0);
  let ga = at(gMn, 0);
  let gb = at(gMx, 0);
  let gq = at(gQ, 0);
  for (let i = 1; i < size; i++) {
    const mi = at(gMn, i);
    const xi = at(gMx, i);
    const ci = at(gCnt, i);
    const a = mi < ga ? mi : ga;
    const b = xi > gb ? xi : gb;
    const c = gc + ci;
    const width = b - a;
    if (width == 0 || (c <= maxMass && c * width <= tau)) {
      const si = at(gSum, i);
      if (write) {
        const d = si / ci - gs / gc;
        gq += at(gQ, i) + (d * d * gc * ci) / c;
      }
      gs += si;
      gc = c;
      ga = a;
      gb = b;
    } else {
      if (write) {
        put(gSum, groups, gs);
        put(gCnt, groups, gc);
        put(gMn, groups, ga);
        put(gMx, groups, gb);
        put(gQ, groups, gq);
      }
      groups++;
      gs = at(gSum, i);
      gc = ci;
      ga = mi;
      gb = xi;
      gq = at(gQ, i);
    }
  }
  if (write) {
    put(gSum, groups, gs);
    put(gCnt, groups, gc);
    put(gMn, groups, ga);
    put(gMx, groups, gb);
    put(gQ, groups, gq);
  }
  return groups + 1;
}

function compact(): void {
  const cap = gCapacity;
  if (gSize <= cap) return;
  const maxMass = max<f64>(1, Math.floor((2 * gN) / <f64>cap));
  let tau: f64 = gTau > 0 ? (gTau * gN) / gTauN : 0;
  if (!(tau > 0)) {
    const range = at(gMx, gSize - 1) - at(gMn, 0);
    let w: f64 = 0;
    for (let i = 0; i < gSize; i++) w = max<f64>(w, at(gMx, i) - at(gMn, i));
    let spread = max<f64>(range, w);
    if (spread == 0 || spread != spread) spread = 1;
    tau = (spread * gN) / <f64>cap / 8;
  }
  if (groupsFor(tau, maxMass, false) <= cap) {
    for (let step = 0; step < 6; step++) {
      const t = tau * 0.7;
      if (groupsFor(t, maxMass, false) > cap) break;
      tau = t;
    }
  } else {
    for (let step = 0; step < 200; step++) {
      tau *= 1.4;
      if (groupsFor(tau, maxMass, false) <= cap) break;
    }
  }
  gSize = groupsFor(tau, maxMass, true);
  gTau = tau;
  gTauN = gN;
}

export function alloc(bytes: i32): usize {
  return heap.alloc(<usize>bytes);
}
