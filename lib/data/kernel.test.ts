import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { isStewardError } from '../core/errors';
import { csvKernelEnabled, csvKernelRecords } from './kernel';
import { readTable, type ReadOptions } from './reader';
import { compasFile } from '../../test/support/compas';
import { tempFile } from '../../test/support/temp-files';
import type { ColumnChunk, ColumnSpec } from './types';

// The WebAssembly kernel must be invisible: every table and every error is the same as the pure
// JavaScript reader's (STEWARD_WASM=0), whatever the data, window size or chunk size.

function decode(col: ColumnChunk): (number | string | null)[] {
  if (col.type === 'categorical') return Array.from(col.codes, (c) => (c < 0 ? null : col.dictionary[c]));
  // Object.is keeps -0 apart from 0: both paths must agree on it too.
  return Array.from(col.values, (v) => (Number.isNaN(v) ? null : Object.is(v, -0) ? '-0' : v));
}

async function outcome(file: string, options: ReadOptions, wasm: boolean): Promise<unknown> {
  process.env.STEWARD_WASM = wasm ? '1' : '0';
  try {
    const t = await readTable(file, options);
    return {
      rows: t.rows,
      sha256: t.sha256,
      lines: Array.from(t.lines),
      header: t.header,
      warnings: t.warnings,
      columns: t.columns.map((c) => ({ name: c.name, type: c.type, values: decode(c) })),
    };
  } catch (e) {
    if (!isStewardError(e)) throw e;
    return { error: e.type, message: e.message, location: e.location };
  } finally {
    delete process.env.STEWARD_WASM;
  }
}

async function sameWithAndWithoutKernel(text: string, options: ReadOptions): Promise<unknown> {
  return sameForFile(tempFile(text), options);
}

async function sameForFile(file: string, options: ReadOptions): Promise<unknown> {
  const js = await outcome(file, options, false);
  const kernel = await outcome(file, options, true);
  expect(kernel).toEqual(js);
  return kernel;
}

const columns: ColumnSpec[] = [
  { name: 'x', type: 'numeric' },
  { name: 'c', type: 'categorical' },
  { name: 'i', type: 'integer' },
  { name: 'b', type: 'boolean' },
  { name: 't', type: 'timestamp' },
];

const numberCell = fc.oneof(
  fc.integer({ min: -1e9, max: 1e9 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.tuple(fc.integer({ min: 0, max: 99999 }), fc.integer({ min: 0, max: 9999 })).map(([a, b]) => `${a}.${b}`),
  fc.constantFrom('', '?', 'NA', 'NaN', 'Inf', '-', '.', '1e3', '1E-3', '+5', '.5', '5.', '-0', '-0.0', '0.1000000000000000055', '123456789012345', '1234567890123456', 'abc', '12a', ' 1'),
);
const categoryCell = fc.oneof(
  fc.constantFrom('a', 'Private', 'Married-civ-spouse', 'United-States', '', '?', 'NA', 'é', 'a b', 'x'.repeat(70), '中文'),
  fc.string({ unit: fc.constantFrom('a', 'b', 'z', '-'), maxLength: 20 }),
);
const integerCell = fc.oneof(fc.integer({ min: -1e6, max: 1e6 }).map(String), fc.constantFrom('2.5', '3.0', '', '7e2', '-0'));
const booleanCell = fc.constantFrom('true', 'false', 'yes', '0', '1', '', 'maybe');
const timestampCell = fc.constantFrom('2024-01-02', '2024-01-02T03:04:05Z', '', 'not a date');
const record = fc.tuple(numberCell, categoryCell, integerCell, booleanCell, timestampCell);
// Now and then a record is quoted, CRLF-ended, followed by a blank line, ragged, or over-long.
const style = fc.constantFrom('plain', 'plain', 'plain', 'plain', 'plain', 'quoted', 'crlf', 'blank', 'ragged', 'wide', 'long');

describe('CSV kernel (WebAssembly) against the JavaScript reader', () => {
  afterEach(() => {
    delete process.env.STEWARD_WASM;
  });

  it('is compiled into this build', () => {
    expect(csvKernelEnabled()).toBe(true);
  });

  it('reads the same tables and reports the same errors on random files', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(record, style), { maxLength: 50 }),
        fc.constantFrom(16, 100, 1 << 20),
        fc.constantFrom(1, 5, 65536),
        fc.boolean(),
        async (records, bufferBytes, chunkRows, lenient) => {
          let text = 'x,c,i,skip,b,t\n';
          for (const [[x, c, i, b, t], s] of records) {
            const cf = s === 'quoted' ? `"${c}"` : s === 'long' ? 'y'.repeat(40) : c;
            const tail = s === 'ragged' ? '' : s === 'wide' ? `,${t},extra` : `,${t}`;
            text += `${x},${cf},${i},zz,${b}${tail}${s === 'crlf' ? '\r\n' : '\n'}${s === 'blank' ? '\n' : ''}`;
          }
          const options: ReadOptions = { columns, bufferBytes, chunkRows, maxFieldBytes: 32 };
          if (lenient) options.onInvalid = () => {};
          await sameWithAndWithoutKernel(text, options);
        },
      ),
      { numRuns: 250 },
    );
  });

  it('agrees with multi-byte separators and trimming, whatever the cells hold', async () => {
    const cell = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', 'b', ',', ' ', '\t', ':', ';', '7', '.', '-'), maxLength: 7 }),
      fc.constantFrom('', ' x', 'y ', ' 12 ', '3.5', '-0', '?', 'Private'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(cell, cell, cell), { maxLength: 40 }),
        fc.constantFrom(',', ', ', ';', '\t', '::', ' | '),
        fc.boolean(),
        fc.constantFrom(16, 1 << 20),
        async (records, separator, trim, bufferBytes) => {
          const text = `x${separator}c${separator}i\n${records.map((r) => r.join(separator)).join('\n')}\n`;
          await sameWithAndWithoutKernel(text, { columns: columns.slice(0, 3), separator, trim, bufferBytes, onInvalid: () => {} });
          await sameWithAndWithoutKernel(text, { columns: columns.slice(0, 3), separator, trim, bufferBytes });
        },
      ),
      { numRuns: 250 },
    );
  });

  it('takes the records of Adult-style files (", " separator, trimming) and of plain CSV', async () => {
    for (const [separator, trim] of [
      [', ', true],
      [',', false],
      [',', true],
      ['\t', false],
    ] as const) {
      const rows = Array.from({ length: 1000 }, (_, k) => [`${20 + (k % 50)}`, ['Private', 'State-gov', '?'][k % 3], `${k}`].join(separator));
      const before = csvKernelRecords();
      const out = (await sameWithAndWithoutKernel(`x${separator}c${separator}i\n${rows.join('\n')}\n`, { columns: columns.slice(0, 3), separator, trim })) as { rows: number };
      expect(out.rows).toBe(1000);
      expect(csvKernelRecords() - before).toBe(1000);
    }
  });

  it('agrees when a window holds more exceptions than the kernel buffers at once', async () => {
    // 20,000 records of missing and exponent numbers: > 16,384 exceptions in one window.
    const rows = Array.from({ length: 20_000 }, (_, k) => `${k % 3 === 0 ? '?' : `${k}e0`},c${k % 7},${k}`);
    const out = (await sameWithAndWithoutKernel(`x,c,i\n${rows.join('\n')}\n`, {
      columns: columns.slice(0, 3),
      bufferBytes: 1 << 22,
    })) as { rows: number };
    expect(out.rows).toBe(20_000);
  });

  it('agrees on wide files, where the kernel stores fewer rows per call than a chunk holds', async () => {
    const width = 300;
    const header = Array.from({ length: width }, (_, j) => `v${j}`).join(',');
    const rows = Array.from({ length: 3_000 }, (_, k) => Array.from({ length: width }, (_, j) => (j % 2 ? `${(k * j) % 97}.5` : `k${(k + j) % 5}`)).join(','));
    const specs: ColumnSpec[] = Array.from({ length: width }, (_, j) => ({ name: `v${j}`, type: j % 2 ? 'numeric' : 'categorical' }));
    const out = (await sameWithAndWithoutKernel(`${header}\n${rows.join('\n')}\n`, { columns: specs })) as { rows: number };
    expect(out.rows).toBe(3_000);
  });

  it("reads ProPublica's COMPAS file (a header repeating two names, quoted commas) the same way, whatever the window and chunk size", async () => {
    // The published file has CRLF line ends, which the kernel leaves to JavaScript; an LF copy,
    // derived here, lets the kernel take the records under the renamed header.
    const published = compasFile();
    const lf = tempFile(readFileSync(published, 'utf8').replaceAll('\r\n', '\n'), 'compas-lf.csv');
    const declared: ColumnSpec[] = [
      { name: 'decile_score.1', type: 'integer' },
      { name: 'race', type: 'categorical' },
      { name: 'decile_score', type: 'integer' },
      { name: 'priors_count.1', type: 'numeric' },
      { name: 'c_charge_desc', type: 'categorical' },
      { name: 'two_year_recid', type: 'integer' },
    ];
    const tables: unknown[] = [];
    for (const file of [published, lf]) {
      for (const options of [{ chunkRows: 1000 }, { columns: declared }, { columns: declared, bufferBytes: 4096, chunkRows: 1000 }] as ReadOptions[]) {
        const before = csvKernelRecords();
        const out = (await sameForFile(file, options)) as { rows: number; sha256: string; header: string[]; warnings: { renamed: unknown }[] };
        if (file === lf) expect(csvKernelRecords() - before).toBeGreaterThan(0);
        expect(out.rows).toBe(7214);
        expect(out.header.filter((h) => /\.\d$/.test(h))).toEqual(['decile_score.1', 'priors_count.1']);
        expect(out.warnings.map((w) => w.renamed)).toEqual([
          [
            { name: 'decile_score.1', header: 'decile_score', field: 40 },
            { name: 'priors_count.1', header: 'priors_count', field: 49 },
          ],
        ]);
        if (options.columns) tables.push({ ...out, sha256: undefined, warnings: undefined });
      }
    }
    // Line ends, windows and chunk sizes change nothing in the table read.
    for (const t of tables.slice(1)) expect(t).toEqual(tables[0]);
  });

  it('names the same row and column for a bad value far into a large file', async () => {
    const rows = Array.from({ length: 50_000 }, (_, k) => `${k}.25,c${k % 9},${k}`);
    rows[41_234] = '1.5,c1,2.5';
    const out = (await sameWithAndWithoutKernel(`x,c,i\n${rows.join('\n')}\n`, { columns: columns.slice(0, 3) })) as { location: unknown; message: string };
    expect(out.location).toEqual({ file: expect.any(String), row: 41_236, column: 'i' });
    expect(out.message).toContain('expects an integer');
  });
});

describe('generated WebAssembly modules', () => {
  it('match their AssemblyScript sources (rebuild with node scripts/build-wasm.mjs)', () => {
    // Throws (exit 1) when a committed module differs from a fresh compile of wasm/*.ts.
    execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { stdio: 'pipe' });
  }, 60_000);
});
