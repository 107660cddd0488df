/**
 * The one way to turn a zod failure into a located StewardError: the failure type says what kind
 * of input it was (a policy, a request, an environment variable), the field is the dotted path of
 * the first problem, prefixed by where the value sits in a larger document.
 *
 * Pure module: workflow code imports it.
 */
import type { z } from 'zod';
import { StewardError, type FailureType, type Location } from './errors';
import { closest } from './text';

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

interface ZodDefView {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
}

const defOf = (schema: z.ZodType): ZodDefView => (schema as unknown as { _zod: { def: ZodDefView } })._zod.def;

/** The keys an object schema accepts at `path` inside `schema` (through defaults, pipes, arrays, unions). */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const d = defOf(schema);
  switch (d.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
      return keysAt(d.innerType!, path);
    case 'pipe':
      return keysAt(d.in!, path);
    case 'union':
      return [...new Set((d.options ?? []).flatMap((o) => keysAt(o, path)))];
    case 'intersection':
      return [...keysAt(d.left!, path), ...keysAt(d.right!, path)];
    case 'array':
      return path.length && typeof path[0] === 'number' ? keysAt(d.element!, path.slice(1)) : [];
    case 'record':
      return path.length ? keysAt(d.valueType!, path.slice(1)) : [];
    case 'object':
      if (!path.length) return Object.keys(d.shape ?? {});
      return d.shape && String(path[0]) in d.shape ? keysAt(d.shape[String(path[0])], path.slice(1)) : [];
    default:
      return [];
  }
}

/** A key the schema does not know, named with the closest one it does (`quorm` -> `quorum`). */
function unknownKeyMessage(issue: z.core.$ZodIssue, schema: z.ZodType | undefined): string {
  const keys = (issue as { keys?: string[] }).keys ?? [];
  const valid = schema ? keysAt(schema, issue.path) : [];
  const named = keys.map((k) => {
    const guess = closest(k, valid);
    return `"${k}"${guess ? ` (did you mean "${guess}"?)` : ''}`;
  });
  const where = issue.path.length ? ` in ${issue.path.map(String).join('.')}` : '';
  return `unknown key${keys.length > 1 ? 's' : ''} ${named.join(', ')}${where}${valid.length ? `; valid keys: ${valid.join(', ')}` : ''}`;
}

/**
 * The StewardError for a zod failure: located at the first issue's field, the message lists every
 * issue (a policy author fixes them all in one go), all issues also in `details`. Unknown keys come
 * first, named with the closest valid key: a typo is usually why a required field looks missing.
 */
export function zodError(error: z.ZodError, ctx: ParseContext, schema?: z.ZodType): StewardError {
  const issues = [...error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
  const message = (i: z.core.$ZodIssue) => (i.code === 'unrecognized_keys' ? unknownKeyMessage(i, schema) : i.message);
  const [first, ...rest] = issues;
  const location: Location = {};
  if (ctx.file) location.file = ctx.file;
  const field = first.code === 'unrecognized_keys' ? issuePath({ ...first, path: [...first.path, ...((first as { keys?: string[] }).keys ?? []).slice(0, 1)] }, ctx.field) : issuePath(first, ctx.field);
  if (field) location.field = field;
  const others = rest.map((i) => `; also ${issuePath(i, ctx.field) ?? '(root)'}: ${message(i)}`).join('');
  return new StewardError(ctx.type, `${ctx.what ? `${ctx.what}: ` : ''}${message(first)}${others}`, location, { details: error.issues });
}

/**
 * Parses `value` with `schema`, or throws the located StewardError.
 *
 * @example
 *   const input = parseWith(releaseInputSchema, body, { type: 'InvalidInput', what: 'release request' });
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, ctx: ParseContext): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw zodError(r.error, ctx, schema);
  return r.data;
}
