import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8 } from './source';
import { NUMBER_INFINITE, NUMBER_INVALID, NUMBER_MISSING, numberStatus, parseBoolean, parseNumberText, parseTimestamp } from './values';

describe('parseNumberText', () => {
  it('agrees with Number() on every decimal a double prints to', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(parseNumberText(String(x))).toBe(x === 0 ? 0 : x);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with Number() on short decimals, the fast path', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 8 }), (m, scale) => {
        const s = (m / 10 ** scale).toFixed(scale);
        expect(parseNumberText(s)).toBe(Number(s));
      }),
    );
  });

  it('explains a NaN result: missing, infinite or invalid', () => {
    const why = (s: string) => (Number.isNaN(parseNumberText(s)) ? numberStatus.code : -1);
    expect([why(''), why('NaN'), why('-nan')]).toEqual([NUMBER_MISSING, NUMBER_MISSING, NUMBER_MISSING]);
    expect([why('Inf'), why('-Infinity'), why('1e400')]).toEqual([NUMBER_INFINITE, NUMBER_INFINITE, NUMBER_INFINITE]);
    expect(['abc', '0x10', '1,5', '1.2.3', '1e', '-', '.', '1_000'].map(why)).toEqual(Array(8).fill(NUMBER_INVALID));
  });
});

describe('parseBoolean', () => {
  it('reads true/false words and rejects others', () => {
    expect(['TRUE', 'no', 'Y', '0'].map(parseBoolean)).toEqual([1, 0, 1, 0]);
    expect(parseBoolean('maybe')).toBeNaN();
  });
});

describe('parseTimestamp', () => {
  it('reads ISO 8601 dates and times as UTC unless a zone is given, and rejects impossible dates', () => {
    expect(parseTimestamp('2012-12-31')).toBe(Date.UTC(2012, 11, 31));
    expect(parseTimestamp('2011-01-01 00:30')).toBe(Date.UTC(2011, 0, 1, 0, 30));
    expect(parseTimestamp('2011-01-01T01:30:00.250+01:00')).toBe(Date.UTC(2011, 0, 1, 0, 30, 0, 250));
    expect(parseTimestamp('2023-02-30')).toBeNaN();
    expect(parseTimestamp('yesterday')).toBeNaN();
  });
});

describe('firstInvalidUtf8', () => {
  it('finds the first byte of an invalid sequence, overlong forms and surrogates included', () => {
    expect(firstInvalidUtf8(Buffer.from('héllo'))).toBe(-1);
    expect(firstInvalidUtf8(Uint8Array.of(0x61, 0xc0, 0x80))).toBe(1);
    expect(firstInvalidUtf8(Uint8Array.of(0xed, 0xa0, 0x80))).toBe(0);
    expect(firstInvalidUtf8(Uint8Array.of(0x61, 0x62, 0xe2, 0x82))).toBe(2);
  });
});
