// AssemblyScript source of the CSV scan kernel (compiled by scripts/build-wasm.mjs into
// lib/data/csv-kernel.wasm.ts; lib/data/kernel.ts drives it). It does, for plain records, what
// CsvTokenizer.plainRecords and the column converters do in JavaScript, in one pass and without
// intermediate field offsets:
//
// - numbers: a sign, up to 15 digits and an optional `.` are parsed exactly like the JS fast path
//   (an integer mantissa divided once by an exact power of ten, so both round identically) and stored
//   in the slot's f64 column; anything else (empty, `?`, exponents, 16+ digits, a fraction in an
//   integer column) becomes an exception that JavaScript converts with the general rules;
// - categories: the field's bytes are hashed and looked up in the slot's table; a value never seen
//   stops the scan at the start of its record (SCAN_NEED_CODE) so JavaScript can decide its code
//   (dictionary, missing tokens, normalisers) and `define` it, after which the record is re-scanned;
// - text columns (booleans, timestamps) are exceptions by construction.
//
// A record is committed only once it ended in LF with exactly `nFields` fields, each at most
// `maxField` bytes, before `end`; anything else (ragged, too long, a quote or CR ahead) stops the
// kernel so the general tokenizer reports or handles it. The input ends with a sentinel LF and 64
// bytes of padding, so vector loads past a field are always inside the buffer.

const LF: u64 = 10;
const MIX: u64 = 0x9e3779b97f4a7c15;

const SKIP: u8 = 0;
const NUM: u8 = 1;
const INT: u8 = 2;
const CAT: u8 = 3;
const TEXT: u8 = 4;

export const SCAN_STOPPED: i32 = 0; // the kernel went as far as it can; the general path goes on
export const SCAN_NEED_CODE: i32 = 1; // define(pendingSlot, pending bytes) then scan again
export const SCAN_EXCEPTIONS_FULL: i32 = 2; // drain the exceptions then scan again
export const SCAN_ROWS_FULL: i32 = 3; // `maxRows` records are stored: copy them out, scan again

const POW10: StaticArray<f64> = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

let nFields: i32 = 0;
let capacity: i32 = 0;
let sepByte: u32 = 0; // first byte of the separator
let sepLen: i32 = 1; // separators of up to 8 bytes (Adult's ", " is two)
let sepBytes: u64 = 0; // the whole separator, little-endian
let sepMask: u64 = 0xff;
let trimBlanks: bool = false; // categories are looked up without surrounding spaces/tabs
let maxField: i32 = 0;

let kinds: usize = 0; // u8[nFields]
let slotOf: usize = 0; // i32[nFields]
let nums: usize = 0; // f64[slots * capacity], column-major
let codes: usize = 0; // i32[slots * capacity], column-major
let lines: usize = 0; // i32[capacity]
let exc: usize = 0; // i32[excCap * 4]: slot, row, byte offset of the field from `input`, its length
let excCap: i32 = 0;
let excN: i32 = 0;

// Category tables, one per slot: open addressing, 16-byte entries { hash: u32, len: i32, ptr: u32, code + 2: i32 } (codes
// start at -1, missing; 0 marks an empty entry).
let tables: usize = 0; // per slot: ptr (u32), mask (u32), size (u32), pad
let pool: usize = 0;
let poolEnd: usize = 0;

// Scan state, read back by JavaScript.
let outRow: i32 = 0;
let outPos: i32 = 0;
let outLine: i32 = 0;
let pendingSlot: i32 = -1;
let pendingPtr: usize = 0;
let pendingLen: i32 = 0;
let pendingHash: u32 = 0;

export function alloc(bytes: i32): usize {
  return heap.alloc(<usize>bytes);
}

/**
 * Lays out the per-read arrays. `sep` is the separator's bytes little-endian (1 to 8 of them,
 * `sepLength`); `trim` asks for categories to be looked up without surrounding spaces and tabs.
 */
export function configure(fields: i32, slotCount: i32, cap: i32, sep: u64, sepLength: i32, trim: i32, maxFieldBytes: i32, exceptionCap: i32): void {
  nFields = fields;
  capacity = cap;
  sepByte = <u32>(sep & 0xff);
  sepLen = sepLength;
  sepBytes = sep;
  sepMask = sepLength >= 8 ? <u64>-1 : (<u64>1 << (<u64>sepLength << 3)) - 1;
  trimBlanks = trim != 0;
  sepVec = i8x16.splat(<i8>sepByte);
  maxField = maxFieldBytes;
  kinds = heap.alloc(<usize>fields + 8);
  slotOf = heap.alloc(<usize>fields * 4 + 8);
  nums = heap.alloc(<usize>slotCount * <usize>cap * 8 + 8);
  codes = heap.alloc(<usize>slotCount * <usize>cap * 4 + 8);
  lines = heap.alloc(<usize>cap * 4 + 8);
  excCap = exceptionCap;
  exc = heap.alloc(<usize>exceptionCap * 16 + 16);
  tables = heap.alloc(<usize>slotCount * 16 + 16);
  for (let s = 0; s < slotCount; s++) {
    const t = tables + (<usize>s << 4);
    const size: u32 = 64;
    const ptr = heap.alloc(<usize>size << 4);
    memory.fill(ptr, 0, <usize>size << 4);
    store<u32>(t, <u32>ptr);
    store<u32>(t, size - 1, 4);
    store<u32>(t, 0, 8);
  }
  pool = heap.alloc(65536);
  poolEnd = pool + 65536;
}

export function kindsPtr(): usize { return kinds; }
export function slotOfPtr(): usize { return slotOf; }
export function numsPtr(): usize { return nums; }
export function codesPtr(): usize { return codes; }
export function linesPtr(): usize { return lines; }
export function excPtr(): usize { return exc; }
export function excCount(): i32 { return excN; }
export function resetExceptions(): void { excN = 0; }
export function row(): i32 { return outRow; }
export function pos(): i32 { return outPos; }
export function line(): i32 { return outLine; }
export function pendingSlotOf(): i32 { return pendingSlot; }
export function pendingPtrOf(): usize { return pendingPtr; }
export function pendingLenOf(): i32 { return pendingLen; }

// Delimiter bitmap of the 64 bytes from blockBase: bit k is set when byte blockBase + k is the
// separator or LF. Fields are found by counting trailing zeros in it, so the end of a field costs a
// few instructions and no branch on its length.
let blockBase: usize = 0;
let blockMask: u64 = 0;
let sepVec: v128 = i8x16.splat(0);
const lfVec: v128 = i8x16.splat(10);

@inline function delimiters16(p: usize): u64 {
  const v = v128.load(p);
  return <u64>i8x16.bitmask(v128.or(i8x16.eq(v, sepVec), i8x16.eq(v, lfVec)));
}

@inline function loadBlock(p: usize): void {
  blockBase = p;
  blockMask = delimiters16(p) | (delimiters16(p + 16) << 16) | (delimiters16(p + 32) << 32) | (delimiters16(p + 48) << 48);
}

// True when the whole (multi-byte) separator starts at p; the caller has seen its first byte there.
@inline function separatorAt(p: usize): bool {
  return sepLen == 1 || ((load<u64>(p) ^ sepBytes) & sepMask) == 0;
}

// Offset of the first LF or whole separator at or after `i` (i >= blockBase).
@inline function fieldEnd(i: usize): usize {
  let from = i;
  let m: u64 = 0;
  let at: usize = 0;
  for (;;) {
    const off = from - blockBase;
    if (off < 64) {
      m = blockMask & (<u64>-1 << <u64>off);
      if (m != 0) {
        at = blockBase + <usize>ctz(m);
        if (<u64>load<u8>(at) == LF || separatorAt(at)) break;
        from = at + 1; // a separator's first byte alone: part of the field
        continue;
      }
      from = blockBase + 64; // none in this block: the field goes on past it
    }
    loadBlock(from);
  }
  return at;
}

@inline function hashBytes(p: usize, len: i32): u32 {
  let h: u64 = <u64>len * MIX;
  let k = len;
  while (k >= 8) {
    h = (h ^ load<u64>(p)) * MIX;
    h ^= h >> 32;
    p += 8;
    k -= 8;
  }
  if (k > 0) {
    const tail = load<u64>(p) & ((<u64>1 << (<u64>k << 3)) - 1);
    h = (h ^ tail) * MIX;
    h ^= h >> 32;
  }
  return <u32>h ^ <u32>(h >> 29);
}

@inline function sameBytes(a: usize, b: usize, len: i32): bool {
  let k = len;
  while (k >= 8) {
    if (load<u64>(a) != load<u64>(b)) return false;
    a += 8;
    b += 8;
    k -= 8;
  }
  if (k == 0) return true;
  const mask = (<u64>1 << (<u64>k << 3)) - 1;
  return ((load<u64>(a) ^ load<u64>(b)) & mask) == 0;
}

// Code + 2 of the bytes in the slot's table, or 0 when absent.
@inline function lookup(slot: i32, p: usize, len: i32, h: u32): i32 {
  const t = tables + (<usize>slot << 4);
  const base = <usize>load<u32>(t);
  const mask = load<u32>(t, 4);
  let i = h & mask;
  let c: i32 = 0;
  for (;;) {
    const e = base + (<usize>i << 4);
    c = load<i32>(e, 12);
    if (c == 0) break;
    if (load<u32>(e) == h && load<i32>(e, 4) == len && sameBytes(<usize>load<u32>(e, 8), p, len)) break;
    i = (i + 1) & mask;
  }
  return c;
}

function insert(t: usize, h: u32, len: i32, ptr: u32, codePlus2: i32): void {
  const base = <usize>load<u32>(t);
  const mask = load<u32>(t, 4);
  let i = h & mask;
  for (;;) {
    const e = base + (<usize>i << 4);
    if (load<i32>(e, 12) == 0) {
      store<u32>(e, h);
      store<i32>(e, len, 4);
      store<u32>(e, ptr, 8);
      store<i32>(e, codePlus2, 12);
      return;
    }
    i = (i + 1) & mask;
  }
}

/** Learns the pending category (the bytes the last SCAN_NEED_CODE stopped at) as `code`. */
export function define(code: i32): void {
  const slot = pendingSlot;
  const len = pendingLen;
  const t = tables + (<usize>slot << 4);
  const size = load<u32>(t, 8);
  const mask = load<u32>(t, 4);
  if ((size + 1) * 2 > mask + 1) {
    // Grow the table. The old one is not freed: this module's bump allocator never frees, and a
    // table only grows to twice its final size in all.
    const oldBase = <usize>load<u32>(t);
    const oldSlots = mask + 1;
    const nextSlots = oldSlots << 1;
    const ptr = heap.alloc(<usize>nextSlots << 4);
    memory.fill(ptr, 0, <usize>nextSlots << 4);
    store<u32>(t, <u32>ptr);
    store<u32>(t, nextSlots - 1, 4);
    for (let i: u32 = 0; i < oldSlots; i++) {
      const e = oldBase + (<usize>i << 4);
      const c = load<i32>(e, 12);
      if (c != 0) insert(t, load<u32>(e), load<i32>(e, 4), load<u32>(e, 8), c);
    }
  }
  const need = (<usize>len + 15) & ~(<usize>7);
  if (pool + need > poolEnd) {
    const block = max<usize>(65536, need);
    pool = heap.alloc(block);
    poolEnd = pool + block;
  }
  const ptr = pool;
  memory.copy(ptr, pendingPtr, <usize>len);
  pool += need;
  insert(t, pendingHash, len, <u32>ptr, code + 2);
  store<u32>(t, size + 1, 8);
  pendingSlot = -1;
}

// Records a field for JavaScript to convert: its slot, row, offset from `input` and length.
@inline function pushException(slot: i32, row: i32, offset: i32, length: i32): void {
  const x = exc + (<usize>excN << 4);
  store<i32>(x, slot);
  store<i32>(x, row, 4);
  store<i32>(x, offset, 8);
  store<i32>(x, length, 12);
  excN++;
}

/**
 * Scans records from `input + start` while they end before `input + end`, storing them at rows
 * `rowIn`, `rowIn + 1`, … up to (not including) `maxRows` ≤ the configured capacity. `lineIn` is
 * the 1-based line at `start`. Returns a SCAN_* status; row() (the next free row), pos() (offset
 * from `input`) and line() tell where it stopped.
 */
export function scan(input: usize, start: i32, end: i32, rowIn: i32, maxRows: i32, lineIn: i32): i32 {
  let p = input + <usize>start;
  const stop = input + <usize>end;
  let r = rowIn;
  let ln = lineIn;
  let status = SCAN_STOPPED;
  const sep = sepByte;
  const fields = nFields;
  const cap = min(capacity, maxRows);
  const cap8 = <usize>capacity << 3;
  const cap4 = <usize>capacity << 2;
  const limitField = maxField;
  loadBlock(p);
  while (r < cap && p < stop) {
    if (<u64>load<u8>(p) == LF) {
      p++;
      ln++;
      continue;
    }
    if (excN + fields > excCap) {
      status = SCAN_EXCEPTIONS_FULL;
      break;
    }
    const excMark = excN;
    let i = p;
    let f = 0;
    let c: u32 = 0;
    let halt = false; // stop the kernel at this record (it is not committed)
    for (;;) {
      const fs = i;
      const kind = load<u8>(kinds + <usize>f);
      const slot = load<i32>(slotOf + (<usize>f << 2));
      if (kind == NUM || kind == INT) {
        let j = i;
        const negative = load<u8>(j) == 45;
        if (negative) j++;
        const digitStart = j;
        let m: i64 = 0;
        let d = <u32>load<u8>(j) - 48;
        while (d <= 9) {
          m = m * 10 + <i64>d;
          j++;
          d = <u32>load<u8>(j) - 48;
        }
        let digits = <i32>(j - digitStart);
        let fraction = 0;
        if (load<u8>(j) == 46) {
          j++;
          const fractionStart = j;
          d = <u32>load<u8>(j) - 48;
          while (d <= 9) {
            m = m * 10 + <i64>d;
            j++;
            d = <u32>load<u8>(j) - 48;
          }
          fraction = <i32>(j - fractionStart);
          digits += fraction;
        }
        c = <u32>load<u8>(j);
        const out = nums + <usize>slot * cap8 + (<usize>r << 3);
        if (digits > 0 && digits <= 15 && (c == 10 || (c == sep && separatorAt(j)))) {
          let v = fraction == 0 ? <f64>m : <f64>m / unchecked(POW10[fraction]);
          if (negative) v = -v;
          i = j;
          if (kind == INT && v != Math.floor(v)) {
            store<f64>(out, NaN);
            pushException(slot, r, <i32>(fs - input), <i32>(i - fs));
          } else store<f64>(out, v);
        } else {
          i = fieldEnd(j);
          c = <u32>load<u8>(i);
          store<f64>(out, NaN);
          if (i != fs) { // an empty numeric field is missing, as in JavaScript
            pushException(slot, r, <i32>(fs - input), <i32>(i - fs));
          }
        }
      } else {
        i = fieldEnd(i);
        c = <u32>load<u8>(i);
        if (kind == CAT) {
          let a = fs;
          let b = i;
          if (trimBlanks) {
            while (a < b && (load<u8>(a) == 32 || load<u8>(a) == 9)) a++;
            while (b > a && (load<u8>(b - 1) == 32 || load<u8>(b - 1) == 9)) b--;
          }
          const len = <i32>(b - a);
          const h = hashBytes(a, len);
          const code = lookup(slot, a, len, h);
          if (code == 0) {
            if (<i32>(i - fs) <= limitField) {
              pendingSlot = slot;
              pendingPtr = a;
              pendingLen = len;
              pendingHash = h;
              status = SCAN_NEED_CODE;
            }
            halt = true;
            break;
          }
          store<i32>(codes + <usize>slot * cap4 + (<usize>r << 2), code - 2);
        } else if (kind == TEXT) {
          pushException(slot, r, <i32>(fs - input), <i32>(i - fs));
        }
      }
      if (<i32>(i - fs) > limitField) {
        halt = true;
        break;
      }
      f++;
      if (c == 10) break;
      if (f >= fields) {
        halt = true; // too wide: the general path reports it
        break;
      }
      i += <usize>sepLen;
    }
    if (halt || f != fields || i >= stop) {
      excN = excMark;
      break;
    }
    store<i32>(lines + (<usize>r << 2), ln);
    r++;
    p = i + 1;
    ln++;
  }
  if (status == SCAN_STOPPED && r == cap && p < stop) status = SCAN_ROWS_FULL;
  outRow = r;
  outPos = <i32>(p - input);
  outLine = ln;
  return status;
}
