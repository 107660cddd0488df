/**
 * How a model's policy reads its data files: the dialect from `policy.data`, the columns and types
 * from the data contract; and a whole file read as the model's table.
 */
import { readTable, type ReadOptions } from '../data/reader';
import type { DataChunk } from '../data/types';
import { tableFromColumns, type Table } from '../data/table';
import type { Policy } from './schema';

/** Reader options for a policy's files (training batches and the evaluation file read alike). */
export function readOptionsFor(policy: Policy): ReadOptions {
  const d = policy.data;
  const normalize: Record<string, (v: string) => string> = {};
  for (const [column, rule] of Object.entries(d.normalize)) {
    normalize[column] = (v) => (v.endsWith(rule.stripSuffix) ? v.slice(0, -rule.stripSuffix.length) : v);
  }
  return {
    format: d.format,
    separator: d.separator,
    header: d.header,
    columnNames: d.columnNames,
    skipLines: d.skipLines,
    comment: d.comment,
    missing: d.missing,
    trim: d.trim,
    normalize,
    columns: policy.contract.columns.map((c) => ({ name: c.name, type: c.type })),
    // Values of these columns never appear in an error (and so never in history, audit or logs).
    redact: [...d.protectedAttributes, ...d.personal],
  };
}

export interface ModelTable {
  table: Table;
  /** The same data as the reader returned it (one chunk), e.g. to profile it without reading again. */
  chunk: DataChunk;
  rows: number;
  sha256: string;
  /** 1-based file line of each record (to name rows in messages). */
  lines: Int32Array;
}

/** Reads a whole (training or evaluation) file for a model, typed by its contract. */
export async function loadModelTable(file: string, policy: Policy): Promise<ModelTable> {
  const t = await readTable(file, readOptionsFor(policy));
  return { table: tableFromColumns(t.columns), chunk: { firstRow: 1, rows: t.rows, columns: t.columns, lines: t.lines }, rows: t.rows, sha256: t.sha256, lines: t.lines };
}
