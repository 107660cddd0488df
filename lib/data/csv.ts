import { StewardError } from '../core/errors';
import type { ByteSource } from './source';

const LF = 10;
const CR = 13;
const QUOTE = 34;
const SPACE = 32;
const TAB = 9;

/** Upper bound on fields per record: a wider "record" is binary junk, not a table. */
export const MAX_FIELDS = 100_000;

/** `tokenize` outcomes. */
export const TOKENS_FULL = 0; // `capacity` records are tokenized
export const TOKENS_MORE = 1; // the window ends inside a record: refill and call again
export const TOKENS_END = 2; // end of file
export const TOKENS_ERROR = 3; // `error` is set; records before it are tokenized

/** Field flag bits: the field was quoted; it contains doubled quotes to unescape. */
export const FIELD_QUOTED = 1;
export const FIELD_ESCAPED = 2;
/** The field was a plain decimal number, already parsed into `numbers` (numeric slots only). */
export const FIELD_NUMBER = 4;
/** `hashes` holds the field's byte hash (`fieldHash`), computed while scanning (plain fields only). */
export const FIELD_HASHED = 8;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * FNV-1a of `buf[s, e)` mixed with its length: the hash the tokenizer's fast path computes while it
 * scans a field, and the key of the categorical byte cache (`ByteCodeCache` in columns.ts).
 *
 * @example
 *   fieldHash(Buffer.from('abc'), 0, 3) === fieldHash(Buffer.from('xabc'), 1, 4); // true
 */
export function fieldHash(buf: Uint8Array, s: number, e: number): number {
  let h = FNV_OFFSET;
  for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i], FNV_PRIME);
  return finishHash(h, e - s);
}

function finishHash(h: number, len: number): number {
  h = Math.imul(h ^ len, FNV_PRIME);
  return h ^ (h >>> 15);
}

// Exact powers of ten: an integer mantissa of at most 15 digits divided by one is rounded once.
const POW10 = Float64Array.from({ length: 16 }, (_, i) => 10 ** i);

/**
 * Splits CSV bytes into records and fields without creating strings: for each record it stores the
 * byte range of every wanted field (`starts`/`ends`, indexed `record * slots + slot`) and the line the
 * record starts on. Values are converted afterwards, column by column, from those ranges.
 *
 * Dialect: RFC 4180 quoting (`"a ""b"", c"`, separators and newlines inside quotes), LF or CRLF line
 * ends, any separator (multi-byte too, like Adult's `, `). A quote only opens a field at its start
 * (after blanks when `trim`); elsewhere it is an ordinary character. Blank lines are skipped, as are
 * lines starting with the `comment` byte. A bare CR (old Mac line ends) is an error rather than a
 * silent merge of lines.
 *
 * @example
 *   const tok = new CsvTokenizer(src, { file, separator: Buffer.from(','), trim: false, comment: -1, maxFieldBytes: 1 << 20 });
 *   tok.configure(-1, identity, 1); // header mode: every field, one record
 */
export class CsvTokenizer {
  starts = new Int32Array(0);
  ends = new Int32Array(0);
  flags = new Uint8Array(0);
  lines = new Int32Array(0);
  /** Parsed values of fields flagged `FIELD_NUMBER`. */
  numbers = new Float64Array(0);
  /** `fieldHash` of fields flagged `FIELD_HASHED`. */
  hashes = new Int32Array(0);
  /** Records tokenized into the output arrays so far. */
  rows = 0;
  /** Records the output arrays can hold. */
  capacity = 0;
  /** Fields in the last complete record (used to read a header). */
  lastFieldCount = 0;
  error: StewardError | null = null;
  /** Names of the file's fields, for error messages; `field N` until the header is known. */
  names: string[] = [];
  /** Use the JavaScript fast path for plain records (off when the WebAssembly kernel takes them). */
  plainPath = true;

  private slotOf: Int32Array = new Int32Array(0);
  private numericField: Uint8Array = new Uint8Array(0);
  private slots = 0;
  private expected = -1;
  private readonly special = new Uint8Array(256);
  private readonly sep: Uint8Array;

  constructor(
    private readonly src: ByteSource,
    private readonly dialect: { file: string; separator: Uint8Array; trim: boolean; comment: number; maxFieldBytes: number },
  ) {
    this.sep = dialect.separator;
    this.special[this.sep[0]] = 1;
    this.special[LF] = 1;
    this.special[CR] = 1;
  }

  /**
   * Sets what to keep: `slotOf[field]` is the output slot of each field (-1 to skip), `expected` the
   * field count every record must have (-1: any), `capacity` the records per output batch, and
   * `numericField[field]` 1 for fields to parse as numbers while scanning (one pass over the bytes
   * instead of two: this is most of the reader's speed on numeric data).
   */
  configure(expected: number, slotOf: Int32Array, capacity: number, numericField: Uint8Array = new Uint8Array(slotOf.length)): void {
    this.expected = expected;
    this.slotOf = slotOf;
    this.numericField = numericField;
    let top = -1;
    for (const slot of slotOf) if (slot > top) top = slot;
    this.slots = top + 1;
    this.capacity = capacity;
    const size = capacity * this.slots;
    if (this.starts.length < size) {
      this.starts = new Int32Array(size);
      this.ends = new Int32Array(size);
      this.flags = new Uint8Array(size);
      this.numbers = new Float64Array(size);
      this.hashes = new Int32Array(size);
    }
    if (this.lines.length < capacity) this.lines = new Int32Array(capacity);
    this.rows = 0;
  }

  /** Changes which fields are parsed as numbers while scanning (after types were inferred). */
  fuseNumbers(numericField: Uint8Array): void {
    this.numericField = numericField;
  }

  get slotCount(): number {
    return this.slots;
  }

  /** Tokenizes records from the source window into the output arrays; see the `TOKENS_*` results. */
  tokenize(): number {
    const src = this.src;
    const buf = src.buf;
    const len = src.len;
    const eof = src.eof;
    const special = this.special;
    const sep = this.sep;
    const sep0 = sep[0];
    const sepLen = sep.length;
    const slotOf = this.slotOf;
    const knownFields = slotOf.length;
    const slots = this.slots;
    const expected = this.expected;
    const { trim, maxFieldBytes, comment } = this.dialect;
    const starts = this.starts;
    const ends = this.ends;
    const flags = this.flags;
    const lines = this.lines;
    const numbers = this.numbers;
    const numericField = this.numericField;
    // Digits, '-' or '.' as separator would make the fused number scan ambiguous.
    const fuse = !(sep0 === 45 || sep0 === 46 || (sep0 >= 48 && sep0 <= 57));
    let row = this.rows;
    let pos = src.pos;
    let line = src.line;
    let status = TOKENS_FULL;
    let field = 0;
    let recordLine = line;

    // Fast path over the complete lines of a window up to its first quote or CR, when the window has
    // no bad byte; it stops at anything unusual and the general loop below takes over from there.
    if (this.plainPath && fuse && sepLen === 1 && !trim && comment < 0 && expected >= 0 && expected === knownFields && row < this.capacity && (src.badAt < 0 || src.badAt >= len)) {
      const done = this.plainRecords(row, pos, line);
      if (done > 0) {
        row += done;
        pos = src.pos;
        line = src.line;
      }
    }

    records: while (row < this.capacity) {
      field = 0;
      if (pos >= len) {
        status = eof ? TOKENS_END : TOKENS_MORE;
        break;
      }
      const first = buf[pos];
      if (first === LF) {
        pos++;
        line++;
        continue;
      }
      if (first === CR && (pos + 1 < len ? buf[pos + 1] === LF : eof)) {
        pos += pos + 1 < len ? 2 : 1;
        line++;
        continue;
      }
      if (first === CR && pos + 1 >= len) {
        status = TOKENS_MORE;
        break;
      }
      if (first === comment) {
        const nl = buf.indexOf(LF, pos);
        if (nl >= 0 && nl < len) {
          if (src.badAt >= pos && src.badAt < nl) {
            this.error = this.fail(src.badReason, line, undefined);
            status = TOKENS_ERROR;
            break;
          }
          pos = nl + 1;
          line++;
          continue;
        }
        if (eof) {
          pos = len;
          continue;
        }
        if (len - pos > maxFieldBytes) {
          this.error = this.fail(`comment line longer than ${maxFieldBytes} bytes`, line, undefined);
          status = TOKENS_ERROR;
        } else status = TOKENS_MORE;
        break;
      }

      const recordStart = pos;
      recordLine = line;
      const base = row * slots;
      let i = pos;
      let ln = line;
      for (;;) {
        let fs = i;
        let fe: number;
        let flag = 0;
        let num = 0;
        let q = i;
        if (trim) while (q < len && (buf[q] === SPACE || buf[q] === TAB)) q++;
        if (q < len && buf[q] === QUOTE) {
          const open = q;
          const fieldLine = ln;
          let j = q + 1;
          let escaped = false;
          for (;;) {
            const k = buf.indexOf(QUOTE, j);
            if (k < 0 || k >= len) {
              if (eof) {
                this.error = this.fail('unterminated quoted field: the quote opened here is never closed', fieldLine, field);
                status = TOKENS_ERROR;
              } else if (len - open > maxFieldBytes) {
                this.error = this.fail(`quoted field longer than ${maxFieldBytes} bytes (maxFieldBytes); an unterminated quote?`, fieldLine, field);
                status = TOKENS_ERROR;
              } else status = TOKENS_MORE;
              break records;
            }
            for (let m = j; m < k; m++) if (buf[m] === LF) ln++;
            if (k + 1 >= len && !eof) {
              status = TOKENS_MORE;
              break records;
            }
            if (k + 1 < len && buf[k + 1] === QUOTE) {
              escaped = true;
              j = k + 2;
              continue;
            }
            fs = open + 1;
            fe = k;
            i = k + 1;
            flag = escaped ? FIELD_QUOTED | FIELD_ESCAPED : FIELD_QUOTED;
            break;
          }
          if (fe - fs > maxFieldBytes) {
            this.error = this.fail(`field longer than ${maxFieldBytes} bytes (maxFieldBytes)`, fieldLine, field);
            status = TOKENS_ERROR;
            break records;
          }
          if (trim) while (i < len && (buf[i] === SPACE || buf[i] === TAB)) i++;
          if (i >= len && !eof) {
            status = TOKENS_MORE;
            break records;
          }
          if (i < len) {
            const c = buf[i];
            const atSep = c === sep0 ? this.separatorAt(i) : 0;
            if (atSep < 0) {
              status = TOKENS_MORE;
              break records;
            }
            if (atSep === 0 && c !== LF && c !== CR) {
              this.error = this.fail('unexpected text after the closing quote of a quoted field', ln, field);
              status = TOKENS_ERROR;
              break records;
            }
          }
        } else {
          if (fuse && field < knownFields && numericField[field] === 1) {
            let j = i;
            let negative = false;
            if (j < len && buf[j] === 45) {
              negative = true;
              j++;
            }
            const digitStart = j;
            let mantissa = 0;
            while (j < len) {
              const d = buf[j] - 48;
              if (d < 0 || d > 9) break;
              mantissa = mantissa * 10 + d;
              j++;
            }
            let digits = j - digitStart;
            let fraction = 0;
            if (j < len && buf[j] === 46) {
              j++;
              const fractionStart = j;
              while (j < len) {
                const d = buf[j] - 48;
                if (d < 0 || d > 9) break;
                mantissa = mantissa * 10 + d;
                j++;
              }
              fraction = j - fractionStart;
              digits += fraction;
            }
            if (digits > 0 && digits <= 15) {
              let ends = eof;
              if (j < len) {
                const c = buf[j];
                ends = c === LF || c === CR || (c === sep0 && (sepLen === 1 || this.separatorAt(j) === 1));
              }
              if (ends) {
                const v = fraction === 0 ? mantissa : mantissa / POW10[fraction];
                num = negative ? -v : v;
                flag = FIELD_NUMBER;
              }
            }
            i = j;
          }
          for (; flag === 0; ) {
            while (i < len && special[buf[i]] === 0) i++;
            if (i >= len) {
              if (eof) break;
              if (i - fs > maxFieldBytes) {
                this.error = this.fail(`field longer than ${maxFieldBytes} bytes (maxFieldBytes)`, ln, field);
                status = TOKENS_ERROR;
              } else status = TOKENS_MORE;
              break records;
            }
            if (sepLen > 1 && buf[i] === sep0) {
              const atSep = this.separatorAt(i);
              if (atSep < 0) {
                status = TOKENS_MORE;
                break records;
              }
              if (atSep === 0) {
                i++;
                continue;
              }
            }
            break;
          }
          fe = i;
          if (fe - fs > maxFieldBytes) {
            this.error = this.fail(`field longer than ${maxFieldBytes} bytes (maxFieldBytes)`, ln, field);
            status = TOKENS_ERROR;
            break records;
          }
        }

        if (field < knownFields) {
          const slot = slotOf[field];
          if (slot >= 0) {
            const p = base + slot;
            starts[p] = fs;
            ends[p] = fe;
            flags[p] = flag;
            if (flag === FIELD_NUMBER) numbers[p] = num;
          }
        }
        field++;
        if (field > MAX_FIELDS) {
          this.error = this.fail(`more than ${MAX_FIELDS} fields in one record`, recordLine, undefined);
          status = TOKENS_ERROR;
          break records;
        }

        if (i >= len) break;
        const c = buf[i];
        if (c === LF) {
          i++;
          ln++;
          break;
        }
        if (c === CR) {
          if (i + 1 < len) {
            if (buf[i + 1] === LF) {
              i += 2;
              ln++;
              break;
            }
            this.error = this.fail('bare carriage return (CR without LF) inside a record; old Mac line endings?', ln, field - 1);
            status = TOKENS_ERROR;
            break records;
          }
          if (!eof) {
            status = TOKENS_MORE;
            break records;
          }
          i++;
          break;
        }
        i += sepLen;
      }

      if (src.badAt >= 0 && src.badAt < i) {
        this.error = this.failBadByte(recordStart, recordLine);
        status = TOKENS_ERROR;
        break;
      }
      if (expected >= 0 && field !== expected) {
        this.error = this.ragged(recordLine, field, false);
        status = TOKENS_ERROR;
        break;
      }
      this.lastFieldCount = field;
      lines[row] = recordLine;
      row++;
      pos = i;
      line = ln;
    }

    this.rows = row;
    src.pos = pos;
    src.line = line;
    if (status === TOKENS_MORE && expected >= 0 && field > expected) {
      // A too-wide record still streaming in: stop now rather than buffer an unbounded line.
      this.error = this.ragged(recordLine, field, true);
      status = TOKENS_ERROR;
    } else if (status === TOKENS_MORE && src.badAt >= pos) {
      this.error = this.failBadByte(pos, line);
      status = TOKENS_ERROR;
    }
    return status;
  }

  // Tokenizes whole records of a quote-free, CR-free window from `pos`; returns how many and leaves
  // `src.pos`/`src.line` after the last one. Fields are delimited by one-byte separators and LF only.
  private plainRecords(row0: number, pos: number, line: number): number {
    const src = this.src;
    const buf = src.buf;
    const len = src.len;
    if (pos >= len) return 0;
    const lastLf = buf.lastIndexOf(LF, len - 1);
    if (lastLf < pos) return 0;
    const limit = lastLf + 1;
    // One native scan each for the bytes that need the general loop; records reaching them stop here.
    let stop = limit;
    const q = buf.indexOf(QUOTE, pos);
    if (q >= 0 && q < stop) stop = q;
    const cr = buf.indexOf(CR, pos);
    if (cr >= 0 && cr < stop) stop = cr;
    const sep0 = this.sep[0];
    const slots = this.slots;
    const slotOf = this.slotOf;
    const expected = this.expected;
    const numericField = this.numericField;
    const starts = this.starts;
    const ends = this.ends;
    const flags = this.flags;
    const numbers = this.numbers;
    const hashes = this.hashes;
    const lines = this.lines;
    const maxFieldBytes = this.dialect.maxFieldBytes;
    const capacity = this.capacity;
    let row = row0;
    while (row < capacity && pos < stop) {
      if (buf[pos] === LF) {
        pos++;
        line++;
        continue;
      }
      const base = row * slots;
      let i = pos;
      let field = 0;
      let ok = true;
      for (;;) {
        const fs = i;
        const slot = slotOf[field];
        let flag = 0;
        let c = 0;
        if (numericField[field] === 1) {
          let j = i;
          const negative = buf[j] === 45;
          if (negative) j++;
          const digitStart = j;
          let mantissa = 0;
          let d = buf[j] - 48;
          while (d >= 0 && d <= 9) {
            mantissa = mantissa * 10 + d;
            d = buf[++j] - 48;
          }
          let digits = j - digitStart;
          let fraction = 0;
          if (buf[j] === 46) {
            const fractionStart = ++j;
            d = buf[j] - 48;
            while (d >= 0 && d <= 9) {
              mantissa = mantissa * 10 + d;
              d = buf[++j] - 48;
            }
            fraction = j - fractionStart;
            digits += fraction;
          }
          c = buf[j];
          i = j;
          if (digits > 0 && digits <= 15 && (c === sep0 || c === LF)) {
            const v = fraction === 0 ? mantissa : mantissa / POW10[fraction];
            if (slot >= 0) {
              const p = base + slot;
              numbers[p] = negative ? -v : v;
              starts[p] = fs;
              ends[p] = j;
              flags[p] = FIELD_NUMBER;
            }
            flag = FIELD_NUMBER;
          } else while (c !== sep0 && c !== LF) c = buf[++i];
        } else if (slot >= 0) {
          let h = FNV_OFFSET;
          c = buf[i];
          while (c !== sep0 && c !== LF) {
            h = Math.imul(h ^ c, FNV_PRIME);
            c = buf[++i];
          }
          const p = base + slot;
          starts[p] = fs;
          ends[p] = i;
          flags[p] = FIELD_HASHED;
          hashes[p] = finishHash(h, i - fs);
          flag = FIELD_HASHED;
        } else {
          c = buf[i];
          while (c !== sep0 && c !== LF) c = buf[++i];
        }
        if (flag === 0 && slot >= 0) {
          const p = base + slot;
          starts[p] = fs;
          ends[p] = i;
          flags[p] = 0;
        }
        if (i - fs > maxFieldBytes) ok = false;
        field++;
        if (c === LF) break;
        if (field >= expected) {
          ok = false; // ragged (too wide): the general loop reports it
          break;
        }
        i++;
      }
      // A record reaching the first quote or CR is left to the general loop (scanning past them is
      // harmless: the LF at limit - 1 bounds every scan).
      if (!ok || field !== expected || i >= stop) break;
      lines[row] = line;
      row++;
      pos = i + 1;
      line++;
    }
    const done = row - row0;
    if (done > 0) {
      this.lastFieldCount = expected;
      src.pos = pos;
      src.line = line;
    }
    return done;
  }

  // 1: the separator starts at i; 0: it does not; -1: the window ends before we can tell.
  private separatorAt(i: number): number {
    const { buf, len, eof } = this.src;
    const sep = this.sep;
    for (let k = 1; k < sep.length; k++) {
      if (i + k >= len) return eof ? 0 : -1;
      if (buf[i + k] !== sep[k]) return 0;
    }
    return 1;
  }

  private columnName(field: number): string {
    return this.names[field] ?? `field ${field + 1}`;
  }

  private fail(message: string, row: number, field: number | undefined): StewardError {
    return new StewardError('MalformedData', message, {
      file: this.dialect.file,
      row,
      ...(field !== undefined ? { column: this.columnName(field) } : {}),
    });
  }

  private ragged(row: number, found: number, partial: boolean): StewardError {
    const expected = this.expected;
    const column = found < expected ? this.columnName(found) : `field ${expected + 1}`;
    const what = partial ? `at least ${found}` : `${found}`;
    return new StewardError('MalformedData', `ragged row: expected ${expected} fields, found ${what}`, { file: this.dialect.file, row, column });
  }

  // Names the line and field of the byte the source flagged, by re-walking the record slowly.
  private failBadByte(recordStart: number, recordLine: number): StewardError {
    const { buf, badAt, badReason } = this.src;
    const sep = this.sep;
    let line = recordLine;
    let field = 0;
    let inQuotes = false;
    let atFieldStart = true;
    for (let i = recordStart; i < badAt; i++) {
      const c = buf[i];
      if (c === LF) line++;
      if (inQuotes) {
        if (c === QUOTE) {
          if (buf[i + 1] === QUOTE) i++;
          else inQuotes = false;
        }
        continue;
      }
      if (c === QUOTE && atFieldStart) {
        inQuotes = true;
        continue;
      }
      if (c === LF) {
        field = 0;
        atFieldStart = true;
        continue;
      }
      if (c === sep[0] && sep.every((b, k) => buf[i + k] === b)) {
        field++;
        i += sep.length - 1;
        atFieldStart = true;
        continue;
      }
      atFieldStart = false;
    }
    return this.fail(badReason, line, field);
  }
}
