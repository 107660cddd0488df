/**
 * The shapes the control API sends and receives, as zod schemas (the OpenAPI document is generated
 * from them). Responses carry the same values the CLI prints, so `steward ... --api` shows what the
 * direct path shows: the release state, model summaries, version rows (times as ISO 8601 text).
 */
import { z } from 'zod';
import { commentSchema, principalSchema } from '../lib/core/identity';
import { roles } from '../lib/core/roles';
import { decisionKinds, releaseStages, releaseStatuses, versionStatuses } from '../lib/release/types';

const isoTime = z.string().describe('ISO 8601 time');
const sha256 = z.string().describe('sha256, hex');

export const decisionSchema = z
  .object({
    principal: z.string(),
    decision: z.enum(decisionKinds),
    comment: z.string(),
    at: isoTime,
    signature: z.object({ at: isoTime, value: z.string() }).optional().describe("the API's Ed25519 signature, for releases that require one"),
  })
  .meta({ id: 'Decision' });

const dataValidationSchema = z.object({
  sha256,
  rows: z.number().int(),
  artifactSha256: sha256,
  warnings: z.array(z.string()),
  reportSha256: sha256,
  drift: z.object({ drifted: z.boolean(), share: z.number(), driftedColumns: z.array(z.string()) }).nullable(),
});

/** A model trained elsewhere and imported (steward release --import): its artifact and declared origin. */
const importedArtifactSchema = z.object({
  format: z.string(),
  fileName: z.string(),
  sha256,
  files: z.array(z.object({ name: z.string(), bytes: z.number().int(), sha256 })),
  declaredIn: z.string(),
  origin: z.string().nullable(),
  producer: z.string().nullable(),
});

const candidateSchema = z.object({
  modelSha256: sha256,
  pipelineSha256: sha256,
  weightsSha256: sha256,
  backend: z.string(),
  epochs: z.number().int(),
  trainingSeconds: z.number(),
  trainingConfigHash: z.string(),
  taskQueue: z.string(),
  attempt: z.number().int(),
  resumedFromEpoch: z.number().int().nullable(),
  imported: importedArtifactSchema.optional(),
});

const evaluationSchema = z.object({
  reportSha256: sha256,
  metrics: z.record(z.string(), z.number()),
  production: z.record(z.string(), z.number()).nullable(),
  gate: z.object({ passed: z.boolean(), reasons: z.array(z.string()) }),
});

export const releaseStateSchema = z
  .object({
    releaseId: z.string(),
    model: z.string(),
    requestedBy: z.string(),
    stage: z.enum(releaseStages),
    status: z.enum(releaseStatuses),
    policyHash: z.string().optional(),
    approvers: z.array(z.string()),
    quorum: z.number().int(),
    approvalDeadline: isoTime.optional(),
    data: dataValidationSchema.optional(),
    candidate: candidateSchema.optional(),
    evaluation: evaluationSchema.optional(),
    version: z.number().int().optional(),
    approvals: z.array(decisionSchema),
    reason: z.string().optional(),
  })
  .meta({ id: 'ReleaseState' });

const lineageSchema = z.object({
  dataSha256: sha256,
  dataRows: z.number().int(),
  codeVersion: z.string(),
  trainingConfigHash: z.string(),
  weightsSha256: sha256,
  backend: z.string(),
  taskQueue: z.string(),
  epochs: z.number().int(),
  policyHash: z.string(),
  parentVersion: z.number().int().nullable(),
  imported: importedArtifactSchema.optional(),
});

export const releaseRequestSchema = z
  .object({
    model: z.string().min(1),
    dataFile: z.string().min(1).optional().describe("training data: an absolute path on the workers' shared file system (required unless `import` is given)"),
    import: z
      .strictObject({
        artifact: z.string().min(1).describe('a model trained elsewhere: an .onnx file or a TF.js model.json, on the workers\' shared file system'),
        origin: z.string().min(1).max(500).optional().describe('where it comes from (training code commit, run id), recorded in the lineage'),
      })
      .optional()
      .describe('release a model trained elsewhere instead of training one'),
    evaluationFile: z.string().optional().describe("overrides the policy's held-out evaluation file"),
    approvalTimeoutMs: z.number().int().positive().optional().describe("overrides the policy's sign-off expiry"),
    trainingOverrides: z.record(z.string(), z.unknown()).optional().describe("overrides of the policy's training recipe (e.g. {\"epochs\": 3})"),
  })
  .meta({ id: 'ReleaseRequest' });

export const releaseStartedSchema = z.object({ releaseId: z.string(), ui: z.string().optional().describe('the release in the Temporal Web UI') }).meta({ id: 'ReleaseStarted' });

export const decisionRequestSchema = z.object({ comment: commentSchema.default('') }).meta({ id: 'DecisionRequest' });

export const releaseRowSchema = z
  .object({
    id: z.string(),
    model: z.string(),
    requestedBy: z.string(),
    stage: z.enum(releaseStages),
    status: z.enum(releaseStatuses),
    version: z.number().int().nullable(),
    reason: z.string().nullable(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'ReleaseSummary' });

export const modelSummarySchema = z
  .object({
    name: z.string(),
    description: z.string(),
    policyHash: z.string(),
    productionVersion: z.number().int().nullable(),
    latestVersion: z.number().int().nullable(),
    releases: z.number().int(),
  })
  .meta({ id: 'ModelSummary' });

export const registeredSchema = z.object({ name: z.string(), policyHash: z.string(), created: z.boolean() }).meta({ id: 'Registered' });

export const versionSchema = z
  .object({
    model: z.string(),
    version: z.number().int(),
    releaseId: z.string(),
    status: z.enum(versionStatuses),
    dataSha256: sha256,
    modelSha256: sha256,
    pipelineSha256: sha256,
    reportSha256: sha256.nullable(),
    cardMarkdownSha256: sha256.nullable(),
    cardHtmlSha256: sha256.nullable(),
    metrics: z.record(z.string(), z.number()),
    lineage: lineageSchema,
    /** Why the version is marked bad (a failed rollout, a rollback away from it), if it is. */
    badReason: z.string().nullable().optional(),
    createdAt: isoTime,
  })
  .meta({ id: 'ModelVersion' });

export const cardSchema = z
  .object({ markdown: z.string(), html: z.string().describe('self-contained HTML with charts'), card: z.record(z.string(), z.unknown()).describe('the model card input') })
  .meta({ id: 'ModelCard' });

export const tokenRequestSchema = z
  .object({
    principal: principalSchema,
    role: z.enum(roles),
    model: z.string().min(1).optional().describe('the model the role holds for; omitted: every model'),
    expiresIn: z.string().optional().describe('lifetime, e.g. 30d, 12h; omitted: no expiry'),
  })
  .meta({ id: 'TokenRequest' });

export const tokenInfoSchema = z
  .object({
    id: z.string(),
    principal: z.string(),
    role: z.enum(roles),
    model: z.string().nullable(),
    createdBy: z.string(),
    createdAt: isoTime,
    expiresAt: isoTime.nullable(),
    revokedAt: isoTime.nullable(),
    revokedBy: z.string().nullable(),
  })
  .meta({ id: 'TokenInfo' });

export const createdTokenSchema = tokenInfoSchema.extend({ token: z.string().describe('shown once: only its hash is kept') }).meta({ id: 'CreatedToken' });

export const auditEventSchema = z
  .object({
    seq: z.number().int(),
    at: isoTime,
    actor: z.string(),
    action: z.string(),
    model: z.string().nullable(),
    releaseId: z.string().nullable(),
    eventKey: z.string(),
    payload: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEvent' });

export const auditReportSchema = z
  .object({
    ok: z.boolean(),
    events: z.number().int(),
    head: z.object({ seq: z.number().int(), hash: z.string() }),
    brokenAt: z.number().int().optional(),
    anchors: z.object({
      signedHead: z.object({ seq: z.number().int(), at: isoTime, signatureChecked: z.boolean() }).optional(),
      history: z.object({ releases: z.number().int(), heads: z.number().int() }).optional(),
      notes: z.array(z.string()),
    }),
    problems: z.array(z.object({ check: z.string(), message: z.string(), seq: z.number().int().optional() })),
  })
  .meta({ id: 'AuditReport' });

export const accessEntrySchema = z
  .object({
    id: z.number().int(),
    at: isoTime,
    principal: z.string().nullable(),
    role: z.string().nullable(),
    credential: z.string().nullable(),
    action: z.string(),
    resource: z.string(),
    model: z.string().nullable(),
    status: z.number().int(),
    source: z.string(),
    method: z.string(),
  })
  .meta({ id: 'AccessEntry' });

export const identitySchema = z
  .object({ principal: z.string(), grants: z.array(z.object({ role: z.enum(roles), model: z.string().nullable() })), credential: z.string() })
  .meta({ id: 'Identity' });

/** `7d`, `12h` (that long ago) or an ISO time. */
export const sinceSchema = z.string().optional().describe('only entries since: a duration back from now (7d, 12h) or an ISO time');

/** Dates in a row as ISO text (JSON would do the same; the schemas say so explicitly). */
export function isoDates<T extends Record<string, unknown>>(row: T): { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = v instanceof Date ? v.toISOString() : v;
  return out as never;
}
