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
import { closest } from '../core/text';
import { parseWith } from '../core/validation';
import { dataContractSchema } from '../data/contract';
import { driftConfigSchema } from '../drift/suite';
import { evaluationConfigSchema } from '../metrics/external';
import { budgetMetricsOf, defaultBudgets } from '../metrics/tasks';
import { modelTasks, taskConfigIssues, trainingConfigSchema, trainingSectionSchema, type ModelTask } from '../model/config';
import { importSpecSchema } from '../model/imported';
import { monitoringPolicySchema } from '../monitoring/policy';
import { rolloutPolicySchema } from '../rollout/types';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How a model's files are read, and its label and protected attributes. */
export const dataSectionSchema = z.strictObject({
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
  normalize: z.record(z.string(), z.strictObject({ stripSuffix: z.string().min(1) })).default({}),
  /** Evaluation file (held out); paths are relative to the policy file. */
  evaluationFile: z.string(),
  /** The label column; a binary model's positive class (multiclass classes: `training.features.label.classes`). */
  label: z.strictObject({ column: z.string(), positive: z.string().optional() }),
  /** Protected attributes: fairness is judged per attribute (intersections: `evaluation.fairness.intersections`). */
  protectedAttributes: z.array(z.string()).default([]),
  /**
   * Columns that identify a person (names, ID numbers, addresses). Neither their values nor those of
   * protected attributes ever appear in errors, workflow history, the audit record or logs, nor in the
   * prediction log unless `logging.columns` says how.
   */
  personal: z.array(z.string()).default([]),
});

/** Latency and size budgets checked on the worker; absent = reported, not judged. */
export const budgetsSchema = z.strictObject({
  singleRowP99Ms: z.number().positive().optional(),
  batchP99Ms: z.number().positive().optional(),
  modelSizeBytes: z.number().int().positive().optional(),
});

export const approvalsSchema = z
  .strictObject({
    approvers: z.array(principalSchema).min(1),
    quorum: z.number().int().min(1).default(1),
    timeout: durationSchema.default(72 * 3_600_000),
  })
  .superRefine((a, ctx) => {
    const seen = new Map<string, number>();
    a.approvers.forEach((p, i) => {
      const first = seen.get(p.toLowerCase());
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['approvers', i], message: `approver "${p}" is listed twice (also at approvers.${first}; principals compare case-insensitively)` });
      else seen.set(p.toLowerCase(), i);
    });
    if (a.quorum > seen.size) ctx.addIssue({ code: 'custom', path: ['quorum'], message: `quorum ${a.quorum} exceeds the ${seen.size} distinct approvers` });
    if (a.timeout < MINUTE || a.timeout > 365 * DAY) ctx.addIssue({ code: 'custom', path: ['timeout'], message: `a sign-off window of ${a.timeout} ms is outside 1 minute .. 365 days (the embedded server keeps histories 365 days)` });
  });

export const computeSchema = z
  .strictObject({
    gpu: z.enum(['required', 'preferred', 'never']).default('preferred'),
    /** With `preferred`: how long to wait for a GPU worker before training on CPU. */
    gpuWait: durationSchema.default(30_000),
    /** A training worker silent for this long is presumed dead; the retry resumes from the last checkpoint. */
    heartbeatTimeout: durationSchema.default(60_000),
  })
  .superRefine((c, ctx) => {
    // Training heartbeats every epoch and every 5 s in between: much less than that would time out
    // healthy workers; the training activity's own limit is 4 hours.
    if (c.heartbeatTimeout < 10_000 || c.heartbeatTimeout > 4 * HOUR) ctx.addIssue({ code: 'custom', path: ['heartbeatTimeout'], message: `${c.heartbeatTimeout} ms is outside 10 s .. 4 h` });
    if (c.gpuWait > 24 * HOUR) ctx.addIssue({ code: 'custom', path: ['gpuWait'], message: `${c.gpuWait} ms is more than a day` });
  });

type ColumnType = Policy['contract']['columns'][number]['type'];
const numericTypes: readonly ColumnType[] = ['numeric', 'integer', 'boolean', 'timestamp'];
const categoricalTypes: readonly ColumnType[] = ['categorical', 'integer', 'boolean'];

/**
 * The sections must agree with each other: the label and every feature and protected attribute are
 * columns of the contract, of a type the feature pipeline can use, and the label is the same
 * everywhere. Caught at `register`, not three steps into a release.
 */
function checkConsistency(p: z.output<typeof policySchemaShape>, ctx: z.RefinementCtx) {
  const columns = new Map(p.contract.columns.map((c) => [c.name, c.type]));
  const known = [...columns.keys()];
  const needColumn = (name: string, path: PropertyKey[], what: string, types?: readonly ColumnType[]) => {
    const type = columns.get(name);
    if (type === undefined) {
      const guess = closest(name, known);
      ctx.addIssue({ code: 'custom', path, message: `${what} "${name}" is not a column of the contract${guess ? ` (did you mean "${guess}"?)` : ''}` });
    } else if (types && !types.includes(type)) {
      ctx.addIssue({ code: 'custom', path, message: `${what} "${name}" is ${type} in the contract; it needs ${types.join(', ')}` });
    }
  };
  const task = policyTask(p);
  needColumn(p.data.label.column, ['data', 'label', 'column'], 'label column', task === 'regression' ? ['numeric', 'integer'] : undefined);
  const f = p.training.features;
  if (f.label.column !== p.data.label.column) ctx.addIssue({ code: 'custom', path: ['training', 'features', 'label', 'column'], message: `the training label "${f.label.column}" is not data.label "${p.data.label.column}"` });
  for (const issue of taskConfigIssues(task, p.training)) ctx.addIssue({ code: 'custom', path: ['training', ...issue.path], message: issue.message });
  if (task === 'binary') {
    if (p.data.label.positive === undefined) ctx.addIssue({ code: 'custom', path: ['data', 'label', 'positive'], message: 'a binary model needs the positive class of its label' });
    else if (String(f.label.positive) !== p.data.label.positive) ctx.addIssue({ code: 'custom', path: ['training', 'features', 'label', 'positive'], message: `the training label's positive class "${String(f.label.positive)}" is not data.label.positive "${p.data.label.positive}"` });
  } else if (p.data.label.positive !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['data', 'label', 'positive'], message: `a ${task} model has no positive class` });
  }
  const allowed = p.contract.label?.column === p.data.label.column ? p.contract.label.values : undefined;
  if (task === 'multiclass' && allowed && f.label.classes) {
    f.label.classes.forEach((c, i) => {
      if (!allowed.includes(c)) ctx.addIssue({ code: 'custom', path: ['training', 'features', 'label', 'classes', i], message: `class "${c}" is not one of the contract's label values (${allowed.join(', ')})` });
    });
  }
  const budgetMetrics = budgetMetricsOf(task);
  p.evaluation.regression.budgets.forEach((b, i) => {
    if (!budgetMetrics.includes(b.metric)) ctx.addIssue({ code: 'custom', path: ['evaluation', 'regression', 'budgets', i, 'metric'], message: `"${b.metric}" is not a ${task} metric (${budgetMetrics.join(', ')})` });
  });
  const other = task === 'regression' ? 'classThresholds' : task === 'multiclass' ? 'errorThresholds' : undefined;
  for (const key of ['errorThresholds', 'classThresholds'] as const) {
    if (p.evaluation.fairness[key] !== undefined && (task === 'binary' || key === other)) {
      ctx.addIssue({ code: 'custom', path: ['evaluation', 'fairness', key], message: `${key} apply to ${key === 'errorThresholds' ? 'regression' : 'multiclass'} models (this one is ${task})` });
    }
  }
  f.numeric.forEach((name, i) => needColumn(name, ['training', 'features', 'numeric', i], 'numeric feature', numericTypes));
  f.categorical.forEach((c, i) => needColumn(c.name, ['training', 'features', 'categorical', i], 'categorical feature', categoricalTypes));
  p.data.protectedAttributes.forEach((name, i) => needColumn(name, ['data', 'protectedAttributes', i], 'protected attribute'));
  p.data.personal.forEach((name, i) => needColumn(name, ['data', 'personal', i], 'personal column'));
  p.evaluation.fairness.intersections.forEach((set, i) =>
    set.forEach((name, j) => {
      if (!p.data.protectedAttributes.includes(name)) ctx.addIssue({ code: 'custom', path: ['evaluation', 'fairness', 'intersections', i, j], message: `"${name}" is not one of data.protectedAttributes (${p.data.protectedAttributes.join(', ')})` });
    }),
  );
}

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
export const loggingSchema = z.strictObject({
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

const policySchemaShape = z.strictObject({
  /**
   * What the model predicts: `binary` (the default when absent, so policies written before tasks
   * existed keep their hash), `multiclass` or `regression`.
   */
  task: z.enum(modelTasks).optional(),
  model: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'model names are lower-case letters, digits and dashes'),
  description: z.string().default(''),
  intendedUse: z.array(z.string()).default([]),
  outOfScope: z.array(z.string()).default([]),
  limitations: z.array(z.string()).default([]),
  data: dataSectionSchema,
  contract: dataContractSchema,
  drift: driftConfigSchema.prefault({}),
  training: trainingSectionSchema,
  /**
   * How a model trained elsewhere is fed and read (`steward release --import`): its inputs in order
   * and its output. Optional: the declaration may ship beside the artifact (steward-import.json).
   */
  import: importSpecSchema.optional(),
  evaluation: evaluationConfigSchema.prefault({}),
  budgets: budgetsSchema.prefault({}),
  approvals: approvalsSchema,
  /** Who may run rollouts and rollbacks of the model besides its approvers. */
  operators: z.array(principalSchema).default([]),
  compute: computeSchema.prefault({}),
  logging: loggingSchema.prefault({}),
  rollout: rolloutPolicySchema.prefault({}),
  /** The production monitor: windows, budgets, drift thresholds and trigger rules (absent: no monitor triggers). */
  monitoring: monitoringPolicySchema.optional(),
});

/**
 * A regressor's or multiclass model's policy without gate budgets gets its task's defaults (the
 * evaluation schema's defaults are the binary ones); binary policies pass through untouched.
 */
function withTaskDefaults(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null) return raw;
  const r = raw as { task?: unknown; evaluation?: { regression?: { budgets?: unknown } } };
  if ((r.task !== 'regression' && r.task !== 'multiclass') || r.evaluation?.regression?.budgets !== undefined) return raw;
  return { ...r, evaluation: { ...r.evaluation, regression: { ...r.evaluation?.regression, budgets: defaultBudgets(r.task) } } };
}

export const policySchema = policySchemaShape.superRefine(checkConsistency);

/** A parsed policy: every section typed and defaulted. */
export type Policy = z.output<typeof policySchema>;
/** A policy as written in a file. */
export type PolicyInput = z.input<typeof policySchema>;

/**
 * The task of a policy's model (`binary` when the policy does not say).
 *
 * @example policyTask(parsePolicy(json)); // 'regression'
 */
export function policyTask(policy: Pick<Policy, 'task'>): ModelTask {
  return policy.task ?? 'binary';
}

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
  return parseWith(policySchema, withTaskDefaults(raw), { type: 'InvalidPolicy', file: source });
}
