/**
 * Text and number formatting shared by the Markdown and HTML renderers. Every function here is
 * total: whatever a caller passes (null, NaN, Infinity, hostile strings) comes out as safe text.
 */

/** True for a number that can be shown or drawn (not null/undefined/NaN/±Infinity). */
export function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/**
 * Formats a statistic with fixed decimals; anything not computable becomes "n/a".
 *
 * @example
 *   formatNumber(0.90512) // "0.905"
 *   formatNumber(null)    // "n/a"
 */
export function formatNumber(x: number | null | undefined, decimals = 3): string {
  if (!isFiniteNumber(x)) return 'n/a';
  // -0.000 reads like a sign error in a table; normalise values that round to zero.
  const s = x.toFixed(decimals);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/**
 * Like {@link formatNumber} with an explicit sign, for differences and changes.
 *
 * @example
 *   formatSigned(0.003) // "+0.003"
 */
export function formatSigned(x: number | null | undefined, decimals = 3): string {
  const s = formatNumber(x, decimals);
  return s === 'n/a' || s.startsWith('-') || /^0\.?0*$/.test(s) ? s : `+${s}`;
}

/**
 * Formats a count with thousands separators (locale-independent, so output is reproducible).
 *
 * @example
 *   formatCount(32561) // "32,561"
 */
export function formatCount(x: number | null | undefined): string {
  if (!isFiniteNumber(x)) return 'n/a';
  const [int, frac] = String(Math.abs(Math.round(x * 1000) / 1000)).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${x < 0 ? '-' : ''}${grouped}${frac ? `.${frac}` : ''}`;
}

/**
 * Formats a descriptive statistic (a column mean, a range bound) with precision suited to its
 * magnitude: a mean of 189,778.4 needs no decimals, a mean of 0.37 needs two.
 *
 * @example
 *   formatStat(189778.4) // "189,778"
 *   formatStat(38.5812)  // "38.58"
 */
export function formatStat(x: number | null | undefined): string {
  if (!isFiniteNumber(x)) return 'n/a';
  if (Number.isInteger(x) || Math.abs(x) >= 1000) return formatCount(Math.round(x));
  return formatNumber(x, Math.abs(x) >= 100 ? 1 : 2);
}

/**
 * Formats a share in [0, 1] as a percentage.
 *
 * @example
 *   formatPercent(0.0731) // "7.3%"
 */
export function formatPercent(x: number | null | undefined, decimals = 1): string {
  return isFiniteNumber(x) ? `${(x * 100).toFixed(decimals)}%` : 'n/a';
}

/**
 * Formats a 95% interval; "—" when the estimate carries none, "n/a" when a bound is not computable.
 *
 * @example
 *   formatInterval({ low: 0.1, high: 0.12 }) // "[0.100, 0.120]"
 */
export function formatInterval(e: { low?: number | null; high?: number | null }, decimals = 3): string {
  if (e.low === undefined && e.high === undefined) return '—';
  if (!isFiniteNumber(e.low) || !isFiniteNumber(e.high)) return 'n/a';
  return `[${formatNumber(e.low, decimals)}, ${formatNumber(e.high, decimals)}]`;
}

/**
 * Formats a p-value; tiny ones as a bound because more digits would be false precision.
 *
 * @example
 *   formatPValue(0.00001) // "< 0.001"
 */
export function formatPValue(p: number | null | undefined): string {
  if (!isFiniteNumber(p)) return 'n/a';
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/**
 * Formats a byte size in binary units.
 *
 * @example
 *   formatBytes(412880) // "403.2 KiB"
 */
export function formatBytes(n: number | null | undefined): string {
  if (!isFiniteNumber(n) || n < 0) return 'n/a';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/**
 * Escapes text for HTML element content and quoted attribute values.
 *
 * @example
 *   escapeHtml('<script>') // "&lt;script&gt;"
 */
export function escapeHtml(s: string): string {
  return String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Escapes text for inline Markdown (a table cell, a list item): user text must neither break the
 * table nor turn into links, emphasis, headings or raw HTML. Newlines collapse to spaces because a
 * newline would end the table row.
 *
 * @example
 *   escapeMarkdown('a|b <i>') // "a\\|b &lt;i&gt;"
 */
export function escapeMarkdown(s: string): string {
  return String(s)
    .replace(/\r\n?|\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|#~!]/g, (c) => `\\${c}`)
    .replace(/^(\s*)([-+])/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])/, '$1\\$2');
}

/**
 * Shortens a label to at most `max` characters (for chart axes; the full text goes in a tooltip).
 *
 * @example
 *   truncate('Amer-Indian-Eskimo × Female', 12) // "Amer-Indian…"
 */
export function truncate(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length <= max ? s : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}
