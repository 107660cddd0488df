import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStewardError } from '../core/errors';
import { readTable, type ReadOptions } from './reader';
import { tempFile } from '../../test/support/temp-files';
import type { ColumnSpec } from './types';

// Bytes that matter to the parser, so random input hits quotes, separators and line ends often.
const interesting = fc.constantFrom(0x2c, 0x22, 0x0a, 0x0d, 0x20, 0x31, 0x2e, 0x2d, 0x65, 0x61, 0x3f, 0x00, 0xc3, 0xa9, 0xe9, 0xff, 0xef, 0xbb, 0xbf);
const byteStrings = fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.array(interesting, { maxLength: 300 }).map((a) => Uint8Array.from(a)));

async function readsOrFailsCleanly(bytes: Uint8Array, options: ReadOptions): Promise<void> {
  const file = tempFile(bytes);
  try {
    await readTable(file, options);
  } catch (e) {
    if (!isStewardError(e)) throw e;
    expect(e.message.startsWith(file)).toBe(true);
  }
}

type Cell = number | string | null;
interface Generated {
  columns: ColumnSpec[];
  rows: Cell[][];
}

const MISSING = new Set(['', '?', 'NA', 'null']);
const text = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', ' ', 'é', '?', 'N', 'A', '\r\n'), maxLength: 8 });
const number = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: -1e6, max: 1e6 }), fc.constantFrom(0, 0.1, -2.5, 1e-7));

const tables: fc.Arbitrary<Generated> = fc
  .array(fc.constantFrom<'numeric' | 'categorical'>('numeric', 'categorical'), { minLength: 2, maxLength: 5 })
  .chain((types) =>
    fc.record({
      columns: fc.constant(types.map((type, i) => ({ name: `c${i}`, type }))),
      rows: fc.array(fc.tuple(...types.map((t) => fc.option<Cell>(t === 'numeric' ? number : text, { freq: 5 }))), { maxLength: 40 }),
    }),
  );

function toCsv(g: Generated, crlf: boolean): string {
  const eol = crlf ? '\r\n' : '\n';
  const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;
  const lines = [g.columns.map((c) => c.name).join(',')];
  for (const row of g.rows) lines.push(row.map((v) => (v === null ? '' : typeof v === 'number' ? String(v) : quote(v))).join(','));
  return lines.join(eol) + eol;
}

function expected(g: Generated): Cell[][] {
  return g.rows.map((row) => row.map((v) => (typeof v === 'string' && MISSING.has(v) ? null : v === null ? null : typeof v === 'number' && v === 0 ? 0 : v)));
}

async function readBack(file: string, g: Generated, options: ReadOptions): Promise<Cell[][]> {
  const t = await readTable(file, { columns: g.columns, ...options });
  return Array.from({ length: t.rows }, (_, i) =>
    t.columns.map((c) => {
      if (c.type === 'categorical') return c.codes[i] < 0 ? null : c.dictionary[c.codes[i]];
      const v = c.values[i];
      return Number.isNaN(v) ? null : v === 0 ? 0 : v;
    }),
  );
}

describe('reader fuzzing', () => {
  it('never throws anything but a StewardError naming the file, whatever the bytes', async () => {
    await fc.assert(
      fc.asyncProperty(byteStrings, fc.integer({ min: 1, max: 64 }), fc.boolean(), async (bytes, bufferBytes, typed) => {
        const options: ReadOptions = { bufferBytes, maxFieldBytes: 100, chunkRows: 3 };
        if (typed) Object.assign(options, { header: false, columnNames: ['a', 'b'], columns: [{ name: 'a', type: 'numeric' }, { name: 'b', type: 'categorical' }] });
        await readsOrFailsCleanly(bytes, options);
        await readsOrFailsCleanly(bytes, { ...options, format: 'jsonl' });
      }),
      { numRuns: 250 },
    );
  });

  it('round-trips well-formed tables, whatever the chunk size, window size and line ends', async () => {
    await fc.assert(
      fc.asyncProperty(tables, fc.boolean(), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 50 }), async (g, crlf, chunkRows, bufferBytes) => {
        const file = tempFile(toCsv(g, crlf));
        const want = expected(g);
        expect(await readBack(file, g, {})).toEqual(want);
        expect(await readBack(file, g, { chunkRows, bufferBytes })).toEqual(want);
      }),
      { numRuns: 150 },
    );
  });

  it('reports the same error whatever the chunk size', async () => {
    await fc.assert(
      fc.asyncProperty(byteStrings, fc.integer({ min: 1, max: 5 }), async (bytes, chunkRows) => {
        const file = tempFile(bytes);
        const options: ReadOptions = { header: false, columnNames: ['a', 'b'], columns: [{ name: 'a', type: 'numeric' }, { name: 'b', type: 'categorical' }] };
        const outcome = async (o: ReadOptions) => readTable(file, o).then((t) => `rows ${t.rows}`, (e: Error) => e.message);
        expect(await outcome({ ...options, chunkRows })).toBe(await outcome(options));
      }),
      { numRuns: 150 },
    );
  });
});
