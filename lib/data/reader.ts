/**
 * Streaming readers for CSV and JSON Lines. One pass over the bytes yields typed, columnar chunks in
 * constant memory, validates the encoding, and computes the file's sha256 for lineage.
 *
 * Decisions (see the tests for each):
 * - Missing values: the tokens in `missing` (default `''`, `?`, `NA`, `null`), an empty numeric field,
 *   and `NaN` (any case) in a numeric column, since NaN is how a missing number is stored anyway.
 * - `Inf`, `Infinity`, `-Inf` or an overflowing number in a numeric column is an error naming file,
 *   row and column: one infinite value turns every mean and variance into NaN.
 * - A value that does not fit its declared type throws `DataContractViolation` (the type comes from
 *   the contract), unless `onInvalid` is given: then it is reported there and read as missing.
 * - Bytes that cannot be read as the format (bad quoting, ragged rows, invalid UTF-8, NUL bytes, a
 *   field over `maxFieldBytes`) throw `MalformedData`. The earliest problem in file order wins.
 * - An empty CSV file (no header row) is `MalformedData`; a header-only file is a valid table of 0
 *   rows (no chunks are yielded): whether 0 rows is acceptable is the data contract's `minRows` call.
 * - Blank lines are skipped (so a single-column file cannot express a missing value as an empty line;
 *   quote it: `""`).
 * - A header that repeats a name is read as pandas reads it: the second `x` is the column `x.1`, the
 *   third `x.2` (`uniqueHeaderNames` in header.ts); the summary's `warnings` say which fields were
 *   renamed. Contracts and `columns` refer to either name. A repeated empty name is `MalformedData`
 *   when that column is read (all columns, when `columns` is not given). Names given in
 *   `columnNames` or `columns` must be unique: they are the caller's, not the file's.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileError, StewardError, formatLocation, type Location } from '../core/errors';
import { ColumnState, convertCategories, convertNumbers, fieldText, inferJsonType, inferType, type ColumnContext, type InvalidValue } from './columns';
import { CsvTokenizer, MAX_FIELDS, TOKENS_END, TOKENS_ERROR, TOKENS_FULL, TOKENS_MORE } from './csv';
import { uniqueHeaderNames, type RenamedColumn } from './header';
import { CsvKernel } from './kernel';
import { ByteSource } from './source';
import type { ColumnChunk, ColumnSpec, DataChunk } from './types';
import { parseNumberText } from './values';

export type { InvalidValue } from './columns';
export type { RenamedColumn } from './header';

/**
 * Something a read accepted but a user should know about, e.g. header names it had to rename.
 * `message` starts with the location, like a `StewardError`'s.
 *
 * @example
 *   const w: ReadWarning = {
 *     kind: 'renamed-columns',
 *     message: 'compas.csv, row 1: the header repeats "decile_score" (fields 12 and 40); as pandas does, it reads field 40 as "decile_score.1"',
 *     location: { file: 'compas.csv', row: 1 },
 *     renamed: [{ name: 'decile_score.1', header: 'decile_score', field: 40 }],
 *   };
 */
export interface ReadWarning {
  kind: 'renamed-columns';
  message: string;
  location: Location;
  /** The renamed columns, in header order. */
  renamed: RenamedColumn[];
}

/**
 * How to read a file. Everything is optional; defaults suit a comma-separated file with a header.
 *
 * @example
 *   const options: ReadOptions = { separator: ', ', header: false, columnNames: ['age', 'sex'], columns: [{ name: 'age', type: 'integer' }], trim: true };
 */
export interface ReadOptions {
  /** Default: `jsonl` for `.jsonl`/`.ndjson` files, otherwise `csv`. */
  format?: 'csv' | 'jsonl';
  /** Field separator, one or more characters. Default `,`. */
  separator?: string;
  /** The first record names the columns. Default: true unless `columnNames` is given. */
  header?: boolean;
  /** Names of the file's fields in order, for files without a header. */
  columnNames?: string[];
  /** Physical lines to drop before the header/first record (e.g. a junk title line). Default 0. */
  skipLines?: number;
  /** Lines starting with this single ASCII character are skipped wherever a record could start. */
  comment?: string;
  /** Columns to read, with their types (usually from the data contract); others are ignored. Without it every column is read and types are inferred from the first chunk. */
  columns?: ColumnSpec[];
  /** Texts that mean "missing". Default `['', '?', 'NA', 'null']`. */
  missing?: string[];
  /** Strip spaces and tabs around unquoted values. Default false. (Header names are always trimmed.) */
  trim?: boolean;
  /** Per-column rewrite of categorical text before it is encoded (e.g. drop Adult's trailing `.`). */
  normalize?: Record<string, (value: string) => string>;
  /** Records per chunk. Default 65536. */
  chunkRows?: number;
  /** Longest field accepted, in bytes (for JSON Lines: longest line). Default 1 MiB. */
  maxFieldBytes?: number;
  /** Called for each value that does not fit its declared type; the value is then read as missing. */
  onInvalid?: (issue: InvalidValue) => void;
  /** Columns whose values errors must not show (protected or personal by policy): see `redacted`. */
  redact?: readonly string[];
  /** Size of the read window, in bytes. Default 1 MiB; tests use tiny windows to exercise refills. */
  bufferBytes?: number;
  /**
   * Refill the same column arrays for every chunk instead of allocating new ones (less garbage to
   * collect). Only for consumers that are done with a chunk before asking for the next one, like
   * profiles and contract checks: a kept chunk's values change under it.
   */
  reuseBuffers?: boolean;
}

/**
 * What a complete read saw: the generator's return value, `scanChunks`' result.
 *
 * @example
 *   const summary = await scanChunks(file, {}, () => {});
 *   console.log(summary.sha256, summary.rows);
 */
export interface ReadSummary {
  file: string;
  /** Hex sha256 of the file's exact bytes. */
  sha256: string;
  bytes: number;
  rows: number;
  /**
   * The file's column names (header, `columnNames`, or the first JSON object's keys), with repeated
   * header names made unique (see `warnings`).
   */
  header: string[];
  /** The columns read, with their declared or inferred types, in chunk order. */
  columns: ColumnSpec[];
  /** What the read accepted but should be reported (renamed header names); empty for most files. */
  warnings: ReadWarning[];
}

/**
 * A whole file in memory, columns concatenated.
 *
 * @example
 *   const table = await readTable('batch.csv');
 *   const age = findColumn(table.columns, 'age');
 */
export interface ReadResult extends ReadSummary {
  columns: ColumnChunk[];
  /** 1-based line where each record starts. */
  lines: Int32Array;
}

interface Resolved extends ColumnContext {
  format: 'csv' | 'jsonl';
  separator: Buffer;
  header: boolean;
  columnNames: string[] | null;
  skipLines: number;
  comment: number;
  columns: ColumnSpec[] | null;
  normalize: Record<string, (value: string) => string>;
  maxFieldBytes: number;
  bufferBytes: number;
}

const DEFAULT_MISSING = ['', '?', 'NA', 'null'];

function invalidOption(message: string, field: string): StewardError {
  return new StewardError('InvalidInput', message, { field });
}

function positiveInteger(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw invalidOption(`must be a positive integer, got ${value}`, field);
  return value;
}

function uniqueNames(names: readonly string[], field: string): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw invalidOption(`names column "${n}" twice`, field);
    seen.add(n);
  }
}

function resolve(file: string, options: ReadOptions): Resolved {
  const ext = extname(file).toLowerCase();
  const format = options.format ?? (ext === '.jsonl' || ext === '.ndjson' ? 'jsonl' : 'csv');
  const separator = Buffer.from(options.separator ?? ',', 'utf8');
  if (separator.length === 0 || separator.includes(10) || separator.includes(13) || separator.includes(34)) {
    throw invalidOption('separator must be non-empty and contain no quote or line break', 'separator');
  }
  if (options.header === true && options.columnNames) throw invalidOption('give either header: true or columnNames, not both', 'columnNames');
  const header = options.header ?? !options.columnNames;
  if (format === 'csv' && !header && !options.columnNames && !options.columns) {
    throw invalidOption('a file without a header needs columnNames (or columns in file order)', 'columnNames');
  }
  if (options.columnNames) uniqueNames(options.columnNames, 'columnNames');
  if (options.columns) uniqueNames(options.columns.map((c) => c.name), 'columns');
  const comment = options.comment === undefined ? -1 : options.comment.charCodeAt(0);
  if (options.comment !== undefined && (options.comment.length !== 1 || comment > 127 || comment === 10 || comment === 13)) {
    throw invalidOption('comment must be one ASCII character', 'comment');
  }
  const missingList = options.missing ?? DEFAULT_MISSING;
  const numericMissing = missingList.filter((t) => !Number.isNaN(parseNumberText(t)));
  return {
    file,
    format,
    separator,
    header,
    columnNames: options.columnNames ?? null,
    skipLines: options.skipLines ?? 0,
    comment,
    columns: options.columns ?? null,
    missing: new Set(missingList),
    numericMissing,
    trim: options.trim ?? false,
    normalize: options.normalize ?? {},
    chunkRows: positiveInteger(options.chunkRows, 65536, 'chunkRows'),
    maxFieldBytes: positiveInteger(options.maxFieldBytes, 1 << 20, 'maxFieldBytes'),
    bufferBytes: positiveInteger(options.bufferBytes, 1 << 20, 'bufferBytes'),
    reuseBuffers: options.reuseBuffers ?? false,
    ...(options.onInvalid ? { onInvalid: options.onInvalid } : {}),
    ...(options.redact?.length ? { redact: new Set(options.redact) } : {}),
  };
}

async function openFile(file: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    throw fileError(e, file);
  }
  // A directory opens fine on Linux and fails only at the first read, as a raw EISDIR.
  const stat = await handle.stat();
  if (!stat.isFile()) {
    await handle.close();
    throw new StewardError('InvalidInput', `is ${stat.isDirectory() ? 'a directory' : 'not a regular file'}: give a data file`, { file });
  }
  return handle;
}

function malformed(o: Resolved, message: string, row?: number, column?: string): StewardError {
  return new StewardError('MalformedData', message, {
    file: o.file,
    ...(row !== undefined ? { row } : {}),
    ...(column !== undefined ? { column } : {}),
  });
}

// Byte order marks and `skipLines`: what comes before the first record, for both formats.
async function skipPreamble(src: ByteSource, o: Resolved): Promise<void> {
  while (src.len < 4 && !src.eof) await src.fill();
  const b = src.buf;
  if (src.len >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) src.pos = 3;
  else if (src.len >= 2 && ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff))) {
    throw malformed(o, 'the file starts with a UTF-16/UTF-32 byte order mark; save it as UTF-8', 1);
  }
  for (let skipped = 0; skipped < o.skipLines; ) {
    const nl = src.buf.indexOf(10, src.pos);
    if (nl >= 0 && nl < src.len) {
      if (src.badAt >= src.pos && src.badAt < nl) throw malformed(o, src.badReason, src.line);
      src.pos = nl + 1;
      src.line++;
      skipped++;
    } else if (src.eof) {
      src.pos = src.len;
      return;
    } else if (src.len - src.pos > o.maxFieldBytes) {
      throw malformed(o, `skipped line longer than ${o.maxFieldBytes} bytes (maxFieldBytes)`, src.line);
    } else await src.fill();
  }
}

function tokenizerFor(src: ByteSource, o: Resolved): CsvTokenizer {
  return new CsvTokenizer(src, { file: o.file, separator: o.separator, trim: o.trim, comment: o.comment, maxFieldBytes: o.maxFieldBytes });
}

interface CsvHeader {
  names: string[];
  headerRow?: number;
  warnings: ReadWarning[];
}

// Reads the header row (or takes the given names): the names, repeats made unique, and the header's line.
async function readCsvHeader(src: ByteSource, tok: CsvTokenizer, o: Resolved): Promise<CsvHeader> {
  await skipPreamble(src, o);
  if (!o.header) return { names: o.columnNames ?? (o.columns ?? []).map((c) => c.name), warnings: [] };
  const identity = Int32Array.from({ length: MAX_FIELDS }, (_, i) => i);
  tok.configure(-1, identity, 1);
  for (;;) {
    const status = tok.tokenize();
    if (status === TOKENS_ERROR) throw tok.error;
    if (status === TOKENS_FULL) break;
    if (status === TOKENS_END) throw malformed(o, 'the file is empty: expected a header row', src.line);
    await src.fill();
  }
  const header: string[] = [];
  for (let f = 0; f < tok.lastFieldCount; f++) {
    const text = fieldText(src.buf, tok.starts[f], tok.ends[f], tok.flags[f], true);
    header.push(text);
  }
  const headerRow = tok.lines[0];
  const { names, renamed } = uniqueHeaderNames(header);
  return { names, headerRow, warnings: renamed.length > 0 ? [renamedColumnsWarning(header, renamed, { file: o.file, row: headerRow })] : [] };
}

// "a", "a and b", "a, b and c".
function listed(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function renamedColumnsWarning(header: readonly string[], renamed: readonly RenamedColumn[], location: Location): ReadWarning {
  const repeated = [...new Set(renamed.map((r) => r.header))].map((name) => `"${name}" (fields ${listed(header.flatMap((h, i) => (h === name ? [String(i + 1)] : [])))})`);
  const message = `the header repeats ${listed(repeated)}; as pandas does, it reads ${listed(renamed.map((r) => `field ${r.field} as "${r.name}"`))}`;
  return { kind: 'renamed-columns', message: `${formatLocation(location)}: ${message}`, location, renamed: [...renamed] };
}

// Matches wanted columns to the file's fields; `states` are in the order of `o.columns`.
function planColumns(names: string[], o: Resolved, headerRow: number | undefined): { states: ColumnState[]; slotOf: Int32Array } {
  const positions = new Map<string, number[]>();
  names.forEach((n, i) => positions.set(n, [...(positions.get(n) ?? []), i]));
  const wanted: ColumnSpec[] = o.columns ?? names.map((name) => ({ name, type: 'categorical' }));
  const slotOf = new Int32Array(names.length).fill(-1);
  const states = wanted.map((spec, slot) => {
    const at = positions.get(spec.name) ?? [];
    if (at.length === 0) {
      const some = names.slice(0, 20).map((n) => JSON.stringify(n)).join(', ');
      throw new StewardError('DataContractViolation', `column "${spec.name}" is not in the file (its columns: ${some}${names.length > 20 ? ', …' : ''})`, {
        file: o.file,
        ...(headerRow !== undefined ? { row: headerRow } : {}),
        column: spec.name,
      });
    }
    if (at.length > 1) {
      throw malformed(o, `duplicate column name: "${spec.name}" names fields ${at.map((i) => i + 1).join(' and ')}`, headerRow, spec.name);
    }
    slotOf[at[0]] = slot;
    return new ColumnState(spec.name, spec.type, slot, !o.columns, o.normalize[spec.name] ?? null, o);
  });
  return { states, slotOf };
}

function earliestError(states: readonly ColumnState[]): StewardError | null {
  let best: { index: number; error: StewardError } | null = null;
  for (const st of states) if (st.error && (!best || st.error.index < best.index)) best = st.error;
  return best ? best.error : null;
}

function makeChunk(states: readonly ColumnState[], lines: Int32Array, rows: number): DataChunk {
  let contiguous = true;
  for (let i = 1; i < rows; i++) {
    if (lines[i] !== lines[0] + i) {
      contiguous = false;
      break;
    }
  }
  const chunk: DataChunk = { firstRow: lines[0], rows, columns: states.map((s) => s.emit(rows)) };
  if (!contiguous) chunk.lines = lines.slice(0, rows);
  return chunk;
}

/**
 * Cells a chunk may hold (8 bytes each at most, 32 MB): a chunk's rows shrink as a file widens, so
 * memory is bounded by this, not by the number of columns (a 20,000-column file reads 209 rows at a
 * time; a 20-column one the full 65,536).
 */
export const CHUNK_CELLS = 1 << 22;

function widthBoundedRows(rows: number, columns: number): number {
  return Math.min(rows, Math.max(16, Math.floor(CHUNK_CELLS / Math.max(1, columns))));
}

async function* csvChunks(src: ByteSource, o: Resolved): AsyncGenerator<DataChunk, ReadSummary, undefined> {
  const tok = tokenizerFor(src, o);
  const { names, headerRow, warnings } = await readCsvHeader(src, tok, o);
  tok.names = names;
  o.chunkRows = widthBoundedRows(o.chunkRows, names.length);
  const { states, slotOf } = planColumns(names, o, headerRow);
  const numericFields = (): Uint8Array =>
    Uint8Array.from(slotOf, (slot) => (slot >= 0 && (states[slot].type === 'numeric' || states[slot].type === 'integer') ? 1 : 0));
  tok.configure(names.length, slotOf, o.chunkRows, o.columns ? numericFields() : new Uint8Array(names.length));
  // Without declared types the first chunk is kept as text, its types guessed, then converted.
  let sample: string[][] | null = o.columns ? null : states.map(() => []);
  // The WebAssembly kernel takes plain records once types are known (kernel.ts); the tokenizer and
  // converters below handle whatever it leaves.
  const kernelFor = (): CsvKernel | null =>
    o.comment < 0 && o.numericMissing.length === 0
      ? CsvKernel.create(states, slotOf, { separator: o.separator, trim: o.trim, maxFieldBytes: o.maxFieldBytes, rows: o.chunkRows })
      : null;
  let kernel = sample ? null : kernelFor();
  tok.plainPath = kernel === null;
  let rows = 0;
  for (const st of states) st.start();
  for (;;) {
    if (kernel) kernel.run(src, tok);
    const from = tok.rows;
    const status = tok.tokenize();
    const to = tok.rows;
    const { buf } = src;
    const { starts, ends, flags, numbers, hashes, lines } = tok;
    const slots = tok.slotCount;
    for (const st of states) {
      if (sample) {
        const texts = sample[st.slot];
        for (let r = from; r < to; r++) {
          const p = r * slots + st.slot;
          texts.push(fieldText(buf, starts[p], ends[p], flags[p], o.trim));
        }
      } else if (st.type === 'numeric' || st.type === 'integer') convertNumbers(st, buf, starts, ends, flags, numbers, slots, lines, from, to, o);
      else if (st.type === 'categorical') convertCategories(st, buf, starts, ends, flags, hashes, slots, from, to, o.trim);
      else {
        for (let r = from; r < to; r++) {
          const p = r * slots + st.slot;
          if (!st.setText(r, fieldText(buf, starts[p], ends[p], flags[p], o.trim), lines[r])) break;
        }
      }
    }
    const conversionError = earliestError(states);
    if (conversionError) throw conversionError;
    if (status === TOKENS_ERROR) throw tok.error;
    if (status === TOKENS_FULL || (status === TOKENS_END && tok.rows > 0)) {
      if (sample) {
        settleInferred(states, sample, lines, o);
        sample = null;
        tok.fuseNumbers(numericFields());
        kernel = kernelFor();
        tok.plainPath = kernel === null;
      }
      yield makeChunk(states, lines, tok.rows);
      rows += tok.rows;
      tok.rows = 0;
      for (const st of states) st.start();
    }
    if (status === TOKENS_END) break;
    if (status === TOKENS_MORE) await src.fill();
  }
  if (sample) settleInferred(states, sample, tok.lines, o);
  return summarize(src, o, names, states, rows, warnings);
}

function settleInferred(states: readonly ColumnState[], sample: string[][], lines: Int32Array, o: Resolved): void {
  for (const st of states) {
    const texts = sample[st.slot];
    st.type = inferType(texts, o.missing);
    st.inferred = false; // values of the sample itself define the type; only later chunks can break it
    st.start();
    for (let r = 0; r < texts.length; r++) if (!st.setText(r, texts[r], lines[r])) break;
    st.inferred = true;
  }
  const error = earliestError(states);
  if (error) throw error;
}

function summarize(src: ByteSource, o: Resolved, header: string[], states: readonly ColumnState[], rows: number, warnings: ReadWarning[] = []): ReadSummary {
  return {
    file: o.file,
    sha256: src.digest(),
    bytes: src.bytes,
    rows,
    header,
    columns: states.map((s) => ({ name: s.name, type: s.type })),
    warnings,
  };
}

// Next JSON Lines record: the parsed object and its line, or null at the end of the file.
async function nextJsonRecord(src: ByteSource, o: Resolved): Promise<{ value: Record<string, unknown>; line: number } | null> {
  for (;;) {
    if (src.pos >= src.len && src.eof) return null;
    const nl = src.buf.indexOf(10, src.pos);
    const complete = nl >= 0 && nl < src.len;
    if (!complete && !src.eof) {
      if (src.len - src.pos > o.maxFieldBytes) throw malformed(o, `line longer than ${o.maxFieldBytes} bytes (maxFieldBytes)`, src.line);
      await src.fill();
      continue;
    }
    const next = complete ? nl + 1 : src.len;
    const line = src.line;
    if (src.badAt >= src.pos && src.badAt < next) throw malformed(o, src.badReason, line);
    let end = complete ? nl : src.len;
    if (end > src.pos && src.buf[end - 1] === 13) end--;
    if (end - src.pos > o.maxFieldBytes) throw malformed(o, `line longer than ${o.maxFieldBytes} bytes (maxFieldBytes)`, line);
    const text = src.buf.toString('utf8', src.pos, end);
    src.pos = next;
    src.line++;
    if (text.trim() === '' || (o.comment >= 0 && text.charCodeAt(0) === o.comment)) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw malformed(o, `invalid JSON: ${(e as Error).message}`, line);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      // The kind of value, not the value: a stray line may hold anything, personal data included.
      throw malformed(o, `expected one JSON object per line, found ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}`, line);
    }
    return { value: value as Record<string, unknown>, line };
  }
}

function jsonField(record: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

async function* jsonlChunks(src: ByteSource, o: Resolved): AsyncGenerator<DataChunk, ReadSummary, undefined> {
  await skipPreamble(src, o);
  let names: string[] | null = o.columns ? o.columns.map((c) => c.name) : null;
  let states: ColumnState[] = (o.columns ?? []).map((c, slot) => new ColumnState(c.name, c.type, slot, false, o.normalize[c.name] ?? null, o));
  for (const st of states) st.start();
  const lines = new Int32Array(o.chunkRows);
  // Without declared types the first chunk's records are kept, their types guessed, then converted.
  let sample: Record<string, unknown>[] | null = null;
  let filled = 0;
  let rows = 0;
  const settle = (): void => {
    if (!sample) return;
    for (const st of states) {
      st.type = inferJsonType(sample.map((rec) => jsonField(rec, st.name)));
      st.inferred = false;
      st.start();
      for (let r = 0; r < sample.length; r++) if (!st.setValue(r, jsonField(sample[r], st.name), lines[r])) break;
      st.inferred = true;
    }
    sample = null;
    const error = earliestError(states);
    if (error) throw error;
  };
  for (;;) {
    const next = await nextJsonRecord(src, o);
    if (!next) break;
    if (!names) {
      names = Object.keys(next.value);
      states = names.map((name, slot) => new ColumnState(name, 'categorical', slot, true, o.normalize[name] ?? null, o));
      sample = [];
    }
    lines[filled] = next.line;
    if (sample) sample.push(next.value);
    else {
      for (const st of states) if (!st.setValue(filled, jsonField(next.value, st.name), next.line)) break;
      const error = earliestError(states);
      if (error) throw error;
    }
    filled++;
    if (filled === o.chunkRows) {
      settle();
      yield makeChunk(states, lines, filled);
      rows += filled;
      filled = 0;
      for (const st of states) st.start();
    }
  }
  settle();
  if (filled > 0) {
    yield makeChunk(states, lines, filled);
    rows += filled;
  }
  return summarize(src, o, names ?? [], states, rows);
}

/**
 * Streams a CSV or JSON Lines file as typed column chunks of `chunkRows` records, in constant memory.
 * The generator's return value (seen by `next()`, or use `scanChunks`) is the `ReadSummary` with the
 * file's sha256, computed in the same pass. Throws `StewardError`s naming file, row and column.
 *
 * @example
 *   for await (const chunk of readChunks('batch.csv', { columns: [{ name: 'age', type: 'integer' }] })) {
 *     console.log(chunk.firstRow, chunk.rows);
 *   }
 */
export async function* readChunks(file: string, options: ReadOptions = {}): AsyncGenerator<DataChunk, ReadSummary, undefined> {
  const o = resolve(file, options);
  const handle = await openFile(file);
  try {
    const src = new ByteSource(handle, o.bufferBytes);
    await src.fill();
    return o.format === 'jsonl' ? yield* jsonlChunks(src, o) : yield* csvChunks(src, o);
  } finally {
    await handle.close();
  }
}

/**
 * Reads a whole file, handing each chunk to `onChunk` (awaited: back-pressure), and resolves to the
 * `ReadSummary`. The file is closed even when `onChunk` throws.
 *
 * @example
 *   let rows = 0;
 *   const { sha256 } = await scanChunks('batch.csv', {}, (chunk) => { rows += chunk.rows; });
 */
export async function scanChunks(file: string, options: ReadOptions, onChunk: (chunk: DataChunk) => void | Promise<void>): Promise<ReadSummary> {
  const chunks = readChunks(file, options);
  for (;;) {
    const next = await chunks.next();
    if (next.done) return next.value;
    try {
      await onChunk(next.value);
    } catch (e) {
      await chunks.return(undefined as never);
      throw e;
    }
  }
}

/**
 * Reads a (small) file into memory: columns concatenated, plus the summary. A header-only file gives
 * a table of 0 rows with its columns present and empty.
 *
 * @example
 *   const { rows, sha256, columns } = await readTable('reference.csv', { columns: contractColumns });
 */
export async function readTable(file: string, options: ReadOptions = {}): Promise<ReadResult> {
  const chunks: DataChunk[] = [];
  const summary = await scanChunks(file, options, (c) => {
    chunks.push(c);
  });
  const lines = new Int32Array(summary.rows);
  let at = 0;
  for (const c of chunks) {
    for (let i = 0; i < c.rows; i++) lines[at + i] = c.lines ? c.lines[i] : c.firstRow + i;
    at += c.rows;
  }
  const columns: ColumnChunk[] = summary.columns.map((spec, k) => {
    if (spec.type === 'categorical') {
      const codes = new Int32Array(summary.rows);
      let offset = 0;
      let dictionary: string[] = [];
      for (const c of chunks) {
        const col = c.columns[k];
        if (col.type !== 'categorical') continue;
        codes.set(col.codes, offset);
        offset += col.codes.length;
        dictionary = col.dictionary;
      }
      return { name: spec.name, type: 'categorical', codes, dictionary };
    }
    const values = new Float64Array(summary.rows);
    let offset = 0;
    for (const c of chunks) {
      const col = c.columns[k];
      if (col.type === 'categorical') continue;
      values.set(col.values, offset);
      offset += col.values.length;
    }
    return { name: spec.name, type: spec.type, values };
  });
  return { ...summary, columns, lines };
}

/**
 * The column names of a file without reading all of it: the CSV header (or `columnNames`), or the
 * keys of the first JSON Lines record.
 *
 * @example
 *   const names = await readHeader('batch.csv'); // ['age', 'workclass', ...]
 */
export async function readHeader(file: string, options: ReadOptions = {}): Promise<string[]> {
  const o = resolve(file, options);
  const handle = await openFile(file);
  try {
    const src = new ByteSource(handle, o.bufferBytes);
    await src.fill();
    if (o.format === 'jsonl') {
      await skipPreamble(src, o);
      const first = await nextJsonRecord(src, o);
      return first ? Object.keys(first.value) : [];
    }
    return (await readCsvHeader(src, tokenizerFor(src, o), o)).names;
  } finally {
    await handle.close();
  }
}
