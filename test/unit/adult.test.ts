import { describe, expect, it } from 'vitest';
import { assertContract, checkContract } from '../../lib/data/contract';
import { adultColumns, adultContract, adultFiles, adultReadOptions } from '../support/adult';
import { readTable, type ReadResult } from '../../lib/data/reader';

async function adult(): Promise<ReadResult[]> {
  return Promise.all([readTable(adultFiles.train, adultReadOptions(adultFiles.train)), readTable(adultFiles.test, adultReadOptions(adultFiles.test))]);
}

function counts(tables: ReadResult[], name: string): Map<string | null, number> {
  const out = new Map<string | null, number>();
  for (const t of tables) {
    const col = t.columns.find((c) => c.name === name);
    if (!col || col.type !== 'categorical') throw new Error(`${name} is not categorical`);
    for (const code of col.codes) {
      const key = code < 0 ? null : col.dictionary[code];
      out.set(key, (out.get(key) ?? 0) + 1);
    }
  }
  return out;
}

describe('UCI Adult', () => {
  it('reads 48842 rows in 15 typed columns from the two files, with their published checksums', async () => {
    const [train, test] = await adult();
    expect(train.rows).toBe(32561);
    expect(test.rows).toBe(16281);
    expect(train.sha256.slice(0, 16)).toBe('5b00264637dbfec3');
    expect(test.sha256.slice(0, 16)).toBe('a2a9044bc167a35b');
    expect(train.columns.map((c) => [c.name, c.type])).toEqual(adultColumns.map((c) => [c.name, c.type]));
    expect(test.lines[0]).toBe(2); // the junk first line is skipped
  });

  it('reproduces the published counts: 45222 complete rows, 23.93% >50K, Male 32650 / Female 16192', async () => {
    const tables = await adult();
    let complete = 0;
    for (const t of tables) {
      for (let i = 0; i < t.rows; i++) {
        const anyMissing = t.columns.some((c) => (c.type === 'categorical' ? c.codes[i] < 0 : Number.isNaN(c.values[i])));
        if (!anyMissing) complete++;
      }
    }
    expect(complete).toBe(45222);
    const income = counts(tables, 'income');
    expect([...income.keys()].sort()).toEqual(['<=50K', '>50K']);
    expect(((100 * income.get('>50K')!) / 48842).toFixed(2)).toBe('23.93');
    const sex = counts(tables, 'sex');
    expect(sex.get('Male')).toBe(32650);
    expect(sex.get('Female')).toBe(16192);
  });

  it('passes the default Adult contract, warning on nothing when the test file is checked against training countries', async () => {
    const [train] = await adult();
    const country = train.columns.find((c) => c.name === 'native-country');
    const known = country?.type === 'categorical' ? country.dictionary : [];
    const report = await checkContract(adultFiles.test, adultContract, adultReadOptions(adultFiles.test), { knownCategories: { 'native-country': known } });
    expect(report.rows).toBe(16281);
    expect(report.violations).toEqual([]);
    expect(report.passed).toBe(true);
    expect(() => assertContract(report)).not.toThrow();
  });
});
