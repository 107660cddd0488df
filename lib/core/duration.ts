import { z } from 'zod';

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses durations like `90s`, `15m`, `72h`, `7d` (or a bare number of milliseconds).
 * @example parseDuration('72h') === 259_200_000
 */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') return text;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) throw new Error(`"${text}" is not a duration (use e.g. 90s, 15m, 72h, 7d)`);
  return Math.round(Number(m[1]) * units[m[2] ?? 'ms']);
}

/** A zod field accepting a duration string or milliseconds, producing milliseconds. */
export const durationSchema = z.union([z.string(), z.number().nonnegative()]).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});
