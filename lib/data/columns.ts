import { StewardError } from '../core/errors';
import { FIELD_HASHED, fieldHash } from './csv';
import type { ColumnChunk, ColumnType } from './types';
import {
  NUMBER_INFINITE,
  NUMBER_MISSING,
  numberStatus,
  parseBoolean,
  parseNumberBytes,
  parseNumberText,
  parseTimestamp,
} from './values';

/**
 * A value that does not fit its column's type, as passed to `ReadOptions.onInvalid`.
 *
 * @example
 *   const issue: InvalidValue = { column: 'age', row: 12, value: 'abc', expected: 'integer', message: 'column "age" expects an integer, found "abc"' };
 */
export interface InvalidValue {
  column: string;
  /** 1-based line of the record. */
  row: number;
  value: string;
  expected: ColumnType;
  message: string;
}

/** Settings shared by every column of one read. */
export interface ColumnContext {
  file: string;
  missing: ReadonlySet<string>;
  /** Missing tokens that read as numbers (like `-999`): numeric columns must test them first. */
  numericMissing: readonly string[];
  trim: boolean;
  chunkRows: number;
  /** `start` keeps the previous chunk's arrays (ReadOptions.reuseBuffers). */
  reuseBuffers?: boolean;
  onInvalid?: (issue: InvalidValue) => void;
  /**
   * Columns whose cell values never appear in a message (protected or personal by policy): errors
   * name the file, row, column and rule, and show `redacted(value)` instead of the value.
   */
  redact?: ReadonlySet<string>;
}

const MAX_SHOWN = 80;

function show(value: string): string {
  return JSON.stringify(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value);
}

/**
 * What a message shows in place of a cell of a protected or personal column: its length only, so
 * the person reading the error (and the workflow history, the audit record and the logs it is
 * copied into) learns where and how the cell is wrong, not whose it is.
 *
 * @example redacted('Jane Doe') === '<redacted: 8 characters>'
 */
export function redacted(value: string): string {
  return `<redacted: ${value.length} character${value.length === 1 ? '' : 's'}>`;
}

/** A cell value as a message may show it. */
export function shownValue(value: string, column: string, redact: ReadonlySet<string> | undefined): string {
  return redact?.has(column) ? redacted(value) : show(value);
}

const expectation: Record<ColumnType, string> = {
  numeric: 'a number',
  integer: 'an integer',
  boolean: 'a boolean (true/false, yes/no, 1/0)',
  timestamp: 'an ISO 8601 date or timestamp',
  categorical: 'text',
};

/**
 * Builds one column of the chunks of a read: its values for the chunk being filled, its dictionary
 * (categoricals), and the first conversion error, if any. The first error is held rather than
 * thrown so that the reader can report the earliest one in row order across columns.
 *
 * @example
 *   const age = new ColumnState('age', 'integer', 0, false, null, ctx);
 *   age.setText(0, '39', 2);
 */
export class ColumnState {
  values: Float64Array = new Float64Array(0);
  codes: Int32Array = new Int32Array(0);
  readonly dictionary: string[] = [];
  /** First error of the chunk being filled, with the record index it is at. */
  error: { index: number; error: StewardError } | null = null;
  private readonly codeOf = new Map<string, number>();
  /** Byte-level cache in front of `code` for plain CSV fields. */
  readonly byteCodes = new ByteCodeCache();
  // Raw text -> code, -1 for missing tokens: one lookup per value, the normaliser runs once per text.
  private readonly rawCode: Map<string, number>;

  constructor(
    readonly name: string,
    public type: ColumnType,
    /** Output slot in the tokenizer's batch arrays (CSV only). */
    readonly slot: number,
    /** The type was guessed from the first chunk, not declared. */
    public inferred: boolean,
    private readonly normalize: ((value: string) => string) | null,
    private readonly ctx: ColumnContext,
  ) {
    this.rawCode = normalize ? new Map() : this.codeOf;
  }

  /** Allocates the arrays of the next chunk (or keeps the last ones, with `reuseBuffers`). */
  start(): void {
    const n = this.ctx.chunkRows;
    if (this.type === 'categorical') {
      if (!(this.ctx.reuseBuffers && this.codes.length === n)) this.codes = new Int32Array(n);
    } else if (!(this.ctx.reuseBuffers && this.values.length === n)) this.values = new Float64Array(n);
  }

  /** The filled part of the current chunk. */
  emit(rows: number): ColumnChunk {
    if (this.type === 'categorical') {
      const codes = rows === this.codes.length ? this.codes : this.codes.subarray(0, rows);
      return { name: this.name, type: 'categorical', codes, dictionary: this.dictionary };
    }
    const values = rows === this.values.length ? this.values : this.values.subarray(0, rows);
    return { name: this.name, type: this.type, values };
  }

  /** Code of a categorical text, learning it on first sight. */
  code(text: string): number {
    const known = this.rawCode.get(text);
    if (known !== undefined) return known;
    let code: number;
    if (this.ctx.missing.has(text)) code = -1;
    else {
      const value = this.normalize ? this.normalize(text) : text;
      const existing = this.codeOf.get(value);
      if (existing !== undefined) code = existing;
      else if (this.normalize && this.ctx.missing.has(value)) code = -1;
      else {
        code = this.dictionary.length;
        this.dictionary.push(value);
        this.codeOf.set(value, code);
      }
    }
    this.rawCode.set(text, code);
    return code;
  }

  /**
   * Records a value that does not fit the type. Returns true when the read goes on (an `onInvalid`
   * callback took it and the value becomes missing), false when the column must stop converting
   * because the read will fail.
   */
  invalid(index: number, row: number, text: string, infinite = false): boolean {
    const expected = this.type;
    const found = shownValue(text, this.name, this.ctx.redact);
    let message = infinite
      ? `column "${this.name}" expects a finite number, found ${found} (infinite values break statistics)`
      : `column "${this.name}" expects ${expectation[expected]}, found ${found}`;
    if (this.inferred) {
      // Guessed types cannot be "violated": the data changed under the guess, which is a format problem.
      message = `${message}: its type was inferred as ${expected} from the first chunk and changed in a later one; declare the column types (ReadOptions.columns)`;
      this.fail(index, new StewardError('MalformedData', message, { file: this.ctx.file, row, column: this.name }));
      return false;
    }
    if (this.ctx.onInvalid) {
      this.ctx.onInvalid({ column: this.name, row, value: this.ctx.redact?.has(this.name) ? redacted(text) : text, expected, message });
      if (this.type === 'categorical') this.codes[index] = -1;
      else this.values[index] = NaN;
      return true;
    }
    this.fail(index, new StewardError('DataContractViolation', message, { file: this.ctx.file, row, column: this.name }));
    return false;
  }

  private fail(index: number, error: StewardError): void {
    if (!this.error || index < this.error.index) this.error = { index, error };
  }

  /** Converts one text value (slow path: JSON strings, escaped fields, inference). */
  setText(index: number, text: string, row: number): boolean {
    const t = this.ctx.trim ? text.trim() : text;
    if (this.type === 'categorical') {
      this.codes[index] = this.code(t);
      return true;
    }
    if (this.ctx.missing.has(t)) {
      this.values[index] = NaN;
      return true;
    }
    let v: number;
    if (this.type === 'numeric' || this.type === 'integer') {
      v = parseNumberText(t);
      if (Number.isNaN(v)) {
        if (numberStatus.code !== NUMBER_MISSING) return this.invalid(index, row, text, numberStatus.code === NUMBER_INFINITE);
      } else if (this.type === 'integer' && !Number.isInteger(v)) return this.invalid(index, row, text);
    } else {
      v = this.type === 'boolean' ? parseBoolean(t) : parseTimestamp(t);
      if (Number.isNaN(v)) return this.invalid(index, row, text);
    }
    this.values[index] = v;
    return true;
  }

  /** Converts one JSON value: numbers, booleans, strings and null; objects and arrays are invalid. */
  setValue(index: number, value: unknown, row: number): boolean {
    if (value === null || value === undefined) {
      if (this.type === 'categorical') this.codes[index] = -1;
      else this.values[index] = NaN;
      return true;
    }
    if (typeof value === 'string') return this.setText(index, value, row);
    if (typeof value === 'object') return this.invalid(index, row, JSON.stringify(value));
    if (this.type === 'categorical') {
      this.codes[index] = this.code(String(value));
      return true;
    }
    if (typeof value === 'boolean') {
      if (this.type !== 'boolean') return this.invalid(index, row, String(value));
      this.values[index] = value ? 1 : 0;
      return true;
    }
    if (typeof value !== 'number') return this.invalid(index, row, String(value));
    if (!Number.isFinite(value)) return this.invalid(index, row, String(value), true);
    if (this.type === 'timestamp') return this.invalid(index, row, String(value));
    if (this.type === 'integer' && !Number.isInteger(value)) return this.invalid(index, row, String(value));
    if (this.type === 'boolean' && value !== 0 && value !== 1) return this.invalid(index, row, String(value));
    this.values[index] = value;
    return true;
  }
}

/** Text of a CSV field's bytes: blanks trimmed (unquoted fields, when asked), doubled quotes undone. */
export function fieldText(buf: Buffer, s: number, e: number, flag: number, trim: boolean): string {
  if ((flag & 1) === 0 && trim) {
    while (s < e && (buf[s] === 32 || buf[s] === 9)) s++;
    while (e > s && (buf[e - 1] === 32 || buf[e - 1] === 9)) e--;
  }
  const text = buf.toString('utf8', s, e);
  return flag & 2 ? text.replaceAll('""', '"') : text;
}

/**
 * Fast path for a numeric or integer CSV column: parses records `[from, to)` straight from the bytes.
 *
 * @example
 *   convertNumbers(state, buf, tok.starts, tok.ends, tok.flags, tok.numbers, tok.slotCount, tok.lines, 0, tok.rows, ctx);
 */
export function convertNumbers(
  st: ColumnState,
  buf: Buffer,
  starts: Int32Array,
  ends: Int32Array,
  flags: Uint8Array,
  numbers: Float64Array,
  slots: number,
  lines: Int32Array,
  from: number,
  to: number,
  ctx: ColumnContext,
): void {
  const out = st.values;
  const k = st.slot;
  const integer = st.type === 'integer';
  const slow = ctx.numericMissing.length > 0;
  for (let r = from; r < to; r++) {
    const p = r * slots + k;
    const s = starts[p];
    const e = ends[p];
    const flag = flags[p];
    if (slow || flag & 2) {
      if (!st.setText(r, fieldText(buf, s, e, flag, ctx.trim), lines[r])) return;
      continue;
    }
    const v = flag === 4 ? numbers[p] : parseNumberBytes(buf, s, e);
    if (v !== v) {
      if (numberStatus.code !== NUMBER_MISSING) {
        const text = fieldText(buf, s, e, flag, ctx.trim);
        if (!ctx.missing.has(text) && !st.invalid(r, lines[r], text, numberStatus.code === NUMBER_INFINITE)) return;
      }
      out[r] = NaN;
    } else if (integer && !Number.isInteger(v)) {
      if (!st.invalid(r, lines[r], fieldText(buf, s, e, flag, ctx.trim))) return;
    } else out[r] = v;
  }
}

/**
 * Fast path for a categorical CSV column: one string and one map lookup per value.
 *
 * @example
 *   convertCategories(state, buf, tok.starts, tok.ends, tok.flags, tok.hashes, tok.slotCount, 0, tok.rows, false);
 */
export function convertCategories(
  st: ColumnState,
  buf: Buffer,
  starts: Int32Array,
  ends: Int32Array,
  flags: Uint8Array,
  hashes: Int32Array,
  slots: number,
  from: number,
  to: number,
  trim: boolean,
): void {
  const out = st.codes;
  const k = st.slot;
  const cache = st.byteCodes;
  for (let r = from; r < to; r++) {
    // Runs of fields hashed by the tokenizer and already known: one tight loop with no calls.
    r = cache.knownRun(buf, starts, ends, flags, hashes, slots, k, r, to, out);
    if (r >= to) break;
    const p = r * slots + k;
    const flag = flags[p];
    // Plain fields (no doubled quotes, no trimming) are looked up by their bytes: no string per value.
    if ((flag & 2) === 0 && !(trim && (flag & 1) === 0)) {
      const s = starts[p];
      const e = ends[p];
      const h = flag === FIELD_HASHED ? hashes[p] : fieldHash(buf, s, e);
      const c = cache.get(buf, s, e, h);
      out[r] = c !== -2 ? c : cache.put(buf, s, e, h, st.code(buf.toString('utf8', s, e)));
    } else out[r] = st.code(fieldText(buf, starts[p], ends[p], flag, trim));
  }
}

/**
 * Raw field bytes → category code (-1 = missing), an open-addressing table over a byte pool. The
 * reader validates UTF-8, so equal bytes mean equal text and the cache agrees with `code(text)`.
 */
export class ByteCodeCache {
  private slots = new Int32Array(64).fill(-1);
  private hashes = new Int32Array(32);
  private offsets = new Int32Array(32);
  private lengths = new Int32Array(32);
  private codes = new Int32Array(32);
  private pool = new Uint8Array(1024);
  private used = 0;
  private size = 0;

  /** The code for buf[s, e) whose `fieldHash` is h, or -2 when unknown. */
  get(buf: Uint8Array, s: number, e: number, h: number): number {
    const mask = this.slots.length - 1;
    const len = e - s;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const entry = this.slots[i];
      if (entry < 0) return -2;
      if (this.hashes[entry] !== h || this.lengths[entry] !== len) continue;
      const off = this.offsets[entry];
      const pool = this.pool;
      let j = 0;
      while (j < len && pool[off + j] === buf[s + j]) j++;
      if (j === len) return this.codes[entry];
    }
  }

  /**
   * Codes the records from `r` on (field `k` of `slots`) while they are flagged `FIELD_HASHED` and
   * already in the cache; returns the first record it could not code.
   */
  knownRun(buf: Uint8Array, starts: Int32Array, ends: Int32Array, flags: Uint8Array, hashes: Int32Array, slots: number, k: number, r: number, to: number, out: Int32Array): number {
    const table = this.slots;
    const mask = table.length - 1;
    const entryHash = this.hashes;
    const lengths = this.lengths;
    const offsets = this.offsets;
    const codes = this.codes;
    const pool = this.pool;
    rows: for (; r < to; r++) {
      const p = r * slots + k;
      if (flags[p] !== FIELD_HASHED) return r;
      const h = hashes[p];
      const s = starts[p];
      const len = ends[p] - s;
      for (let i = h & mask; ; i = (i + 1) & mask) {
        const entry = table[i];
        if (entry < 0) return r;
        if (entryHash[entry] !== h || lengths[entry] !== len) continue;
        const off = offsets[entry] - s;
        let j = s;
        const e = s + len;
        while (j < e && pool[off + j] === buf[j]) j++;
        if (j === e) {
          out[r] = codes[entry];
          continue rows;
        }
      }
    }
    return r;
  }

  /** Remember buf[s, e) (`fieldHash` h) → code; returns code. */
  put(buf: Uint8Array, s: number, e: number, h: number, code: number): number {
    const len = e - s;
    if (this.size * 2 >= this.slots.length) this.rehash();
    if (this.size === this.codes.length) {
      const grow = (a: Int32Array) => {
        const g = new Int32Array(a.length * 2);
        g.set(a);
        return g;
      };
      this.hashes = grow(this.hashes);
      this.offsets = grow(this.offsets);
      this.lengths = grow(this.lengths);
      this.codes = grow(this.codes);
    }
    if (this.used + len > this.pool.length) {
      const g = new Uint8Array(Math.max(this.pool.length * 2, this.used + len));
      g.set(this.pool);
      this.pool = g;
    }
    const entry = this.size++;
    this.pool.set(buf.subarray(s, e), this.used);
    this.offsets[entry] = this.used;
    this.used += len;
    this.lengths[entry] = len;
    this.codes[entry] = code;
    this.hashes[entry] = h;
    this.insert(entry, h);
    return code;
  }

  private insert(entry: number, h: number): void {
    const mask = this.slots.length - 1;
    let i = h & mask;
    while (this.slots[i] >= 0) i = (i + 1) & mask;
    this.slots[i] = entry;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    for (let e = 0; e < this.size; e++) this.insert(e, this.hashes[e]);
  }
}

/**
 * Guesses a column's type from sample texts: numeric when every non-missing value is a number (or
 * infinite, so that the reader then reports it), boolean when every one is `true`/`false`, otherwise
 * categorical. An all-missing sample is categorical, the type that accepts whatever comes later.
 *
 * @example
 *   inferType(['1', '2.5', ''], new Set([''])); // 'numeric'
 */
export function inferType(texts: readonly string[], missing: ReadonlySet<string>): ColumnType {
  let seen = 0;
  let numeric = true;
  let boolean = true;
  for (const raw of texts) {
    const t = raw.trim();
    if (missing.has(t) || missing.has(raw)) continue;
    seen++;
    if (numeric) {
      const v = parseNumberText(t);
      if (Number.isNaN(v) && numberStatus.code !== NUMBER_INFINITE && numberStatus.code !== NUMBER_MISSING) numeric = false;
    }
    if (boolean) {
      const l = t.toLowerCase();
      if (l !== 'true' && l !== 'false') boolean = false;
    }
    if (!numeric && !boolean) return 'categorical';
  }
  if (seen === 0) return 'categorical';
  return numeric ? 'numeric' : boolean ? 'boolean' : 'categorical';
}

/**
 * Guesses a JSON column's type from sample values: numeric when all non-null values are numbers,
 * boolean when all are booleans, otherwise categorical.
 *
 * @example
 *   inferJsonType([1, null, 2.5]); // 'numeric'
 */
export function inferJsonType(values: readonly unknown[]): ColumnType {
  let numbers = 0;
  let booleans = 0;
  let others = 0;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'number') numbers++;
    else if (typeof v === 'boolean') booleans++;
    else others++;
  }
  if (others === 0 && booleans === 0 && numbers > 0) return 'numeric';
  if (others === 0 && numbers === 0 && booleans > 0) return 'boolean';
  return 'categorical';
}
