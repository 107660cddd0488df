/**
 * The one way to turn a zod failure into a located StewardError: the failure type says what kind
 * of input it was (a policy, a request, an environment variable), the field is the dotted path of
 * the first problem, prefixed by where the value sits in a larger document.
 *
 * Pure module: workflow code imports it.
 */
import type { z } from 'zod';
import { StewardError, type FailureType, type Location } from './errors';

export interface ParseContext {
  /** Catalogue type of the error (`InvalidPolicy`, `InvalidInput`, ...). */
  type: FailureType;
  /** What was parsed, for the message: "release request", "training config". */
  what?: string;
  /** File the value came from, if any. */
  file?: string;
  /** Path of the value inside its document (e.g. `training` for a policy section). */
  field?: string;
}

/** Dotted path of an issue (`approvals.quorum`, `columns.3.name`), with the context's prefix. */
export function issuePath(issue: z.core.$ZodIssue, prefix?: string): string | undefined {
  const path = issue.path.map(String).join('.');
  return [prefix, path].filter(Boolean).join('.') || undefined;
}

/**
 * The StewardError for a zod failure: located at the first issue's field, the message lists every
 * issue (a policy author fixes them all in one go), all issues also in `details`.
 */
export function zodError(error: z.ZodError, ctx: ParseContext): StewardError {
  const [first, ...rest] = error.issues;
  const location: Location = {};
  if (ctx.file) location.file = ctx.file;
  const field = issuePath(first, ctx.field);
  if (field) location.field = field;
  const others = rest.map((i) => `; also ${issuePath(i, ctx.field) ?? '(root)'}: ${i.message}`).join('');
  return new StewardError(ctx.type, `${ctx.what ? `${ctx.what}: ` : ''}${first.message}${others}`, location, { details: error.issues });
}

/**
 * Parses `value` with `schema`, or throws the located StewardError.
 *
 * @example
 *   const input = parseWith(releaseInputSchema, body, { type: 'InvalidInput', what: 'release request' });
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, ctx: ParseContext): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw zodError(r.error, ctx);
  return r.data;
}
