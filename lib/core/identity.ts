/**
 * Who acts: principals (user names or emails) and the comments they attach to decisions. One set of
 * rules for policies, release requests, the workflow's validators and the API.
 *
 * Pure module: workflow code imports it.
 */
import { z } from 'zod';

export const MAX_PRINCIPAL = 200;
export const MAX_COMMENT = 4000;

/** A user name or an email: letters, digits and `._@+-`, at most 200 characters. */
export const principalSchema = z
  .string()
  .min(1, 'a principal is required')
  .max(MAX_PRINCIPAL, `a principal is at most ${MAX_PRINCIPAL} characters`)
  .regex(/^[\w.@+-]+$/, 'a principal is a user name or an email (letters, digits, . _ @ + -)');

export const commentSchema = z.string().max(MAX_COMMENT, `a comment is text of at most ${MAX_COMMENT} characters`);

/**
 * Principals compare case-insensitively (emails): `Bob@x` is `bob@x`.
 *
 * @example samePrincipal('Bob@Example.com', 'bob@example.com') === true
 */
export function samePrincipal(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The form a principal is recorded in. */
export function normalizePrincipal(p: string): string {
  return p.toLowerCase();
}
