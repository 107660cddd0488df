/**
 * The shapes that travel between the release workflow, its activities and its clients (CLI, API).
 * Pure types and zod schemas: workflow code imports this module.
 */
import { z } from 'zod';

export const principalSchema = z.string().min(1).max(200).regex(/^[\w.@+-]+$/, 'a principal is a user name or an email');

export const releaseInputSchema = z.object({
  model: z.string().min(1),
  /** Training data for the candidate (absolute path on the workers' shared file system). */
  dataFile: z.string().min(1),
  requestedBy: principalSchema,
  /** Overrides the policy's held-out evaluation file. */
  evaluationFile: z.string().optional(),
  /** Overrides the policy's sign-off expiry (milliseconds). */
  approvalTimeoutMs: z.number().int().positive().optional(),
  /** Overrides of the policy's training recipe (e.g. fewer epochs for a quick check). */
  trainingOverrides: z.record(z.string(), z.unknown()).optional(),
});
export type ReleaseInput = z.infer<typeof releaseInputSchema>;

export const decisionInputSchema = z.object({
  principal: principalSchema,
  comment: z.string().max(4000).default(''),
});
export type DecisionInput = z.input<typeof decisionInputSchema>;

export type ReleaseStage =
  | 'starting'
  | 'validating'
  | 'training'
  | 'evaluating'
  | 'registering'
  | 'awaiting-approval'
  | 'promoting'
  | 'done';

export type ReleaseStatus = 'running' | 'promoted' | 'rejected' | 'expired' | 'failed';

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
  /** The policy document itself (training workers need its data and training sections, not the database). */
  policy: unknown;
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
}

export interface EvaluationSummary {
  reportSha256: string;
  metrics: Record<string, number>;
  production: Record<string, number> | null;
  gate: { passed: boolean; reasons: string[] };
}

export interface Decision {
  principal: string;
  decision: 'approve' | 'reject';
  comment: string;
  at: string;
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
  reason?: string;
}
