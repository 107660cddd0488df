import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv';

describe('the CSV reader', () => {
  it('reads a header and rows, with quotes, escaped quotes, CRLF and a trailing newline', () => {
    const t = parseCsv('\uFEFFid,name,score\r\n1,"Smith, J.",0.5\r\n2,"say ""hi""",0.25\r\n', 'f.csv');
    expect(t.header).toEqual(['id', 'name', 'score']);
    expect(t.rows).toEqual([
      ['1', 'Smith, J.', '0.5'],
      ['2', 'say "hi"', '0.25'],
    ]);
    expect(t.lines).toEqual([2, 3]);
  });

  it('quoted fields may span lines; row numbers are the physical line where a record starts', () => {
    const t = parseCsv('a,b\n"x\ny",1\nz,2\n\n');
    expect(t.rows).toEqual([
      ['x\ny', '1'],
      ['z', '2'],
    ]);
    expect(t.lines).toEqual([2, 4]);
  });

  it('keeps empty fields', () => {
    expect(parseCsv('a,b,c\n,,\n').rows).toEqual([['', '', '']]);
  });

  it('names the file and line of malformed input (MalformedData)', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n', 'f.csv')).toThrow(expect.objectContaining({ type: 'MalformedData', location: { file: 'f.csv', row: 3 } }));
    expect(() => parseCsv('a,b\n1,"2\n', 'f.csv')).toThrow(expect.objectContaining({ type: 'MalformedData', message: 'f.csv, row 2: unterminated quoted field' }));
    expect(() => parseCsv('a,b\n1,"2"x\n', 'f.csv')).toThrow(expect.objectContaining({ type: 'MalformedData' }));
    expect(() => parseCsv('a,a\n1,2\n', 'f.csv')).toThrow(expect.objectContaining({ type: 'MalformedData', location: expect.objectContaining({ column: 'a' }) }));
    expect(() => parseCsv('', 'f.csv')).toThrow(expect.objectContaining({ type: 'MalformedData' }));
  });
});
