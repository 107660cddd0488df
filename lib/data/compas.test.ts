import { describe, expect, it } from 'vitest';
import { checkContract } from './contract';
import { readHeader, readTable } from './reader';
import type { ColumnChunk } from './types';
import { compasFile, compasRecords } from '../../test/support/compas';

// ProPublica's COMPAS file names `decile_score` and `priors_count` twice. pandas reads the second
// copies as `decile_score.1` and `priors_count.1`, and in the published file they hold the same
// values as the first copies.
const compas = compasFile();

function numbers(col: ColumnChunk | undefined): number[] {
  if (!col || col.type === 'categorical') throw new Error('not a number column');
  return [...col.values];
}

describe("ProPublica's COMPAS file, whose header repeats two names", () => {
  const raw = compasRecords();
  const header = raw[0];

  it('the raw file has 7214 records of 53 fields, and repeats decile_score (fields 12, 40) and priors_count (15, 49) with equal values', () => {
    expect(raw).toHaveLength(7215);
    expect(raw.every((r) => r.length === 53)).toBe(true);
    expect([header[11], header[39], header[14], header[48]]).toEqual(['decile_score', 'decile_score', 'priors_count', 'priors_count']);
    expect(new Set(header).size).toBe(51);
    const body = raw.slice(1);
    expect(body.filter((r) => r[11] !== r[39])).toEqual([]);
    expect(body.filter((r) => r[14] !== r[48])).toEqual([]);
  });

  it('reads every column, the repeats as decile_score.1 and priors_count.1, with a warning naming their fields', async () => {
    const t = await readTable(compas);
    expect(t.rows).toBe(7214);
    const expected = header.slice();
    expected[39] = 'decile_score.1';
    expected[48] = 'priors_count.1';
    expect(t.header).toEqual(expected);
    expect(t.columns.map((c) => c.name)).toEqual(expected);
    expect(await readHeader(compas)).toEqual(expected);
    expect(t.warnings.map((w) => w.message)).toEqual([
      `${compas}, row 1: the header repeats "decile_score" (fields 12 and 40) and "priors_count" (fields 15 and 49); as pandas does, it reads field 40 as "decile_score.1" and field 49 as "priors_count.1"`,
    ]);
    expect(t.warnings[0].renamed).toEqual([
      { name: 'decile_score.1', header: 'decile_score', field: 40 },
      { name: 'priors_count.1', header: 'priors_count', field: 49 },
    ]);
  });

  it('reads the same values under both names, equal to the raw text on every row', async () => {
    const t = await readTable(compas, {
      columns: [
        { name: 'decile_score', type: 'integer' },
        { name: 'decile_score.1', type: 'integer' },
        { name: 'priors_count', type: 'integer' },
        { name: 'priors_count.1', type: 'integer' },
      ],
    });
    const [decile, decile1, priors, priors1] = t.columns.map(numbers);
    const body = raw.slice(1);
    expect(decile).toEqual(body.map((r) => Number(r[11])));
    expect(decile1).toEqual(decile);
    expect(priors).toEqual(body.map((r) => Number(r[14])));
    expect(priors1).toEqual(priors);
    expect(Math.min(...decile)).toBe(1);
    expect(Math.max(...decile)).toBe(10);
  });

  it('checks a data contract that refers to decile_score.1, and carries the warning into the report', async () => {
    const report = await checkContract(compas, {
      columns: [
        { name: 'decile_score.1', type: 'integer', range: { min: 1, max: 10 }, missing: { maxShare: 0 } },
        { name: 'priors_count.1', type: 'integer', range: { min: 0 } },
        { name: 'race', type: 'categorical' },
        { name: 'two_year_recid', type: 'integer', range: { min: 0, max: 1 } },
      ],
    });
    expect(report.violations).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.rows).toBe(7214);
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toContain('it reads field 40 as "decile_score.1" and field 49 as "priors_count.1"');
  });
});
