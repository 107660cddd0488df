/**
 * Durations as people write them (`90s`, `15m`, `72h`, `7d`) or as milliseconds.
 * Pure module: workflow code may import it.
 */
import { z } from 'zod';
import { StewardError, type Location } from './errors';

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const pattern = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/;

/**
 * Parses durations like `90s`, `15m`, `72h`, `7d` (or a bare number of milliseconds); anything
 * else is an `InvalidInput` error at `location` (e.g. `{ field: '--timeout' }`).
 *
 * @example parseDuration('72h') === 259_200_000
 */
export function parseDuration(text: string | number, location: Location = {}): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0) throw new StewardError('InvalidInput', `${text} is not a duration in milliseconds`, location);
    return text;
  }
  const m = pattern.exec(text);
  if (!m) throw new StewardError('InvalidInput', `"${text}" is not a duration (use e.g. 90s, 15m, 72h, 7d)`, location);
  return Math.round(Number(m[1]) * units[m[2] ?? 'ms']);
}

/** A zod field accepting a duration string or milliseconds, producing milliseconds. */
export const durationSchema = z.union([z.string(), z.number().nonnegative()]).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as StewardError).reason });
    return z.NEVER;
  }
});
