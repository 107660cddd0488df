/**
 * A sign-off decision as the release workflow's Updates take it. A module of its own so the workflow
 * sandbox, which evaluates the workflow's imports once per workflow it keeps, builds these few schemas
 * and not the release request's (with the whole training recipe) for every waiting release.
 */
import { z } from 'zod';
import { commentSchema, principalSchema } from '../core/identity';

export const decisionKinds = ['approve', 'reject'] as const;
export type DecisionKind = (typeof decisionKinds)[number];

export const decisionSignatureSchema = z.object({
  at: z.string().max(40),
  value: z.string().max(200),
});

export const decisionInputSchema = z.object({
  principal: principalSchema,
  comment: commentSchema.default(''),
  /** The API's signature; required by releases that carry a `decisionKey`. */
  signature: decisionSignatureSchema.optional(),
});
export type DecisionInput = z.input<typeof decisionInputSchema>;
