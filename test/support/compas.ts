/**
 * ProPublica's COMPAS recidivism file (propublica/compas-analysis, 2016), unchanged in the shared
 * data folder, and an independent reading of its text for tests to check Steward's reader and
 * metrics against.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDataDir } from '../../lib/runtime/paths';

/** Path of compas-scores-two-years.csv (7214 rows, 53 columns, `decile_score` and `priors_count` named twice). */
export const compasFile = (): string => join(sharedDataDir(), 'compas', 'compas-scores-two-years.csv');

/**
 * The file's records as text fields, header first, read without Steward's reader: CRLF lines,
 * commas, and double-quoted fields (some charge descriptions hold commas; no field holds a quote or
 * a line break).
 *
 * @example
 *   const [header, ...rows] = compasRecords();
 *   rows.map((r) => Number(r[header.indexOf('decile_score')]));
 */
export function compasRecords(): string[][] {
  const lines = readFileSync(compasFile(), 'utf8').split('\r\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => Array.from(line.matchAll(/("([^"]*)"|[^,]*)(,|$)/g), (m) => m[2] ?? m[1]).slice(0, -1));
}
