import { describe, expect, it } from 'vitest';
import {
  escapeHtml,
  escapeMarkdown,
  formatBytes,
  formatCount,
  formatInterval,
  formatNumber,
  formatPValue,
  formatSigned,
  formatStat,
  truncate,
} from './format';

describe('number formatting', () => {
  it('shows anything not computable as "n/a"', () => {
    for (const x of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(formatNumber(x)).toBe('n/a');
      expect(formatCount(x)).toBe('n/a');
      expect(formatStat(x)).toBe('n/a');
      expect(formatPValue(x)).toBe('n/a');
    }
  });

  it('never prints a negative zero', () => {
    expect(formatNumber(-0.0001)).toBe('0.000');
    expect(formatSigned(-0.0001)).toBe('0.000');
  });

  it('signs differences explicitly', () => {
    expect(formatSigned(0.003)).toBe('+0.003');
    expect(formatSigned(-0.004)).toBe('-0.004');
  });

  it('distinguishes an absent interval from a non-computable one', () => {
    expect(formatInterval({})).toBe('—');
    expect(formatInterval({ low: null, high: 0.2 })).toBe('n/a');
    expect(formatInterval({ low: 0.1, high: 0.2 })).toBe('[0.100, 0.200]');
  });

  it('scales the precision of descriptive statistics to their magnitude', () => {
    expect(formatStat(189778.4)).toBe('189,778');
    expect(formatStat(403.04)).toBe('403.0');
    expect(formatStat(38.5812)).toBe('38.58');
    expect(formatStat(17)).toBe('17');
  });

  it('bounds tiny p-values and formats sizes in binary units', () => {
    expect(formatPValue(0.00001)).toBe('< 0.001');
    expect(formatPValue(0.21)).toBe('0.210');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(184320)).toBe('180.0 KiB');
  });
});

describe('escaping', () => {
  it('escapes every HTML-significant character', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('keeps Markdown text on one line and inert', () => {
    expect(escapeMarkdown('a|b\nc')).toBe('a\\|b c');
    expect(escapeMarkdown('<i>*x*</i>')).toBe('&lt;i&gt;\\*x\\*&lt;/i&gt;');
    expect(escapeMarkdown('- item')).toBe('\\- item');
  });

  it('truncates labels on characters, not UTF-16 code units', () => {
    expect(truncate('Amer-Indian-Eskimo × Female', 12)).toBe('Amer-Indian…');
    expect(truncate('short', 12)).toBe('short');
    expect(truncate('😀😀😀', 2)).toBe('😀…');
  });
});
