/**
 * Data contracts: what a model's input data must look like, declared once (zod schema) and checked by
 * streaming a file once. Breaks are reported, each with a severity: `error` blocks a release, `warn` is
 * recorded. Bytes that cannot be read at all still throw `MalformedData`: there is nothing to report
 * on a file that is not a table.
 */
import { z } from 'zod';
import { StewardError } from '../core/errors';
import { parseWith } from '../core/validation';
import { redacted } from './columns';
import { readHeader, scanChunks, type ReadOptions } from './reader';
import { columnTypes, recordLine, type ColumnSpec, type DataChunk } from './types';
import { parseTimestamp } from './values';

const severity = z.enum(['error', 'warn']).default('error');
const share = z.number().min(0).max(1);
const bound = z.union([z.number(), z.string()]);

const columnRuleSchema = z
  .object({
    name: z.string().min(1),
    type: z.enum(columnTypes),
    /** The column must be in the file (an `error` when absent); optional columns are checked when present. */
    required: z.boolean().default(true),
    /** Largest share of missing values, 0..1. */
    missing: z.object({ maxShare: share, severity }).strict().optional(),
    /** Inclusive bounds for numeric, integer and timestamp columns (timestamps: epoch ms or ISO 8601). */
    range: z.object({ min: bound.optional(), max: bound.optional(), severity }).strict().optional(),
    /** The categorical values allowed. */
    allowed: z.object({ values: z.array(z.string()).min(1), severity }).strict().optional(),
    /** Largest share of non-missing values not among the known categories given at check time. */
    unseen: z.object({ maxShare: share, severity }).strict().optional(),
  })
  .strict();

/**
 * The data contract schema. Parse untrusted input with `parseContract` (it throws `InvalidPolicy`).
 *
 * @example
 *   const contract = dataContractSchema.parse({
 *     columns: [{ name: 'age', type: 'integer', range: { min: 0, max: 120 } }, { name: 'income', type: 'categorical' }],
 *     label: { column: 'income', values: ['<=50K', '>50K'] },
 *   });
 */
export const dataContractSchema = z
  .object({
    columns: z.array(columnRuleSchema).min(1),
    /** Columns whose values together identify a row: no two rows may share them, none may be missing. */
    key: z.object({ columns: z.array(z.string()).min(1), severity }).strict().optional(),
    /** The label column: never missing, and within `values` when given (categorical labels). */
    label: z.object({ column: z.string(), values: z.array(z.string()).min(1).optional(), severity }).strict().optional(),
    /** Fewest rows; by default one, so an empty or header-only file fails. */
    minRows: z.object({ count: z.number().int().min(0), severity }).strict().default({ count: 1, severity: 'error' }),
  })
  .strict()
  .superRefine((c, ctx) => {
    const byName = new Map<string, (typeof c.columns)[number]>();
    c.columns.forEach((col, i) => {
      if (byName.has(col.name)) ctx.addIssue({ code: 'custom', path: ['columns', i, 'name'], message: `column "${col.name}" is declared twice` });
      byName.set(col.name, col);
      const numeric = col.type === 'numeric' || col.type === 'integer' || col.type === 'timestamp';
      if (col.range && !numeric) ctx.addIssue({ code: 'custom', path: ['columns', i, 'range'], message: `range needs a numeric, integer or timestamp column, "${col.name}" is ${col.type}` });
      if (col.range) {
        const { min, max } = bounds(col);
        if (Number.isNaN(min) || Number.isNaN(max)) ctx.addIssue({ code: 'custom', path: ['columns', i, 'range'], message: 'bounds must be numbers (ISO 8601 text for timestamps)' });
        else if (min > max) ctx.addIssue({ code: 'custom', path: ['columns', i, 'range'], message: `min ${col.range.min} is above max ${col.range.max}` });
      }
      for (const rule of ['allowed', 'unseen'] as const) {
        if (col[rule] && col.type !== 'categorical') ctx.addIssue({ code: 'custom', path: ['columns', i, rule], message: `${rule} needs a categorical column, "${col.name}" is ${col.type}` });
      }
    });
    c.key?.columns.forEach((name, i) => {
      if (!byName.has(name)) ctx.addIssue({ code: 'custom', path: ['key', 'columns', i], message: `key column "${name}" is not a declared column` });
    });
    if (c.label) {
      const col = byName.get(c.label.column);
      if (!col) ctx.addIssue({ code: 'custom', path: ['label', 'column'], message: `label column "${c.label.column}" is not a declared column` });
      else if (c.label.values && col.type !== 'categorical') ctx.addIssue({ code: 'custom', path: ['label', 'values'], message: `label values need a categorical column, "${col.name}" is ${col.type}` });
    }
  });

/**
 * A parsed data contract (defaults filled in).
 *
 * @example
 *   const c: DataContract = parseContract({ columns: [{ name: 'x', type: 'numeric' }] });
 */
export type DataContract = z.infer<typeof dataContractSchema>;

/**
 * A data contract as written by a user (defaults optional).
 *
 * @example
 *   const input: DataContractInput = { columns: [{ name: 'x', type: 'numeric', missing: { maxShare: 0.1 } }] };
 */
export type DataContractInput = z.input<typeof dataContractSchema>;

/** One rule of a contract and a column's rules, for reading them by name. */
type ColumnRule = DataContract['columns'][number];

function boundValue(b: number | string, type: string): number {
  if (typeof b === 'number') return b;
  return type === 'timestamp' ? parseTimestamp(b) : NaN;
}

function bounds(col: Pick<ColumnRule, 'range' | 'type'>): { min: number; max: number } {
  const r = col.range;
  return {
    min: r?.min === undefined ? -Infinity : boundValue(r.min, col.type),
    max: r?.max === undefined ? Infinity : boundValue(r.max, col.type),
  };
}

/**
 * Parses and checks a contract; throws `InvalidPolicy` listing every problem with its path.
 *
 * @example
 *   parseContract({ columns: [{ name: 'age', type: 'integer', allowed: { values: ['1'] } }] }); // throws: allowed needs a categorical column
 */
export function parseContract(input: unknown): DataContract {
  return parseWith(dataContractSchema, input, { type: 'InvalidPolicy', what: 'data contract' });
}

/** Names of the rules a violation can come from. */
export type ContractRule = 'required' | 'type' | 'missing' | 'range' | 'allowed' | 'unseen' | 'unique-key' | 'label' | 'min-rows';

/**
 * One broken rule: how many rows break it and where the first ones are.
 *
 * @example
 *   const v: ContractViolation = { rule: 'range', column: 'age', severity: 'error', count: 2, exampleRows: [7, 9], message: '2 values outside [0, 120]' };
 */
export interface ContractViolation {
  rule: ContractRule;
  column?: string;
  severity: 'error' | 'warn';
  count: number;
  /** 1-based lines of the first (up to 5) offending records. */
  exampleRows: number[];
  message: string;
}

/**
 * The outcome of checking one file against a contract.
 *
 * @example
 *   const report = await checkContract('batch.csv', contract);
 *   if (!report.passed) console.log(report.violations.filter((v) => v.severity === 'error'));
 */
export interface ContractReport {
  file: string;
  sha256: string;
  rows: number;
  /** No violation of severity `error`. */
  passed: boolean;
  violations: ContractViolation[];
  /** Rules that could not be checked, and why (e.g. `unseen` without known categories). */
  notes: string[];
  /** What the reader accepted but reports (e.g. repeated header names it renamed), located like errors. */
  warnings: string[];
}

/**
 * Options of `checkContract`.
 *
 * @example
 *   const options: CheckOptions = { knownCategories: { sex: ['Male', 'Female'] } };
 */
export interface CheckOptions {
  /** Categories seen in the reference (training) data, per column, for the `unseen` rules. */
  knownCategories?: Record<string, Iterable<string>>;
  /**
   * Receives every chunk after the contract has looked at it, so a caller can profile the file in the
   * same pass instead of reading it twice. Values that broke their type arrive as missing. The
   * chunk's arrays are reused for the next chunk: keep what you need, not the chunk.
   */
  onChunk?: (chunk: DataChunk) => void;
}

const EXAMPLES = 5;

class Tally {
  count = 0;
  rows: number[] = [];
  add(row: number): void {
    this.count++;
    if (this.rows.length < EXAMPLES) this.rows.push(row);
  }
}

// Lazily evaluates a per-dictionary-code predicate: categories are tested once, not once per row.
class CodeFlags {
  private flags = new Uint8Array(64);
  private known = 0;
  constructor(private readonly test: (value: string) => boolean) {}
  get(code: number, dictionary: readonly string[]): boolean {
    if (code >= this.known) {
      if (dictionary.length > this.flags.length) {
        const bigger = new Uint8Array(Math.max(dictionary.length, this.flags.length * 2));
        bigger.set(this.flags);
        this.flags = bigger;
      }
      for (let c = this.known; c < dictionary.length; c++) this.flags[c] = this.test(dictionary[c]) ? 1 : 0;
      this.known = dictionary.length;
    }
    return this.flags[code] === 1;
  }
}

/**
 * Set of row keys held as two independent 32-bit hashes in an open-addressing table kept at most
 * half full: 16 to 32 bytes per row (160 to 320 MB for 10 million rows), whatever the key's width. Two different keys are taken for equal only if both hashes collide: with n rows the chance
 * of any false duplicate is about n² / 2^65 (3e-6 at 10 million rows).
 */
class KeySet {
  private table = new Uint32Array(2 * 1024);
  private size = 0;
  /** Adds a key; false when it was already present. */
  add(h1: number, h2: number): boolean {
    if (h1 === 0 && h2 === 0) h2 = 1;
    if ((this.size + 1) * 2 > this.table.length / 2) this.grow();
    return this.insert(this.table, h1, h2);
  }
  private insert(table: Uint32Array, h1: number, h2: number): boolean {
    const mask = table.length / 2 - 1;
    for (let slot = h1 & mask; ; slot = (slot + 1) & mask) {
      const a = table[2 * slot];
      const b = table[2 * slot + 1];
      if (a === 0 && b === 0) {
        table[2 * slot] = h1;
        table[2 * slot + 1] = h2;
        if (table === this.table) this.size++;
        return true;
      }
      if (a === h1 >>> 0 && b === h2 >>> 0) return false;
    }
  }
  private grow(): void {
    const old = this.table;
    const next = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0 || old[i + 1] !== 0) this.insert(next, old[i], old[i + 1]);
    this.table = next;
  }
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function mix(h: number, x: number, m: number): number {
  h = Math.imul(h ^ x, m);
  return h ^ (h >>> 15);
}

function finish(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function list(values: Iterable<string>, max = 3, redact = false): string {
  const all = [...values];
  return all.slice(0, max).map((v) => (redact ? redacted(v) : JSON.stringify(v))).join(', ') + (all.length > max ? ', …' : '');
}

function percent(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

interface ColumnCheck {
  rule: ColumnRule;
  index: number;
  invalid: Tally;
  firstInvalid: string;
  missing: Tally;
  range: Tally;
  min: number;
  max: number;
  allowed: Tally;
  allowedFlags: CodeFlags | null;
  badValues: Set<string>;
  unseen: Tally;
  unseenFlags: CodeFlags | null;
  unseenValues: Set<string>;
  nonMissing: number;
  label: Tally;
  labelMissing: Tally;
  labelFlags: CodeFlags | null;
}

/**
 * A missing value at `line`, unless converting the chunk already reported the line as invalid: a
 * value that is not a number is one problem, not also a missing value.
 */
function countMissing(check: ColumnCheck, line: number, invalid: Set<number> | undefined, isLabel: boolean): void {
  if (invalid?.has(line)) return;
  check.missing.add(line);
  if (isLabel) check.labelMissing.add(line);
}

/**
 * Checks a file against a data contract in one streaming pass and reports every broken rule with
 * counts and example rows. The columns read and their types come from the contract (`readOptions`
 * gives the dialect; its `columns` and `onInvalid` are replaced). Values that do not fit their type
 * are `type` violations (error) and count as neither missing nor out of range. Throws `MalformedData`
 * for unreadable bytes and `InvalidPolicy` for a bad contract.
 *
 * Memory: constant, plus 16 to 32 bytes per row when the contract has a `key` (see `KeySet`).
 *
 * @example
 *   const report = await checkContract('adult.test', adultContract, adultReadOptions('adult.test'), { knownCategories: { 'native-country': trainCountries } });
 *   assertContract(report);
 */
export async function checkContract(
  file: string,
  contractInput: DataContractInput | DataContract,
  readOptions: ReadOptions = {},
  options: CheckOptions = {},
): Promise<ContractReport> {
  const contract = parseContract(contractInput);
  const violations: ContractViolation[] = [];
  const notes: string[] = [];
  const header = (readOptions.format ?? (/\.(jsonl|ndjson)$/i.test(file) ? 'jsonl' : 'csv')) === 'jsonl' ? null : await readHeader(file, readOptions);
  const present = contract.columns.filter((c) => !header || header.includes(c.name));
  for (const col of contract.columns) {
    if (header && !header.includes(col.name) && col.required) {
      violations.push({ rule: 'required', column: col.name, severity: 'error', count: 1, exampleRows: [], message: `required column "${col.name}" is not in the file` });
    }
  }
  const checks = new Map<string, ColumnCheck>();
  present.forEach((rule, index) => {
    const known = options.knownCategories?.[rule.name];
    if (rule.unseen && !known) notes.push(`unseen "${rule.name}": not checked, no known categories were given`);
    const knownSet = known ? new Set(known) : null;
    const allowedSet = rule.allowed ? new Set(rule.allowed.values) : null;
    const labelSet = contract.label?.column === rule.name && contract.label.values ? new Set(contract.label.values) : null;
    checks.set(rule.name, {
      rule,
      index,
      invalid: new Tally(),
      firstInvalid: '',
      missing: new Tally(),
      range: new Tally(),
      ...bounds(rule),
      allowed: new Tally(),
      allowedFlags: allowedSet ? new CodeFlags((v) => allowedSet.has(v)) : null,
      badValues: new Set(),
      unseen: new Tally(),
      unseenFlags: rule.unseen && knownSet ? new CodeFlags((v) => knownSet.has(v)) : null,
      unseenValues: new Set(),
      nonMissing: 0,
      label: new Tally(),
      labelMissing: new Tally(),
      labelFlags: labelSet ? new CodeFlags((v) => labelSet.has(v)) : null,
    });
  });

  // Invalid values of a chunk are reported while it is converted, before it is handed out: they
  // are remembered by line so the chunk's pass can tell them from genuinely missing values.
  const invalidLines = new Map<string, Set<number>>();
  const specs: ColumnSpec[] = present.map((c) => ({ name: c.name, type: c.type }));
  const keyColumns = contract.key && contract.key.columns.every((k) => checks.has(k)) ? contract.key.columns.map((k) => checks.get(k)!.index) : null;
  if (contract.key && !keyColumns) notes.push('unique-key: not checked, a key column is not in the file');
  const keys = keyColumns ? new KeySet() : null;
  const duplicates = new Tally();
  const keyMissing = new Tally();
  const labelName = contract.label?.column;

  const onChunk = (chunk: DataChunk): void => {
    for (const check of checks.values()) {
      const col = chunk.columns[check.index];
      const bad = invalidLines.get(check.rule.name);
      const isLabel = check.rule.name === labelName;
      if (col.type === 'categorical') {
        const { codes, dictionary } = col;
        for (let i = 0; i < chunk.rows; i++) {
          const code = codes[i];
          if (code < 0) {
            countMissing(check, recordLine(chunk, i), bad, isLabel);
            continue;
          }
          check.nonMissing++;
          if (check.allowedFlags && !check.allowedFlags.get(code, dictionary)) {
            check.allowed.add(recordLine(chunk, i));
            if (check.badValues.size < 10) check.badValues.add(dictionary[code]);
          }
          if (check.unseenFlags && !check.unseenFlags.get(code, dictionary)) {
            check.unseen.add(recordLine(chunk, i));
            if (check.unseenValues.size < 10) check.unseenValues.add(dictionary[code]);
          }
          if (check.labelFlags && !check.labelFlags.get(code, dictionary)) check.label.add(recordLine(chunk, i));
        }
      } else {
        const { values } = col;
        const { min, max } = check;
        for (let i = 0; i < chunk.rows; i++) {
          const v = values[i];
          if (v !== v) {
            countMissing(check, recordLine(chunk, i), bad, isLabel);
            continue;
          }
          check.nonMissing++;
          if (v < min || v > max) check.range.add(recordLine(chunk, i));
        }
      }
    }
    if (keys && keyColumns) {
      for (let i = 0; i < chunk.rows; i++) {
        let h1 = 0x2545f491;
        let h2 = 0x9e3779b9 | 0;
        let hasMissing = false;
        for (const k of keyColumns) {
          const col = chunk.columns[k];
          if (col.type === 'categorical') {
            const code = col.codes[i];
            if (code < 0) hasMissing = true;
            h1 = mix(h1, code, 0xcc9e2d51);
            h2 = mix(h2, code, 0x1b873593);
          } else {
            const v = col.values[i];
            if (v !== v) hasMissing = true;
            f64[0] = v === 0 ? 0 : v; // -0 and 0 are one key
            h1 = mix(mix(h1, u32[0], 0xcc9e2d51), u32[1], 0xcc9e2d51);
            h2 = mix(mix(h2, u32[0], 0x1b873593), u32[1], 0x1b873593);
          }
        }
        if (hasMissing) keyMissing.add(recordLine(chunk, i));
        else if (!keys.add(finish(h1), finish(h2 ^ 0x5bd1e995))) duplicates.add(recordLine(chunk, i));
      }
    }
    invalidLines.clear();
    options.onChunk?.(chunk);
  };

  const summary = await scanChunks(
    file,
    {
      ...readOptions,
      // Chunks are checked and handed to onChunk, then dropped (see CheckOptions.onChunk).
      reuseBuffers: true,
      columns: specs,
      onInvalid: (issue) => {
        const check = checks.get(issue.column)!;
        if (check.invalid.count === 0) check.firstInvalid = issue.message;
        check.invalid.add(issue.row);
        let set = invalidLines.get(issue.column);
        if (!set) invalidLines.set(issue.column, (set = new Set()));
        set.add(issue.row);
      },
    },
    onChunk,
  );

  const rows = summary.rows;
  const hidden = (column: string) => readOptions.redact?.includes(column) ?? false;
  const push = (rule: ContractRule, column: string | undefined, sev: 'error' | 'warn', tally: Tally, message: string): void => {
    violations.push({ rule, ...(column !== undefined ? { column } : {}), severity: sev, count: tally.count, exampleRows: tally.rows, message });
  };
  for (const check of checks.values()) {
    const { rule } = check;
    const name = rule.name;
    if (check.invalid.count > 0) push('type', name, 'error', check.invalid, `${check.invalid.count} value(s) are not ${rule.type}; first: ${check.firstInvalid}`);
    if (rule.missing && rows > 0 && check.missing.count / rows > rule.missing.maxShare) {
      push('missing', name, rule.missing.severity, check.missing, `missing in ${check.missing.count} of ${rows} rows (${percent(check.missing.count / rows)}), above the allowed ${percent(rule.missing.maxShare)}`);
    }
    if (rule.range && check.range.count > 0) {
      push('range', name, rule.range.severity, check.range, `${check.range.count} value(s) outside [${rule.range.min ?? '-∞'}, ${rule.range.max ?? '∞'}]`);
    }
    if (rule.allowed && check.allowed.count > 0) {
      push('allowed', name, rule.allowed.severity, check.allowed, `${check.allowed.count} value(s) not allowed: ${list(check.badValues, 3, hidden(name))}`);
    }
    if (rule.unseen && check.unseenFlags && check.nonMissing > 0 && check.unseen.count / check.nonMissing > rule.unseen.maxShare) {
      push('unseen', name, rule.unseen.severity, check.unseen, `${percent(check.unseen.count / check.nonMissing)} of values are categories unseen in the reference (limit ${percent(rule.unseen.maxShare)}): ${list(check.unseenValues, 3, hidden(name))}`);
    }
    if (contract.label && name === labelName) {
      if (check.labelMissing.count > 0) push('label', name, contract.label.severity, check.labelMissing, `label missing in ${check.labelMissing.count} row(s)`);
      if (check.label.count > 0) push('label', name, contract.label.severity, check.label, `${check.label.count} label(s) outside ${list(contract.label.values ?? [], 10)}`);
    }
  }
  if (contract.key && duplicates.count > 0) {
    push('unique-key', contract.key.columns.join(', '), contract.key.severity, duplicates, `${duplicates.count} row(s) repeat an earlier key (${contract.key.columns.join(', ')})`);
  }
  if (contract.key && keyMissing.count > 0) {
    push('unique-key', contract.key.columns.join(', '), contract.key.severity, keyMissing, `${keyMissing.count} row(s) have a missing key part`);
  }
  if (rows < contract.minRows.count) {
    push('min-rows', undefined, contract.minRows.severity, new Tally(), `the file has ${rows} row(s), fewer than the required ${contract.minRows.count}`);
  }
  return {
    file,
    sha256: summary.sha256,
    rows,
    passed: !violations.some((v) => v.severity === 'error'),
    violations,
    notes,
    warnings: summary.warnings.map((w) => w.message),
  };
}

/**
 * Throws `DataContractViolation` when a report has error-severity violations. The message names the
 * file, the first offending row and column, and lists the first three error violations; the whole
 * report is in `details`.
 *
 * @example
 *   assertContract(await checkContract('batch.csv', contract)); // throws: batch.csv, row 7, column "age": data contract failed: ...
 */
export function assertContract(report: ContractReport): void {
  const errors = report.violations.filter((v) => v.severity === 'error');
  if (errors.length === 0) return;
  const first = errors[0];
  const lines = errors.slice(0, 3).map((v) => {
    const where = v.exampleRows.length > 0 ? ` (rows ${v.exampleRows.join(', ')})` : '';
    return `[${v.rule}${v.column ? ` "${v.column}"` : ''}] ${v.message}${where}`;
  });
  const more = errors.length > 3 ? `; and ${errors.length - 3} more` : '';
  throw new StewardError(
    'DataContractViolation',
    `data contract failed with ${errors.length} error violation(s): ${lines.join('; ')}${more}`,
    {
      file: report.file,
      ...(first.exampleRows.length > 0 ? { row: first.exampleRows[0] } : {}),
      ...(first.column !== undefined ? { column: first.column } : {}),
    },
    { details: report },
  );
}
