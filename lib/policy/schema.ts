/**
 * Policy as code: one zod-validated document per model declaring its data contract, drift tests,
 * training recipe, evaluation budgets, approvers and compute. It is stored with the model, hashed
 * (canonical JSON, sha256), and every decision records the hash it was made under.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { durationSchema } from '../core/duration';
import { parseContract } from '../data/contract';
import { parseDriftConfig, type DriftConfig } from '../drift/suite';
import { StewardError } from '../core/errors';
import { parseEvaluationConfig } from '../metrics/external';
import { parseTrainingConfig } from '../model/config';

const principal = z.string().min(1).regex(/^[\w.@+-]+$/, 'principals are user names or emails');

export const policySchema = z.object({
  model: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'model names are lower-case letters, digits and dashes'),
  description: z.string().default(''),
  intendedUse: z.array(z.string()).default([]),
  outOfScope: z.array(z.string()).default([]),
  limitations: z.array(z.string()).default([]),
  /** How to read this model's data files, and the label. */
  data: z.object({
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
  }),
  /** Data contract (lib/data/contract.ts). */
  contract: z.record(z.string(), z.unknown()),
  /** Drift tests and thresholds (lib/drift). */
  drift: z.record(z.string(), z.unknown()).default({}),
  /** Training recipe (lib/model/config.ts). */
  training: z.record(z.string(), z.unknown()).default({}),
  /** Regression budgets, fairness thresholds (lib/metrics). */
  evaluation: z.record(z.string(), z.unknown()).default({}),
  /** Latency and size budgets checked on the worker; absent = reported, not judged. */
  budgets: z
    .object({
      singleRowP99Ms: z.number().positive().optional(),
      batchP99Ms: z.number().positive().optional(),
      modelSizeBytes: z.number().int().positive().optional(),
    })
    .default({}),
  approvals: z.object({
    approvers: z.array(principal).min(1),
    quorum: z.number().int().min(1).default(1),
    timeout: durationSchema.default(72 * 3_600_000),
  }),
  compute: z
    .object({
      gpu: z.enum(['required', 'preferred', 'never']).default('preferred'),
      /** With `preferred`: how long to wait for a GPU worker before training on CPU. */
      gpuWait: durationSchema.default(30_000),
      /** A training worker silent for this long is presumed dead; the retry resumes from the last checkpoint. */
      heartbeatTimeout: durationSchema.default(60_000),
    })
    .default({ gpu: 'preferred', gpuWait: 30_000, heartbeatTimeout: 60_000 }),
});

export type Policy = z.infer<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;

/** JSON with sorted keys: the same policy always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function policyHash(policy: Policy): string {
  return sha256Hex(canonicalJson(policy));
}

/**
 * Parses a policy object; relative file paths resolve against `baseDir`.
 * @example const policy = parsePolicy(JSON.parse(text), 'policies/adult-income.json');
 */
export function parsePolicy(raw: unknown, source = 'policy', baseDir?: string): Policy {
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StewardError('InvalidPolicy', issue.message, { file: source, field: issue.path.join('.') || '(root)' });
  }
  const policy = parsed.data;
  if (policy.approvals.quorum > policy.approvals.approvers.length) {
    throw new StewardError('InvalidPolicy', `quorum ${policy.approvals.quorum} exceeds the ${policy.approvals.approvers.length} approvers`, {
      file: source,
      field: 'approvals.quorum',
    });
  }
  checkSection(source, 'contract', () => parseContract(policy.contract));
  checkSection(source, 'drift', () => parseDriftConfig(policy.drift as DriftConfig));
  checkSection(source, 'training', () => parseTrainingConfig(policy.training));
  checkSection(source, 'evaluation', () => parseEvaluationConfig(policy.evaluation));
  if (baseDir && !isAbsolute(policy.data.evaluationFile)) policy.data.evaluationFile = resolve(baseDir, policy.data.evaluationFile);
  return policy;
}

// Each section is owned by its module's schema; a policy is refused whole when one section is wrong.
function checkSection(source: string, section: string, parse: () => unknown) {
  try {
    parse();
  } catch (e) {
    const err = e as StewardError;
    const field = [section, err.location?.field].filter(Boolean).join('.');
    throw new StewardError('InvalidPolicy', err.message, { file: source, field });
  }
}

/** Reads and parses a policy file (JSON). */
export function loadPolicyFile(file: string): Policy {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new StewardError('InvalidPolicy', `not readable JSON: ${(e as Error).message}`, { file });
  }
  return parsePolicy(raw, file, dirname(resolve(file)));
}
