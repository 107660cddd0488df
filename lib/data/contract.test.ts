import { describe, expect, it } from 'vitest';
import { StewardError } from '../core/errors';
import { assertContract, checkContract, parseContract, type ContractReport, type DataContractInput } from './contract';
import { tempFile } from '../../test/support/temp-files';

const people = tempFile(
  ['id,age,sex,score,label', '1,39,Male,0.5,yes', '2,,Female,0.7,no', '3,150,Other,abc,maybe', '3,41,Male,0.1,', '5,28,Alien,0.2,no'].join('\n') + '\n',
);

function violation(report: ContractReport, rule: string, column?: string) {
  return report.violations.find((v) => v.rule === rule && (column === undefined || v.column === column));
}

describe('parseContract', () => {
  it('fills defaults: required columns, error severity, at least one row', () => {
    const c = parseContract({ columns: [{ name: 'x', type: 'numeric', missing: { maxShare: 0.1 } }] });
    expect(c.columns[0].required).toBe(true);
    expect(c.columns[0].missing?.severity).toBe('error');
    expect(c.minRows).toEqual({ count: 1, severity: 'error' });
  });

  it('throws InvalidPolicy naming each inconsistent rule', () => {
    const bad = {
      columns: [
        { name: 'x', type: 'numeric', allowed: { values: ['a'] }, range: { min: 5, max: 1 } },
        { name: 'x', type: 'categorical' },
      ],
      key: { columns: ['nope'] },
      label: { column: 'x', values: ['a'] },
    };
    try {
      parseContract(bad);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(StewardError);
      expect((e as StewardError).type).toBe('InvalidPolicy');
      const m = (e as StewardError).message;
      expect((e as StewardError).location.field).toBe('columns.0.range');
      expect(m).toContain('min 5 is above max 1');
      expect(m).toContain('columns.0.allowed: allowed needs a categorical column');
      expect(m).toContain('columns.1.name: column "x" is declared twice');
      expect(m).toContain('key.columns.0: key column "nope" is not a declared column');
    }
  });
});

describe('checkContract', () => {
  const contract: DataContractInput = {
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'age', type: 'integer', missing: { maxShare: 0.1 }, range: { min: 0, max: 120 } },
      { name: 'sex', type: 'categorical', allowed: { values: ['Male', 'Female'], severity: 'warn' }, unseen: { maxShare: 0.2 } },
      { name: 'score', type: 'numeric' },
      { name: 'label', type: 'categorical' },
      { name: 'region', type: 'categorical', required: false },
    ],
    key: { columns: ['id'] },
    label: { column: 'label', values: ['yes', 'no'] },
    minRows: { count: 10, severity: 'warn' },
  };

  it('reports every broken rule with its count, severity and first rows', async () => {
    const report = await checkContract(people, contract, {}, { knownCategories: { sex: ['Male', 'Female'] } });
    expect(report.rows).toBe(5);
    expect(report.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.passed).toBe(false);
    expect(violation(report, 'type', 'score')).toMatchObject({ severity: 'error', count: 1, exampleRows: [4] });
    expect(violation(report, 'missing', 'age')).toMatchObject({ severity: 'error', count: 1, exampleRows: [3] });
    expect(violation(report, 'range', 'age')).toMatchObject({ count: 1, exampleRows: [4] });
    expect(violation(report, 'allowed', 'sex')).toMatchObject({ severity: 'warn', count: 2, exampleRows: [4, 6] });
    expect(violation(report, 'unseen', 'sex')).toMatchObject({ count: 2, exampleRows: [4, 6] });
    expect(violation(report, 'unique-key', 'id')).toMatchObject({ count: 1, exampleRows: [5] });
    const labels = report.violations.filter((v) => v.rule === 'label');
    expect(labels.map((v) => [v.count, v.exampleRows])).toEqual([
      [1, [5]],
      [1, [4]],
    ]);
    expect(violation(report, 'min-rows')).toMatchObject({ severity: 'warn', count: 0 });
    expect(violation(report, 'required')).toBeUndefined(); // region is optional
  });

  it('passes a clean file and flags nothing', async () => {
    const clean = tempFile('id,age,sex,score,label,region\n1,39,Male,0.5,yes,n\n2,40,Female,0.7,no,s\n');
    const report = await checkContract(clean, { ...contract, minRows: { count: 2 } }, {}, { knownCategories: { sex: ['Male', 'Female'] } });
    expect(report.violations).toEqual([]);
    expect(report.notes).toEqual([]);
    expect(report.passed).toBe(true);
  });

  it('notes an unseen rule it cannot check without known categories', async () => {
    const report = await checkContract(people, contract);
    expect(violation(report, 'unseen')).toBeUndefined();
    expect(report.notes).toEqual(['unseen "sex": not checked, no known categories were given']);
  });

  it('reports a missing required column and checks the others', async () => {
    const file = tempFile('id\n1\n2\n');
    const report = await checkContract(file, { columns: [{ name: 'id', type: 'integer' }, { name: 'age', type: 'integer' }], key: { columns: ['id'] } });
    expect(report.violations).toEqual([{ rule: 'required', column: 'age', severity: 'error', count: 1, exampleRows: [], message: 'required column "age" is not in the file' }]);
  });

  it('flags a header-only file through minRows', async () => {
    const report = await checkContract(tempFile('id\n'), { columns: [{ name: 'id', type: 'integer' }] });
    expect(report.rows).toBe(0);
    expect(violation(report, 'min-rows')).toMatchObject({ severity: 'error', message: 'the file has 0 row(s), fewer than the required 1' });
  });

  it('checks composite keys and missing key parts', async () => {
    const file = tempFile('a,b\n1,x\n1,y\n1,x\n,x\n');
    const report = await checkContract(file, { columns: [{ name: 'a', type: 'integer' }, { name: 'b', type: 'categorical' }], key: { columns: ['a', 'b'] } });
    const [dup, missing] = report.violations;
    expect(dup).toMatchObject({ rule: 'unique-key', count: 1, exampleRows: [4] });
    expect(missing).toMatchObject({ rule: 'unique-key', count: 1, exampleRows: [5], message: '1 row(s) have a missing key part' });
  });

  it('checks timestamp ranges given as ISO text', async () => {
    const file = tempFile('t\n2011-01-01\n2013-05-01\n');
    const report = await checkContract(file, { columns: [{ name: 't', type: 'timestamp', range: { min: '2011-01-01', max: '2012-12-31T23:59:59Z' } }] });
    expect(violation(report, 'range', 't')).toMatchObject({ count: 1, exampleRows: [3] });
  });

  it('still throws MalformedData for unreadable bytes', async () => {
    const file = tempFile('id\n1\n"2\n');
    await expect(checkContract(file, { columns: [{ name: 'id', type: 'integer' }] })).rejects.toMatchObject({ type: 'MalformedData' });
  });
});

describe('assertContract', () => {
  it('throws DataContractViolation naming file, first row and column of the first error violations', async () => {
    const report = await checkContract(people, { columns: [{ name: 'age', type: 'integer', range: { min: 0, max: 120 } }] });
    expect(() => assertContract(report)).toThrow(StewardError);
    try {
      assertContract(report);
    } catch (e) {
      const err = e as StewardError;
      expect(err.type).toBe('DataContractViolation');
      expect(err.message).toBe(`${people}, row 4, column "age": data contract failed with 1 error violation(s): [range "age"] 1 value(s) outside [0, 120] (rows 4)`);
      expect(err.details).toBe(report);
    }
  });

  it('accepts a report whose violations are only warnings', () => {
    const report: ContractReport = { file: 'f', sha256: '', rows: 1, passed: true, notes: [], warnings: [], violations: [{ rule: 'missing', column: 'x', severity: 'warn', count: 1, exampleRows: [2], message: 'm' }] };
    expect(() => assertContract(report)).not.toThrow();
  });
});
