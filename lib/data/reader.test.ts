import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StewardError } from '../core/errors';
import { readChunks, readHeader, readTable, scanChunks, type ReadOptions } from './reader';
import { tempFile } from '../../test/support/temp-files';
import { recordLine, type ColumnChunk, type DataChunk } from './types';

function numbers(col: ColumnChunk | undefined): number[] {
  if (!col || col.type === 'categorical') throw new Error('not a number column');
  return [...col.values];
}

function texts(col: ColumnChunk | undefined): (string | null)[] {
  if (!col || col.type !== 'categorical') throw new Error('not a categorical column');
  return [...col.codes].map((c) => (c < 0 ? null : col.dictionary[c]));
}

async function failure(file: string, options: ReadOptions = {}): Promise<StewardError> {
  try {
    await readTable(file, options);
  } catch (e) {
    expect(e).toBeInstanceOf(StewardError);
    return e as StewardError;
  }
  throw new Error('expected the read to fail');
}

describe('readTable', () => {
  it('reads a headed CSV and infers numeric, boolean and categorical columns', async () => {
    const t = await readTable(tempFile('a,b,c\n1,x,true\n2.5,y,false\n,x,\n'));
    expect(t.header).toEqual(['a', 'b', 'c']);
    expect(t.columns.map((c) => c.type)).toEqual(['numeric', 'categorical', 'boolean']);
    expect(numbers(t.columns[0])).toEqual([1, 2.5, NaN]);
    expect(texts(t.columns[1])).toEqual(['x', 'y', 'x']);
    expect(numbers(t.columns[2])).toEqual([1, 0, NaN]);
    expect([...t.lines]).toEqual([2, 3, 4]);
  });

  it('returns the sha256 of the exact bytes', async () => {
    const file = tempFile('\uFEFFa\r\n1\r\n');
    const t = await readTable(file);
    expect(t.sha256).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    expect(t.bytes).toBe(readFileSync(file).length);
  });

  it('reads the declared columns only, in the declared order, with their types', async () => {
    const file = tempFile('id,when,flag,n\n1,2011-01-01,yes,3\n2,2011-01-02T06:30:00Z,no,4\n');
    const t = await readTable(file, {
      columns: [
        { name: 'n', type: 'integer' },
        { name: 'when', type: 'timestamp' },
        { name: 'flag', type: 'boolean' },
      ],
    });
    expect(t.columns.map((c) => c.name)).toEqual(['n', 'when', 'flag']);
    expect(numbers(t.columns[0])).toEqual([3, 4]);
    expect(numbers(t.columns[1])).toEqual([Date.UTC(2011, 0, 1), Date.UTC(2011, 0, 2, 6, 30)]);
    expect(numbers(t.columns[2])).toEqual([1, 0]);
  });

  it('parses 1e-3, +4, .5, 5., -0.25 and 12345678901234567 as numbers', async () => {
    const t = await readTable(tempFile('x\n1e-3\n+4\n.5\n5.\n-0.25\n12345678901234567\n1E+2\n'), { columns: [{ name: 'x', type: 'numeric' }] });
    expect(numbers(t.columns[0])).toEqual([0.001, 4, 0.5, 5, -0.25, 12345678901234567, 100]);
  });

  it('reads NaN, empty fields and the missing tokens as missing', async () => {
    const t = await readTable(tempFile('x,y\nNaN,?\n,NA\nnan,null\n?,a\n'), {
      columns: [
        { name: 'x', type: 'numeric' },
        { name: 'y', type: 'categorical' },
      ],
    });
    expect(numbers(t.columns[0])).toEqual([NaN, NaN, NaN, NaN]);
    expect(texts(t.columns[1])).toEqual([null, null, null, 'a']);
  });

  it('honours custom missing tokens that look like numbers', async () => {
    const t = await readTable(tempFile('x\n-999\n3\n'), { columns: [{ name: 'x', type: 'numeric' }], missing: ['-999', ''] });
    expect(numbers(t.columns[0])).toEqual([NaN, 3]);
  });

  it('handles quoted fields with escaped quotes, separators and newlines, and maps records to lines', async () => {
    const t = await readTable(tempFile('a,b\n"x, ""y""",1\n"multi\nline",2\n\nlast,3\n'));
    expect(texts(t.columns[0])).toEqual(['x, "y"', 'multi\nline', 'last']);
    expect(numbers(t.columns[1])).toEqual([1, 2, 3]);
    expect([...t.lines]).toEqual([2, 3, 6]);
  });

  it('reads CRLF line ends and a UTF-8 byte order mark', async () => {
    const t = await readTable(tempFile('\uFEFFname,v\r\nå,1\r\nb,2'));
    expect(t.header).toEqual(['name', 'v']);
    expect(texts(t.columns[0])).toEqual(['å', 'b']);
    expect(numbers(t.columns[1])).toEqual([1, 2]);
  });

  it('reads a multi-character separator, trims blanks, and applies normalisers', async () => {
    const t = await readTable(tempFile('junk title\n39, State-gov , >50K.\n50, ? , <=50K\n'), {
      separator: ', ',
      columnNames: ['age', 'work', 'income'],
      skipLines: 1,
      trim: true,
      normalize: { income: (v) => v.replace(/\.$/, '') },
      columns: [
        { name: 'age', type: 'integer' },
        { name: 'work', type: 'categorical' },
        { name: 'income', type: 'categorical' },
      ],
    });
    expect(numbers(t.columns[0])).toEqual([39, 50]);
    expect(texts(t.columns[1])).toEqual(['State-gov', null]);
    expect(texts(t.columns[2])).toEqual(['>50K', '<=50K']);
    expect(t.columns[2].type === 'categorical' && t.columns[2].dictionary).toEqual(['>50K', '<=50K']);
    expect([...t.lines]).toEqual([2, 3]);
  });

  it('skips comment lines and semicolon-separated files read with separator ";"', async () => {
    const t = await readTable(tempFile('# generated\na;b\n1;2\n# note\n3;4\n'), { separator: ';', comment: '#' });
    expect(numbers(t.columns[1])).toEqual([2, 4]);
    expect([...t.lines]).toEqual([3, 5]);
  });

  it('treats a header-only file as 0 rows with its columns', async () => {
    const t = await readTable(tempFile('a,b\n'), { columns: [{ name: 'a', type: 'numeric' }] });
    expect(t.rows).toBe(0);
    expect(numbers(t.columns[0])).toEqual([]);
  });

  it('reports invalid values to onInvalid and reads them as missing', async () => {
    const seen: string[] = [];
    const t = await readTable(tempFile('age\n39\nabc\n41\n'), {
      columns: [{ name: 'age', type: 'integer' }],
      onInvalid: (i) => seen.push(`${i.row}:${i.value}`),
    });
    expect(numbers(t.columns[0])).toEqual([39, NaN, 41]);
    expect(seen).toEqual(['3:abc']);
  });

  it('reads JSON Lines, with missing keys and nulls as missing', async () => {
    const file = tempFile('{"a":1,"b":"x","c":true}\n\n{"a":null,"b":"y"}\r\n{"a":2.5,"c":false,"extra":1}\n', 'data.jsonl');
    const t = await readTable(file);
    expect(t.header).toEqual(['a', 'b', 'c']);
    expect(t.columns.map((c) => c.type)).toEqual(['numeric', 'categorical', 'boolean']);
    expect(numbers(t.columns[0])).toEqual([1, NaN, 2.5]);
    expect(texts(t.columns[1])).toEqual(['x', 'y', null]);
    expect(numbers(t.columns[2])).toEqual([1, NaN, 0]);
    expect([...t.lines]).toEqual([1, 3, 4]);
  });
});

describe('repeated header names', () => {
  it('reads a header that repeats a name as pandas does (x, x.1, x.2) and says so in a warning', async () => {
    const file = tempFile('id,score,group,score,score\n1,0.5,a,7,x\n2,0.25,b,9,y\n');
    const t = await readTable(file);
    expect(t.header).toEqual(['id', 'score', 'group', 'score.1', 'score.2']);
    expect(t.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['id:numeric', 'score:numeric', 'group:categorical', 'score.1:numeric', 'score.2:categorical']);
    expect(numbers(t.columns[1])).toEqual([0.5, 0.25]);
    expect(numbers(t.columns[3])).toEqual([7, 9]);
    expect(texts(t.columns[4])).toEqual(['x', 'y']);
    expect(t.warnings).toEqual([
      {
        kind: 'renamed-columns',
        message: `${file}, row 1: the header repeats "score" (fields 2, 4 and 5); as pandas does, it reads field 4 as "score.1" and field 5 as "score.2"`,
        location: { file, row: 1 },
        renamed: [
          { name: 'score.1', header: 'score', field: 4 },
          { name: 'score.2', header: 'score', field: 5 },
        ],
      },
    ]);
  });

  it('lets declared columns name either copy, and warns even when only one is read', async () => {
    const file = tempFile('a,b,a\n1,2,3\n4,5,6\n');
    const both = await readTable(file, { columns: [{ name: 'a.1', type: 'integer' }, { name: 'a', type: 'integer' }] });
    expect(both.columns.map((c) => c.name)).toEqual(['a.1', 'a']);
    expect(numbers(both.columns[0])).toEqual([3, 6]);
    expect(numbers(both.columns[1])).toEqual([1, 4]);
    const one = await readTable(file, { columns: [{ name: 'b', type: 'integer' }] });
    expect(numbers(one.columns[0])).toEqual([2, 5]);
    expect(one.warnings.map((w) => w.renamed)).toEqual([[{ name: 'a.1', header: 'a', field: 3 }]]);
    expect(await readHeader(file)).toEqual(['a', 'b', 'a.1']);
  });

  it('warns nothing for a header without repeats, a file read with columnNames, or JSON Lines', async () => {
    expect((await readTable(tempFile('a,b\n1,2\n'))).warnings).toEqual([]);
    expect((await readTable(tempFile('1,2\n'), { columnNames: ['a', 'b'] })).warnings).toEqual([]);
    expect((await readTable(tempFile('{"a":1}\n', 'data.jsonl'))).warnings).toEqual([]);
  });

  it('still refuses names repeated in columnNames or columns: those are the caller\'s, not the file\'s', async () => {
    const file = tempFile('1,2\n');
    await expect(readTable(file, { columnNames: ['a', 'a'] })).rejects.toMatchObject({ type: 'InvalidInput', message: 'field "columnNames": names column "a" twice' });
    await expect(readTable(tempFile('a,b\n1,2\n'), { columns: [{ name: 'a', type: 'integer' }, { name: 'a', type: 'numeric' }] })).rejects.toMatchObject({
      type: 'InvalidInput',
      location: { field: 'columns' },
    });
  });

  it('still names a repeated empty header name, which no contract could refer to', async () => {
    const file = tempFile('a,,\n1,2,3\n');
    const e = await failure(file);
    expect(e.type).toBe('MalformedData');
    expect(e.message).toBe(`${file}, row 1, column "": duplicate column name: "" names fields 2 and 3`);
    const t = await readTable(file, { columns: [{ name: 'a', type: 'integer' }] });
    expect(numbers(t.columns[0])).toEqual([1]);
  });
});

describe('readChunks', () => {
  it('yields chunks of chunkRows records with stable codes, one shared dictionary, and the summary as return value', async () => {
    const file = tempFile('k,v\na,1\nb,2\na,3\nc,4\nb,5\n');
    const chunks: DataChunk[] = [];
    const gen = readChunks(file, { chunkRows: 2, columns: [{ name: 'k', type: 'categorical' }, { name: 'v', type: 'integer' }] });
    let next = await gen.next();
    while (!next.done) {
      chunks.push(next.value);
      next = await gen.next();
    }
    expect(chunks.map((c) => [c.firstRow, c.rows])).toEqual([[2, 2], [4, 2], [6, 1]]);
    const dicts = chunks.map((c) => (c.columns[0].type === 'categorical' ? c.columns[0].dictionary : null));
    expect(dicts[0]).toBe(dicts[2]);
    expect(dicts[0]).toEqual(['a', 'b', 'c']);
    expect(chunks.flatMap((c) => texts(c.columns[0]))).toEqual(['a', 'b', 'a', 'c', 'b']);
    expect(next.value.rows).toBe(5);
    expect(next.value.columns).toEqual([{ name: 'k', type: 'categorical' }, { name: 'v', type: 'integer' }]);
  });

  it('gives a line map only to chunks whose records are not on consecutive lines', async () => {
    const chunks: DataChunk[] = [];
    await scanChunks(tempFile('a\nx\ny\n"z\n"\nw\n'), { chunkRows: 2 }, (c) => {
      chunks.push(c);
    });
    expect(chunks[0].lines).toBeUndefined();
    expect(recordLine(chunks[1], 0)).toBe(4);
    expect(recordLine(chunks[1], 1)).toBe(6);
  });

  it('closes the file and stops when the consumer throws', async () => {
    await expect(scanChunks(tempFile('a\n1\n2\n'), { chunkRows: 1 }, () => Promise.reject(new Error('stop')))).rejects.toThrow('stop');
  });

  it('with reuseBuffers, refills the same arrays and yields the same values chunk by chunk', async () => {
    const file = tempFile(`x,c\n${Array.from({ length: 25 }, (_, i) => `${i % 3 ? i : ''},${'abc'[i % 3]}`).join('\n')}\n`);
    const columns = [
      { name: 'x', type: 'numeric' as const },
      { name: 'c', type: 'categorical' as const },
    ];
    const seen = async (reuseBuffers: boolean) => {
      const out: { x: number[]; c: (string | null)[]; arrays: unknown[] }[] = [];
      for await (const chunk of readChunks(file, { columns, chunkRows: 10, reuseBuffers })) {
        const [x, c] = chunk.columns;
        out.push({ x: numbers(x), c: texts(c), arrays: chunk.columns.map((col) => (col.type === 'categorical' ? col.codes.buffer : col.values.buffer)) });
      }
      return out;
    };
    const fresh = await seen(false);
    const reused = await seen(true);
    expect(reused.map(({ x, c }) => ({ x, c }))).toEqual(fresh.map(({ x, c }) => ({ x, c })));
    expect(reused.map((r) => r.x.length)).toEqual([10, 10, 5]);
    expect(reused[1].arrays[0]).toBe(reused[0].arrays[0]); // same backing stores
    expect(reused[1].arrays[1]).toBe(reused[0].arrays[1]);
    expect(fresh[1].arrays[0]).not.toBe(fresh[0].arrays[0]);
  });
});

describe('readHeader', () => {
  it('returns the header names, or the first JSON object keys', async () => {
    expect(await readHeader(tempFile(' a ,"b"\n1,2\n'))).toEqual(['a', 'b']);
    expect(await readHeader(tempFile('{"x":1,"y":2}\n', 'h.jsonl'))).toEqual(['x', 'y']);
  });
});

describe('bad input', () => {
  it('names the file, row and column of an unterminated quote at the end of the file', async () => {
    const file = tempFile('a,b\n1,2\n3,"open\n4,5\n');
    const e = await failure(file);
    expect(e.type).toBe('MalformedData');
    expect(e.message).toBe(`${file}, row 3, column "b": unterminated quoted field: the quote opened here is never closed`);
  });

  it('names the file, row and column of a ragged row, with expected and found counts', async () => {
    const file = tempFile('a,b,c\n1,2,3\n4,5\n');
    const e = await failure(file);
    expect(e.type).toBe('MalformedData');
    expect(e.message).toBe(`${file}, row 3, column "c": ragged row: expected 3 fields, found 2`);
    const wide = tempFile('a,b\n1,2\n3,4,5,6\n');
    expect((await failure(wide)).message).toBe(`${wide}, row 3, column "field 3": ragged row: expected 2 fields, found 4`);
  });

  it('names the file, row and column of a byte that is not UTF-8 (Latin-1 text)', async () => {
    const file = tempFile(Buffer.concat([Buffer.from('name,city\nx,Paris\ny,Mont'), Buffer.from([0xe9]), Buffer.from('al\n')]));
    const e = await failure(file);
    expect(e.type).toBe('MalformedData');
    expect(e.message).toMatch(new RegExp(`^${file}, row 3, column "city": invalid UTF-8 byte 0xE9`));
  });

  it('rejects a UTF-16 file by its byte order mark, and one without a mark by its NUL bytes', async () => {
    const withBom = tempFile(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n1,2\n', 'utf16le')]));
    expect((await failure(withBom)).message).toMatch(new RegExp(`^${withBom}, row 1: .*UTF-16`));
    const noBom = tempFile(Buffer.from('a,b\n1,2\n', 'utf16le'));
    expect((await failure(noBom)).message).toMatch(new RegExp(`^${noBom}, row 1, column "field 1": NUL byte`));
  });

  it('names the file, row and column of a NUL byte', async () => {
    const file = tempFile(Buffer.from('a,b\n1,2\n3,x\u0000y\n'));
    expect((await failure(file)).message).toMatch(new RegExp(`^${file}, row 3, column "b": NUL byte`));
  });

  it('stops quickly at a 100 MB field instead of buffering it', async () => {
    const file = tempFile(Buffer.concat([Buffer.from('a,b\n1,'), Buffer.alloc(100_000_000, 0x41), Buffer.from('\n')]));
    const started = Date.now();
    const e = await failure(file);
    rmSync(file);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(e.message).toBe(`${file}, row 2, column "b": field longer than 1048576 bytes (maxFieldBytes)`);
    const quoted = tempFile(`a,b\n1,"${'x'.repeat(5000)}`);
    expect((await failure(quoted, { maxFieldBytes: 100, bufferBytes: 64 })).message).toMatch(new RegExp(`^${quoted}, row 2, column "b": quoted field longer than 100 bytes`));
  });

  it('rejects an empty file, which has no header', async () => {
    const file = tempFile('');
    const e = await failure(file);
    expect(e.message).toBe(`${file}, row 1: the file is empty: expected a header row`);
  });


  it('names a declared column that the file lacks', async () => {
    const file = tempFile('a,b\n1,2\n');
    const e = await failure(file, { columns: [{ name: 'age', type: 'integer' }] });
    expect(e.type).toBe('DataContractViolation');
    expect(e.message).toMatch(new RegExp(`^${file}, row 1, column "age": column "age" is not in the file`));
  });

  it('names the file, row and column of text in a numeric column', async () => {
    const file = tempFile('id,age\n1,39\n2,abc\n');
    const e = await failure(file, { columns: [{ name: 'age', type: 'numeric' }] });
    expect(e.type).toBe('DataContractViolation');
    expect(e.message).toBe(`${file}, row 3, column "age": column "age" expects a number, found "abc"`);
    const int = await failure(file.replace(/$/, ''), { columns: [{ name: 'id', type: 'integer' }, { name: 'age', type: 'integer' }] });
    expect(int.message).toContain('row 3, column "age": column "age" expects an integer, found "abc"');
  });

  it('rejects infinite values, naming file, row and column', async () => {
    for (const inf of ['Inf', '-Inf', 'Infinity', '1e999']) {
      const file = tempFile(`x\n1\n${inf}\n`);
      const e = await failure(file, { columns: [{ name: 'x', type: 'numeric' }] });
      expect(e.message).toBe(`${file}, row 3, column "x": column "x" expects a finite number, found ${JSON.stringify(inf)} (infinite values break statistics)`);
    }
  });

  it('names a column whose inferred type changed between chunks', async () => {
    const file = tempFile('n,s\n1,a\n2,b\nthree,c\n');
    const e = await failure(file, { chunkRows: 2 });
    expect(e.type).toBe('MalformedData');
    expect(e.message).toMatch(new RegExp(`^${file}, row 4, column "n": column "n" expects a number, found "three": its type was inferred as numeric`));
  });

  it('reports the earliest problem in file order across columns', async () => {
    const file = tempFile('a,b\n1,x\ny,2\n3,4,5\n');
    const e = await failure(file, { columns: [{ name: 'a', type: 'integer' }, { name: 'b', type: 'integer' }] });
    expect(e.message).toContain('row 2, column "b"');
  });

  it('rejects a bare carriage return and text after a closing quote', async () => {
    const cr = tempFile('a,b\n1,2\r3,4\n');
    expect((await failure(cr)).message).toMatch(new RegExp(`^${cr}, row 2, column "b": bare carriage return`));
    const after = tempFile('a,b\n"x"y,2\n');
    expect((await failure(after)).message).toBe(`${after}, row 2, column "a": unexpected text after the closing quote of a quoted field`);
  });

  it('names the row of a JSON Lines record that is not valid JSON', async () => {
    const file = tempFile('{"a":1}\n{"a":\n', 'bad.jsonl');
    const e = await failure(file);
    expect(e.type).toBe('MalformedData');
    expect(e.message).toMatch(new RegExp(`^${file}, row 2: invalid JSON`));
    const typed = tempFile('{"age":1}\n{"age":"old"}\n', 'typed.jsonl');
    expect((await failure(typed, { columns: [{ name: 'age', type: 'integer' }] })).message).toBe(`${typed}, row 2, column "age": column "age" expects an integer, found "old"`);
  });

  it('reports a missing file as NotFound', async () => {
    const e = await failure('/nonexistent/steward/file.csv');
    expect(e.type).toBe('NotFound');
  });
});
