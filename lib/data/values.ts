/**
 * Parsing of single cell values: numbers straight from bytes (the hot path of every reader), booleans
 * and ISO 8601 timestamps from text. Kept separate from the tokenizer so each can be tested alone.
 */

/** Outcome of the last `parseNumberBytes`/`parseNumberText` call that returned NaN. */
export const NUMBER_OK = 0;
export const NUMBER_MISSING = 1;
export const NUMBER_INVALID = 2;
export const NUMBER_INFINITE = 3;

/**
 * Side channel of the number parser: returning an object per value would allocate in the hot loop,
 * so a NaN result is explained here instead (`NUMBER_MISSING`, `NUMBER_INVALID`, `NUMBER_INFINITE`).
 *
 * @example
 *   if (Number.isNaN(parseNumberText('abc')) && numberStatus.code === NUMBER_INVALID) console.log('not a number');
 */
export const numberStatus = { code: NUMBER_OK };

// Powers of ten that are exact doubles: a mantissa below 2^53 times or divided by one of them is
// rounded once, hence correctly (Clinger's fast path).
const POW10 = Float64Array.from({ length: 23 }, (_, i) => 10 ** i);
const MAX_FAST_DIGITS = 15;
const decoder = new TextDecoder('latin1');

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

function wordIs(b: Uint8Array, s: number, e: number, word: string): boolean {
  if (e - s !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (lower(b[s + i]) !== word.charCodeAt(i)) return false;
  return true;
}

/**
 * Parses a decimal number from `b[s, e)` without allocating. Accepts an optional sign, digits with an
 * optional fraction (`.5`, `5.`), an optional exponent (`1e-3`, `2E+4`) and surrounding blanks.
 * Returns NaN, with `numberStatus.code` saying why, for: an empty field or `NaN`/`nan` (missing),
 * `Inf`/`Infinity` or an overflow (infinite), anything else (invalid, e.g. `abc`, `0x10`, `1,5`).
 *
 * @example
 *   parseNumberBytes(Buffer.from('x=-1.5e2'), 2, 8); // -150
 */
export function parseNumberBytes(b: Uint8Array, s: number, e: number): number {
  while (s < e && isBlank(b[s])) s++;
  while (e > s && isBlank(b[e - 1])) e--;
  if (s === e) {
    numberStatus.code = NUMBER_MISSING;
    return NaN;
  }
  let i = s;
  let negative = false;
  if (b[i] === 45) {
    negative = true;
    i++;
  } else if (b[i] === 43) i++;
  const body = i;
  let mantissa = 0;
  let significant = 0;
  let exponent = 0;
  let digits = 0;
  let exact = true;
  for (; i < e; i++) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) break;
    digits++;
    if (significant < MAX_FAST_DIGITS) {
      mantissa = mantissa * 10 + d;
      if (mantissa !== 0) significant++;
    } else {
      exponent++;
      if (d !== 0) exact = false;
    }
  }
  if (i < e && b[i] === 46) {
    for (i++; i < e; i++) {
      const d = b[i] - 48;
      if (d < 0 || d > 9) break;
      digits++;
      if (significant < MAX_FAST_DIGITS) {
        mantissa = mantissa * 10 + d;
        exponent--;
        if (mantissa !== 0) significant++;
      } else if (d !== 0) exact = false;
    }
  }
  if (digits === 0) return parseWord(b, body, e);
  if (i < e && (b[i] === 101 || b[i] === 69)) {
    i++;
    let expNegative = false;
    if (i < e && (b[i] === 45 || b[i] === 43)) {
      expNegative = b[i] === 45;
      i++;
    }
    const expStart = i;
    let value = 0;
    for (; i < e; i++) {
      const d = b[i] - 48;
      if (d < 0 || d > 9) break;
      if (value < 100000) value = value * 10 + d;
    }
    if (i === expStart) {
      numberStatus.code = NUMBER_INVALID;
      return NaN;
    }
    exponent += expNegative ? -value : value;
  }
  if (i !== e) {
    numberStatus.code = NUMBER_INVALID;
    return NaN;
  }
  let v: number;
  if (mantissa === 0) v = 0;
  else if (exact && exponent === 0) v = mantissa;
  else if (exact && exponent > 0 && exponent <= 22) v = mantissa * POW10[exponent];
  else if (exact && exponent < 0 && exponent >= -22) v = mantissa / POW10[-exponent];
  else v = Math.abs(Number(decoder.decode(b.subarray(s, e)))); // grammar already checked: Number agrees with it
  if (v === Infinity) {
    numberStatus.code = NUMBER_INFINITE;
    return NaN;
  }
  return negative ? -v : v;
}

function parseWord(b: Uint8Array, s: number, e: number): number {
  if (wordIs(b, s, e, 'nan')) numberStatus.code = NUMBER_MISSING;
  else if (wordIs(b, s, e, 'inf') || wordIs(b, s, e, 'infinity')) numberStatus.code = NUMBER_INFINITE;
  else numberStatus.code = NUMBER_INVALID;
  return NaN;
}

/**
 * `parseNumberBytes` for text that is already a string (JSON Lines values, the slow path).
 *
 * @example
 *   parseNumberText(' +4 '); // 4
 */
export function parseNumberText(text: string): number {
  // Short ASCII texts (nearly every number) are copied into a scratch buffer code unit by code
  // unit: the same bytes as Buffer.from, without an allocation and a native call per value.
  const n = text.length;
  if (n <= SCRATCH_BYTES) {
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 127) break;
      scratch[i] = c;
    }
    if (i === n) return parseNumberBytes(scratch, 0, n);
  }
  const bytes = Buffer.from(text, 'utf8');
  return parseNumberBytes(bytes, 0, bytes.length);
}

const SCRATCH_BYTES = 64;
const scratch = new Uint8Array(SCRATCH_BYTES);

const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', '0']);

/**
 * Parses a boolean word (case-insensitive `true/false`, `t/f`, `yes/no`, `y/n`, `1/0`) to 1 or 0;
 * NaN when the text is none of them.
 *
 * @example
 *   parseBoolean('Yes'); // 1
 */
export function parseBoolean(text: string): number {
  const t = text.trim().toLowerCase();
  if (TRUE_WORDS.has(t)) return 1;
  if (FALSE_WORDS.has(t)) return 0;
  return NaN;
}

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parses an ISO 8601 date or date-time to epoch milliseconds; NaN when the text is not one or names an
 * impossible date (`2023-02-30`). A time without a zone is read as UTC, so results do not depend on
 * the machine's time zone (`Date.parse` would use local time for `2011-01-01 00:00`).
 *
 * @example
 *   parseTimestamp('2011-01-01T01:30:00+01:00'); // Date.UTC(2011, 0, 1, 0, 30)
 */
export function parseTimestamp(text: string): number {
  const m = ISO_TIMESTAMP.exec(text.trim());
  if (!m) return NaN;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  const millis = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return NaN;
  const t = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (new Date(t).getUTCDate() !== day) return NaN;
  let offset = 0;
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0);
    offset = (zone[0] === '-' ? -1 : 1) * minutes * 60_000;
  }
  return t - offset;
}
