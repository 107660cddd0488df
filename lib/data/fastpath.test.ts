import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStewardError } from '../core/errors';
import { fieldHash } from './csv';
import { readTable } from './reader';
import { tempFile } from '../../test/support/temp-files';
import type { ColumnChunk, ColumnSpec } from './types';

// The tokenizer's fast path (quote-free, CR-free windows, one-byte separator) must agree exactly with
// the general loop: same values, codes, dictionaries, record lines and errors.
const columns: ColumnSpec[] = [
  { name: 'x', type: 'numeric' },
  { name: 'c', type: 'categorical' },
  { name: 'i', type: 'integer' },
];

function decode(col: ColumnChunk): (number | string | null)[] {
  if (col.type === 'categorical') return Array.from(col.codes, (c) => (c < 0 ? null : col.dictionary[c]));
  return Array.from(col.values, (v) => (Number.isNaN(v) ? null : v));
}

const cellX = fc.oneof(fc.integer({ min: -1e6, max: 1e6 }).map(String), fc.constantFrom('0.5', '-2.25', '1e3', '', 'NA', '12345678901234567', '.5', '5.', '-0'));
const cellC = fc.oneof(fc.constantFrom('a', 'bb', 'Private', 'United-States', '', '?', 'é', 'a b'), fc.string({ unit: fc.constantFrom('a', 'b', 'z'), maxLength: 6 }));
const cellI = fc.integer({ min: -1000, max: 1000 }).map(String);
const row = fc.tuple(cellX, cellC, cellI);
// Some records are written with quotes, CRLF or followed by a blank line: the fast path must hand over.
const style = fc.constantFrom('plain', 'plain', 'plain', 'plain', 'quoted', 'crlf', 'blank', 'extra');

describe('CSV fast path', () => {
  it('reads the same table as the general loop, whatever the window and the quotes/CRs/blank lines', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(row, style), { maxLength: 60 }), fc.constantFrom(8, 17, 64, 1 << 20), fc.constantFrom(1, 7, 65536), async (records, bufferBytes, chunkRows) => {
        let text = 'x,c,i,skip\n';
        let line = 2;
        const expected: (number | string | null)[][] = [];
        const lines: number[] = [];
        for (const [[x, c, i], s] of records) {
          const cf = s === 'quoted' ? `"${c}"` : c;
          text += `${x},${cf},${i},zz${s === 'crlf' ? '\r\n' : '\n'}`;
          lines.push(line);
          line++;
          if (s === 'blank') {
            text += '\n';
            line++;
          }
          const xv = x === '' || x === 'NA' ? null : Number(x) + 0;
          expected.push([xv, c === '' || c === '?' ? null : c, Number(i)]);
        }
        const t = await readTable(tempFile(text), { columns, bufferBytes, chunkRows });
        const got = t.columns.map(decode);
        expect(t.rows).toBe(expected.length);
        expect(got[0].map((v) => (v === 0 ? 0 : v))).toEqual(expected.map((r) => r[0]));
        expect(got[1]).toEqual(expected.map((r) => r[1]));
        expect(got[2]).toEqual(expected.map((r) => r[2]));
        expect(Array.from(t.lines)).toEqual(lines);
      }),
      { numRuns: 300 },
    );
  });

  it('reports ragged rows and invalid numbers on the right line', async () => {
    const body = Array.from({ length: 500 }, (_, k) => `${k},a,${k},z`);
    for (const [bad, code, needle] of [
      ['1,a,2,z,extra', 'MalformedData', 'ragged row'],
      ['1,a,2', 'MalformedData', 'ragged row'],
      ['1,a,2.5,z', 'DataContractViolation', 'expects an integer'],
      ['abc,a,2,z', 'DataContractViolation', 'expects a number'],
    ] as const) {
      const rows = body.slice();
      rows[300] = bad;
      for (const bufferBytes of [64, 1 << 20]) {
        const file = tempFile(`x,c,i,skip\n${rows.join('\n')}\n`);
        const err = await readTable(file, { columns, bufferBytes }).catch((e: unknown) => e);
        expect(isStewardError(err)).toBe(true);
        if (!isStewardError(err)) continue;
        expect(err.type).toBe(code);
        expect(err.message).toContain(needle);
        expect(err.location.row).toBe(302);
      }
    }
  });

  it('fieldHash depends only on the bytes of the field', () => {
    const b = Buffer.from('xxPrivate,Private');
    expect(fieldHash(b, 2, 9)).toBe(fieldHash(b, 10, 17));
    expect(fieldHash(b, 2, 9)).not.toBe(fieldHash(b, 2, 8));
  });
});
