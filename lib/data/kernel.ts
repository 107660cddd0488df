/**
 * The WebAssembly scan kernel (source: wasm/csv.ts) behind the CSV reader's fast path. For the
 * plain records of a window (a separator of up to 8 bytes, no quotes, no CR, declared types)
 * it tokenizes, parses numbers and codes categories in one pass, writing straight into column
 * arrays; the JavaScript tokenizer and converters take over at the first record it does not accept,
 * so results, errors and their row/column are the same with or without it (tests compare both).
 *
 * Values the kernel does not convert itself come back as exceptions and go through
 * `ColumnState.setText`: missing tokens, exponents, 16+ digit numbers, fractions in integer columns,
 * booleans and timestamps. A category never seen before stops the scan at its record; its code comes
 * from `ColumnState.code` (dictionary order, missing tokens and normalisers are JavaScript's), is
 * taught to the kernel, and the record is scanned again.
 *
 * `STEWARD_WASM=0` turns the kernel off (the pure JavaScript path, for comparisons).
 *
 * @example
 *   const kernel = CsvKernel.create(states, slotOf, { separator: Buffer.from(','), trim: false, maxFieldBytes: 1 << 20, rows: 65536 });
 *   if (kernel) kernel.run(src, tok); // before tok.tokenize(); rows it took are converted already
 */
import { type ColumnState, fieldText } from './columns';
import { embeddedKernel } from '../runtime/wasm';
import { CSV_KERNEL_WASM_BASE64 } from './csv-kernel.wasm';
import type { CsvTokenizer } from './csv';
import type { ByteSource } from './source';

const LF = 10;
const CR = 13;
const QUOTE = 34;

// scan() results (wasm/csv.ts); 0 means it went as far as it can.
const SCAN_NEED_CODE = 1;
const SCAN_EXCEPTIONS_FULL = 2;
const SCAN_ROWS_FULL = 3;

const KIND_SKIP = 0;
const KIND_NUMBER = 1;
const KIND_INTEGER = 2;
const KIND_CATEGORY = 3;
const KIND_TEXT = 4;

/** Output arrays of the kernel stay under this many bytes (rows per call shrink for wide files). */
const OUTPUT_BYTES = 16 << 20;
const EXCEPTIONS = 16384;

interface KernelExports {
  memory: { buffer: ArrayBuffer };
  alloc(bytes: number): number;
  configure(fields: number, slots: number, capacity: number, sep: bigint, sepLength: number, trim: number, maxField: number, exceptionCap: number): void;
  kindsPtr(): number;
  slotOfPtr(): number;
  numsPtr(): number;
  codesPtr(): number;
  linesPtr(): number;
  excPtr(): number;
  excCount(): number;
  resetExceptions(): void;
  row(): number;
  pos(): number;
  line(): number;
  pendingSlotOf(): number;
  pendingPtrOf(): number;
  pendingLenOf(): number;
  define(code: number): void;
  scan(input: number, start: number, end: number, rowIn: number, maxRows: number, line: number): number;
}

const kernel = embeddedKernel<KernelExports>(CSV_KERNEL_WASM_BASE64, 'CSV');

let recordsTaken = 0;

/**
 * Records the kernel has read in this process (for tests and diagnostics: proof that it engaged).
 *
 * @example
 *   const before = csvKernelRecords(); await readTable(file, options); csvKernelRecords() - before; // > 0
 */
export function csvKernelRecords(): number {
  return recordsTaken;
}

/** True when the kernel is compiled into this process and not switched off by STEWARD_WASM=0. */
export function csvKernelEnabled(): boolean {
  return kernel.enabled();
}

/**
 * One read's kernel instance (its own memory: reads never share state).
 *
 * @example
 *   const k = CsvKernel.create(states, slotOf, { separator: Buffer.from(', '), trim: true, maxFieldBytes: 1 << 20, rows: 65536 });
 */
export class CsvKernel {
  private u8!: Uint8Array;
  private f64!: Float64Array;
  private i32!: Int32Array;
  private input = 0;
  private inputBytes = 0;
  private readonly capacity: number;
  private readonly bySlot: (ColumnState | null)[];

  private constructor(
    private readonly k: KernelExports,
    private readonly states: readonly ColumnState[],
    fields: number,
    slotOf: Int32Array,
    separator: Uint8Array,
    private readonly trim: boolean,
    maxFieldBytes: number,
    rows: number,
  ) {
    const slots = states.length;
    this.capacity = Math.max(1, Math.min(rows, Math.floor(OUTPUT_BYTES / (12 * Math.max(1, slots)))));
    let sep = 0n;
    for (let b = separator.length - 1; b >= 0; b--) sep = (sep << 8n) | BigInt(separator[b]);
    k.configure(fields, slots, this.capacity, sep, separator.length, trim ? 1 : 0, maxFieldBytes, EXCEPTIONS);
    this.refresh();
    const kinds = k.kindsPtr();
    const slotPtr = k.slotOfPtr() >> 2;
    this.bySlot = states.map(() => null);
    for (let f = 0; f < fields; f++) {
      const slot = slotOf[f];
      this.i32[slotPtr + f] = slot;
      if (slot < 0) {
        this.u8[kinds + f] = KIND_SKIP;
        continue;
      }
      const st = states[slot];
      this.bySlot[slot] = st;
      this.u8[kinds + f] =
        st.type === 'numeric' ? KIND_NUMBER : st.type === 'integer' ? KIND_INTEGER : st.type === 'categorical' ? KIND_CATEGORY : KIND_TEXT;
    }
  }

  /**
   * A kernel for a read with these columns, or null when the kernel cannot serve it (switched off,
   * no WebAssembly, a separator over 8 bytes, or one starting with a byte the fused number scan would
   * confuse with a digit, sign or point).
   */
  static create(
    states: readonly ColumnState[],
    slotOf: Int32Array,
    o: { separator: Uint8Array; trim: boolean; maxFieldBytes: number; rows: number },
  ): CsvKernel | null {
    const sep = o.separator[0];
    if (o.separator.length > 8 || sep === 45 || sep === 46 || (sep >= 48 && sep <= 57) || o.separator.includes(LF) || o.separator.includes(CR) || o.separator.includes(QUOTE)) return null;
    const exports = kernel.instantiate();
    return exports ? new CsvKernel(exports, states, slotOf.length, slotOf, o.separator, o.trim, o.maxFieldBytes, o.rows) : null;
  }

  private refresh(): void {
    const buffer = this.k.memory.buffer;
    if (this.u8?.buffer === buffer) return;
    this.u8 = new Uint8Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.i32 = new Int32Array(buffer);
  }

  /**
   * Takes the plain records at the front of the source window into the tokenizer's current batch:
   * advances `src.pos`/`src.line` and `tok.rows`, fills `tok.lines`, and writes the rows' values
   * into the column states. Returns how many records it took.
   */
  run(src: ByteSource, tok: CsvTokenizer): number {
    const buf = src.buf;
    const pos = src.pos;
    const len = src.len;
    if (pos >= len || tok.rows >= tok.capacity) return 0;
    if (src.badAt >= 0 && src.badAt < len) return 0; // a bad byte: the general path names it
    const lastLf = buf.lastIndexOf(LF, len - 1);
    if (lastLf < pos) return 0;
    let stop = lastLf + 1;
    const q = buf.indexOf(QUOTE, pos);
    if (q >= 0 && q < stop) stop = q;
    const cr = buf.indexOf(CR, pos);
    if (cr >= 0 && cr < stop) stop = cr;
    const n = stop - pos;
    if (n <= 0) return 0;
    if (n + 80 > this.inputBytes) {
      this.inputBytes = Math.max(n + 80, this.inputBytes * 2);
      this.input = this.k.alloc(this.inputBytes);
      this.refresh();
    }
    const input = this.input;
    this.u8.set(buf.subarray(pos, stop), input);
    this.u8.fill(0, input + n, input + n + 80);
    this.u8[input + n] = LF; // sentinel: no scan runs past the copy

    const k = this.k;
    let start = 0;
    let line = src.line;
    let taken = 0;
    // Rows accumulate in the kernel's arrays across calls (a new category costs one call, not a
    // copy of every column) and are stored when the arrays are full, the exceptions are, or at the end.
    let held = 0;
    for (;;) {
      const limit = Math.min(this.capacity, tok.capacity - tok.rows);
      if (held >= limit) {
        if (held > 0) this.store(held, tok, buf, pos);
        held = 0;
        if (tok.rows >= tok.capacity) break;
        continue;
      }
      const status = k.scan(input, start, n, held, limit, line);
      const got = k.row() - held;
      held += got;
      taken += got;
      start = k.pos();
      line = k.line();
      if (status === SCAN_NEED_CODE) {
        const slot = k.pendingSlotOf();
        const at = k.pendingPtrOf() - input + pos;
        const code = (this.bySlot[slot] as ColumnState).code(buf.toString('utf8', at, at + k.pendingLenOf()));
        k.define(code);
        this.refresh();
        continue;
      }
      if (status === SCAN_EXCEPTIONS_FULL) {
        this.store(held, tok, buf, pos);
        held = 0;
        continue;
      }
      if (status === SCAN_ROWS_FULL) continue;
      break;
    }
    if (held > 0) this.store(held, tok, buf, pos);
    src.pos = pos + start;
    src.line = line;
    recordsTaken += taken;
    return taken;
  }

  // Copies `got` kernel rows into the batch at tok.rows, then converts the exceptions.
  private store(got: number, tok: CsvTokenizer, buf: Buffer, pos: number): void {
    const k = this.k;
    const at = tok.rows;
    const cap = this.capacity;
    const f64 = this.f64;
    const i32 = this.i32;
    const nums = k.numsPtr() >> 3;
    const codes = k.codesPtr() >> 2;
    for (const st of this.states) {
      const base = st.slot * cap;
      if (st.type === 'numeric' || st.type === 'integer') st.values.set(f64.subarray(nums + base, nums + base + got), at);
      else if (st.type === 'categorical') st.codes.set(i32.subarray(codes + base, codes + base + got), at);
    }
    const lines = k.linesPtr() >> 2;
    tok.lines.set(i32.subarray(lines, lines + got), at);
    const count = k.excCount();
    if (count > 0) {
      const x = k.excPtr() >> 2;
      for (let e = 0; e < count; e++) {
        const slot = i32[x + 4 * e];
        const r = at + i32[x + 4 * e + 1];
        const s = i32[x + 4 * e + 2] + pos;
        const st = this.bySlot[slot] as ColumnState;
        st.setText(r, fieldText(buf, s, s + i32[x + 4 * e + 3], 0, this.trim), tok.lines[r]);
      }
      k.resetExceptions();
    }
    tok.rows = at + got;
  }
}
