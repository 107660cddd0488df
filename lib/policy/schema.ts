/**
 * Policy as code: one zod-validated document per model declaring how its data is read, its data
 * contract, drift tests, training recipe, evaluation budgets, approvers and compute. The schema is
 * built from each section's own schema (lib/data, lib/drift, lib/model, lib/metrics), so a parsed
 * policy is typed all the way down and no section is parsed twice. It is stored with the model,
 * hashed (canonical JSON, sha256), and every decision records the hash it was made under.
 */
import { z } from 'zod';
import { durationSchema } from '../core/duration';
import { contentHash } from '../core/hash';
import { principalSchema } from '../core/identity';
import { parseWith } from '../core/validation';
import { dataContractSchema } from '../data/contract';
import { driftConfigSchema } from '../drift/suite';
import { evaluationConfigSchema } from '../metrics/external';
import { trainingConfigSchema } from '../model/config';
import { rolloutPolicySchema } from '../rollout/types';

/** How a model's files are read, and its label and protected attributes. */
export const dataSectionSchema = z.object({
  format: z.enum(['csv', 'jsonl']).default('csv'),
  separator: z.string().min(1).default(','),
  header: z.boolean().default(true),
  /** Field names in order, for files without a header. */
  columnNames: z.array(z.string().min(1)).optional(),
  skipLines: z.number().int().nonnegative().default(0),
  /** Lines starting with this character are skipped (e.g. Adult's `|1x3 Cross validator`). */
  comment: z.string().length(1).optional(),
  missing: z.array(z.string()).optional(),
  trim: z.boolean().default(false),
  /** Per-column text clean-up before categories are encoded (e.g. `{ "income": { "stripSuffix": "." } }`). */
  normalize: z.record(z.string(), z.object({ stripSuffix: z.string().min(1) })).default({}),
  /** Evaluation file (held out); paths are relative to the policy file. */
  evaluationFile: z.string(),
  label: z.object({ column: z.string(), positive: z.string() }),
  /** Protected attributes: fairness is judged per attribute (intersections: `evaluation.fairness.intersections`). */
  protectedAttributes: z.array(z.string()).default([]),
  /** Columns holding personal data (names, emails, account numbers, ...): never written to the prediction log unless `logging.columns` says how. */
  personal: z.array(z.string()).default([]),
});

/** Latency and size budgets checked on the worker; absent = reported, not judged. */
export const budgetsSchema = z.object({
  singleRowP99Ms: z.number().positive().optional(),
  batchP99Ms: z.number().positive().optional(),
  modelSizeBytes: z.number().int().positive().optional(),
});

export const approvalsSchema = z
  .object({
    approvers: z.array(principalSchema).min(1),
    quorum: z.number().int().min(1).default(1),
    timeout: durationSchema.default(72 * 3_600_000),
  })
  .superRefine((a, ctx) => {
    if (a.quorum > a.approvers.length) ctx.addIssue({ code: 'custom', path: ['quorum'], message: `quorum ${a.quorum} exceeds the ${a.approvers.length} approvers` });
  });

export const computeSchema = z.object({
  gpu: z.enum(['required', 'preferred', 'never']).default('preferred'),
  /** With `preferred`: how long to wait for a GPU worker before training on CPU. */
  gpuWait: durationSchema.default(30_000),
  /** A training worker silent for this long is presumed dead; the retry resumes from the last checkpoint. */
  heartbeatTimeout: durationSchema.default(60_000),
});

/**
 * What the prediction log keeps of a column: `keep` the value, `drop` it, `hash` it (keyed HMAC-SHA256
 * with a secret from the environment, never stored in the database: equal values stay joinable, the
 * value is not recoverable), or `generalize` it (numbers to buckets of `width`, e.g. age 37 -> "30-39";
 * categories outside `keep` to `other`).
 */
export const columnLogRuleSchema = z.union([
  z.enum(['keep', 'drop', 'hash']),
  z
    .object({
      generalize: z.union([
        z.object({ width: z.number().positive() }).strict(),
        z.object({ keep: z.array(z.string()).min(1), other: z.string().default('other') }).strict(),
      ]),
    })
    .strict(),
]);
export type ColumnLogRule = z.infer<typeof columnLogRuleSchema>;

/** The prediction log: what the gateways write for every served and shadow prediction. */
export const loggingSchema = z.object({
  /** Share of requests logged (1 = all). A rollout's analysis reads the log, so it sees this share of traffic. */
  sampling: z.number().min(0).max(1).default(1),
  /**
   * Per input column; a column not listed is kept, except the protected attributes and the personal
   * columns, which are dropped unless listed here.
   */
  columns: z.record(z.string(), columnLogRuleSchema).default({}),
  /** Rows older than this are deleted (daily, by a Temporal Schedule). */
  retention: durationSchema.default(30 * 86_400_000),
});

export const policySchema = z.object({
  model: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'model names are lower-case letters, digits and dashes'),
  description: z.string().default(''),
  intendedUse: z.array(z.string()).default([]),
  outOfScope: z.array(z.string()).default([]),
  limitations: z.array(z.string()).default([]),
  data: dataSectionSchema,
  contract: dataContractSchema,
  drift: driftConfigSchema.prefault({}),
  training: trainingConfigSchema,
  evaluation: evaluationConfigSchema.prefault({}),
  budgets: budgetsSchema.prefault({}),
  approvals: approvalsSchema,
  /** Who may run rollouts and rollbacks of the model besides its approvers. */
  operators: z.array(principalSchema).default([]),
  compute: computeSchema.prefault({}),
  logging: loggingSchema.prefault({}),
  rollout: rolloutPolicySchema.prefault({}),
});

/** A parsed policy: every section typed and defaulted. */
export type Policy = z.infer<typeof policySchema>;
/** A policy as written in a file. */
export type PolicyInput = z.input<typeof policySchema>;

/** The hash every decision records: sha256 of the parsed policy's canonical JSON. */
export function policyHash(policy: Policy): string {
  return contentHash(policy);
}

/**
 * Parses a policy document; a problem is an `InvalidPolicy` error naming the source and the dotted
 * field (`training.hiddenUnits.0`). Parsing a parsed policy gives it back unchanged.
 *
 * @example const policy = parsePolicy(JSON.parse(text), 'policies/adult-income.json');
 */
export function parsePolicy(raw: unknown, source = 'policy'): Policy {
  return parseWith(policySchema, raw, { type: 'InvalidPolicy', file: source });
}
