/**
 * The shapes that travel between the release workflow, its activities and its clients (CLI, API).
 * Pure types and zod schemas. The release workflow imports only types from here: the decision
 * schemas it parses are in ./decision.ts (re-exported below), apart from the request's.
 */
import { z } from 'zod';
import { principalSchema } from '../core/identity';
import { trainingConfigSchema } from '../model/config';
import type { ImportedArtifact } from '../model/imported';
import type { DecisionKind } from './decision';
import { publicKeyPattern, type DecisionSignature } from './decision-signature';

const training = trainingConfigSchema.shape;

export const releaseInputSchema = z.object({
  model: z.string().min(1),
  /**
   * Training data for the candidate (absolute path on the workers' shared file system). An imported
   * candidate was trained elsewhere: the file given is the data checked against the contract and
   * production's reference, the held-out evaluation file when none is given.
   */
  dataFile: z.string().min(1).optional(),
  /** A model trained elsewhere as the candidate instead of training one (see lib/model/imported.ts). */
  import: z
    .strictObject({
      /** The .onnx file, or the TF.js model.json (or their folder), on the workers' shared file system. */
      artifact: z.string().min(1),
      /** Where it comes from, as the requester declares it (training code commit, run id); recorded in the lineage. */
      origin: z.string().min(1).max(500).optional(),
    })
    .optional(),
  requestedBy: principalSchema,
  /** Overrides the policy's held-out evaluation file. */
  evaluationFile: z.string().optional(),
  /** Overrides the policy's sign-off expiry (milliseconds). */
  approvalTimeoutMs: z
    .number()
    .int()
    .min(1_000, 'a sign-off window is at least 1 second')
    .max(365 * 86_400_000, 'a sign-off window is at most 365 days')
    .optional(),
  /**
   * Overrides of the policy's training recipe (e.g. fewer epochs for a quick check), checked with the
   * recipe's own rules before the release starts; recorded in the audit record approvers see.
   */
  trainingOverrides: z
    .strictObject({
      epochs: training.epochs.unwrap().optional(),
      batchSize: training.batchSize.unwrap().optional(),
      learningRate: training.learningRate.unwrap().optional(),
      hiddenUnits: training.hiddenUnits.unwrap().optional(),
      dropout: training.dropout.unwrap().optional(),
      seed: training.seed.unwrap().optional(),
    })
    .optional(),
  /**
   * The control API's Ed25519 public key (hex). Set by the API when it starts a release: the workflow
   * then accepts only decisions the API signed (lib/release/decision-signature.ts). Releases started
   * without it (the embedded single-user stack) take unsigned decisions, as before.
   */
  decisionKey: z.string().regex(publicKeyPattern, 'a decision key is an Ed25519 public key: 64 lowercase hex digits').optional(),
}).superRefine((r, ctx) => {
  if (r.dataFile === undefined && r.import === undefined) ctx.addIssue({ code: 'custom', path: ['dataFile'], message: 'is required (the data to train on), unless a model is imported' });
  if (r.import && r.trainingOverrides) ctx.addIssue({ code: 'custom', path: ['trainingOverrides'], message: 'an imported model is not trained here: training overrides do not apply' });
});
export type ReleaseInput = z.infer<typeof releaseInputSchema>;

export { decisionInputSchema, decisionKinds, decisionSignatureSchema, type DecisionInput, type DecisionKind } from './decision';

/** The steps of a release, in order (`done` once it has an outcome). */
export const releaseStages = ['starting', 'validating', 'training', 'evaluating', 'registering', 'awaiting-approval', 'rolling-out', 'promoting', 'done'] as const;
export type ReleaseStage = (typeof releaseStages)[number];

/** A release's outcome (`running` until it has one). */
export const releaseStatuses = ['running', 'promoted', 'rejected', 'expired', 'failed'] as const;
export type ReleaseStatus = (typeof releaseStatuses)[number];

/** What the Web UI's `StewardOutcome` search attribute says of a finished release. */
export const releaseOutcomes = ['promoted', 'rejected', 'expired', 'gate-failed', 'failed', 'cancelled'] as const;
export type ReleaseOutcome = (typeof releaseOutcomes)[number];

/**
 * A model version's standing: `candidate` while its release runs, `production` while it serves,
 * `retired` once replaced, or the outcome of a release that did not promote it; `bad` when it failed
 * a rollout's analysis live or was rolled back from (the reason is kept with it), so no rollout or
 * rollback returns to it without an explicit override.
 */
export const versionStatuses = ['candidate', 'production', 'retired', 'rejected', 'expired', 'failed', 'bad'] as const;
export type VersionStatus = (typeof versionStatuses)[number];

/** Where a version came from: what the auditor's "trained on which data, by which code?" reads. */
export interface VersionLineage {
  dataSha256: string;
  dataRows: number;
  codeVersion: string;
  /** contentHash of the parsed training config (equals the model file's `metadata.configSha256`). */
  trainingConfigHash: string;
  weightsSha256: string;
  backend: string;
  taskQueue: string;
  epochs: number;
  policyHash: string;
  parentVersion: number | null;
  /** An imported candidate: its artifact's hash, format and files, and its declared origin. */
  imported?: ImportedArtifact;
}

/** What the workflow learns from the model's policy when it starts. */
export interface ReleasePlan {
  policyHash: string;
  approvers: string[];
  quorum: number;
  approvalTimeoutMs: number;
  gpu: 'required' | 'preferred' | 'never';
  gpuWaitMs: number;
  /** A training worker that stops heartbeating for this long is presumed dead; the retry resumes from its checkpoint. */
  trainingHeartbeatMs: number;
  evaluationFile: string;
  productionVersion: number | null;
  /**
   * After sign-off, hand the version to a rollout workflow (the policy's `rollout.onApproval` is
   * `rollout` and there is a production version to compare with) instead of promoting at once.
   * Absent in plans recorded before rollouts existed.
   */
  rolloutOnApproval?: boolean;
  /** The policy document itself (training workers need its data and training sections, not the database). */
  policy: unknown;
  /** The audit chain's head after the release was recorded (kept in the history: lib/audit/temporal.ts). */
  auditHead?: { seq: number; hash: string };
}

export interface DataValidation {
  sha256: string;
  rows: number;
  /** Content-addressed copy the training workers read. */
  artifactSha256: string;
  warnings: string[];
  /** Content-addressed JSON with the full contract report and drift report. */
  reportSha256: string;
  drift: { drifted: boolean; share: number; driftedColumns: string[] } | null;
}

export interface TrainedCandidate {
  modelSha256: string;
  pipelineSha256: string;
  weightsSha256: string;
  backend: string;
  epochs: number;
  trainingSeconds: number;
  trainingConfigHash: string;
  taskQueue: string;
  /** Activity attempt that finished training, and the checkpoint epoch it resumed after (null: from scratch). */
  attempt: number;
  resumedFromEpoch: number | null;
  /** Set when the candidate was imported, not trained (`epochs` is then 0). */
  imported?: ImportedArtifact;
}

export interface EvaluationSummary {
  reportSha256: string;
  metrics: Record<string, number>;
  production: Record<string, number> | null;
  gate: { passed: boolean; reasons: string[] };
}

export interface Decision {
  principal: string;
  decision: DecisionKind;
  comment: string;
  /** Workflow time at which the decision was accepted. */
  at: string;
  /** The API's signature (with its own clock) when the release requires signed decisions. */
  signature?: DecisionSignature;
}

export interface ReleaseState {
  releaseId: string;
  model: string;
  requestedBy: string;
  stage: ReleaseStage;
  status: ReleaseStatus;
  policyHash?: string;
  approvers: string[];
  quorum: number;
  /** ISO time at which an unanswered sign-off request expires. */
  approvalDeadline?: string;
  data?: DataValidation;
  candidate?: TrainedCandidate;
  evaluation?: EvaluationSummary;
  version?: number;
  approvals: Decision[];
  /** The rollout the approved version was handed to (when the policy declares one). */
  rollout?: { workflowId: string; status: string; reason?: string };
  reason?: string;
}
