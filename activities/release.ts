/**
 * Registry and decision activities of the release workflow. Each is idempotent (activities retry):
 * writes are keyed by release id, and audit events by an event key. Every state change commits in
 * one transaction with the audit event that records it, so the record never shows a change that
 * did not happen nor misses one that did.
 */
import { and, eq, sql } from 'drizzle-orm';
import { advisoryLocks } from '../db/locks';
import { approvals, modelVersions, production, releases } from '../db/schema';
import { samePrincipal } from '../lib/core/identity';
import { appendAudit, auditHead, type AuditHead } from '../lib/registry/audit';
import { getAuditedModel, productionVersion } from '../lib/registry/models';
import { attachVersionCard } from '../lib/registry/cards';
import type { DataValidation, Decision, EvaluationSummary, ReleaseInput, ReleasePlan, ReleaseStatus, TrainedCandidate } from '../lib/release/types';
import { StewardError } from '../lib/core/errors';
import type { ActivityDeps } from './deps';
import { withFailureTypes } from './failures';

export function createReleaseActivities({ db, artifacts, codeVersion, clock = () => new Date(), auditAnchor, requiredDecisionKey }: ActivityDeps) {
  // After each committed write: the chain's head, signed and stored outside the database when an
  // anchor is configured. Activities return it, so the release's history in Temporal records it too.
  const anchored = (): Promise<AuditHead> => (auditAnchor ? auditAnchor.update(db) : auditHead(db));
  return {
    /** Loads the policy, records the release and says what the workflow must enforce. */
    async beginRelease({ releaseId, input }: { releaseId: string; input: ReleaseInput }): Promise<ReleasePlan> {
      return withFailureTypes(async () => {
        if (requiredDecisionKey && input.decisionKey !== requiredDecisionKey) {
          throw new StewardError(
            'InvalidDecisionSignature',
            `auth is on: releases are started through the control API, which gives them its decision key; this one ${input.decisionKey ? 'carries another key' : 'carries none'} (started straight through Temporal?)`,
          );
        }
        // A policy edited in the database, bypassing register and its audit event, is refused here.
        const { policy, policyHash } = await getAuditedModel(db, input.model);
        const eligible = policy.approvals.approvers.filter((a) => !samePrincipal(a, input.requestedBy));
        if (eligible.length < policy.approvals.quorum) {
          throw new StewardError(
            'UnauthorizedApprover',
            `${input.requestedBy} cannot request a release of ${input.model}: only ${eligible.length} other approver(s) for a quorum of ${policy.approvals.quorum} (separation of duties)`,
          );
        }
        const prod = await productionVersion(db, input.model);
        await db.transaction(async (tx) => {
          await tx
            .insert(releases)
            .values({ id: releaseId, model: input.model, requestedBy: input.requestedBy, stage: 'starting', status: 'running', policyHash })
            .onConflictDoNothing();
          await appendAudit(tx, {
            at: clock(),
            actor: input.requestedBy,
            action: 'release.requested',
            model: input.model,
            releaseId,
            eventKey: `${releaseId}:requested`,
            // Requester-supplied overrides of the policy are part of the record approvers and auditors see.
            payload: {
              dataFile: input.dataFile ?? null,
              ...(input.import ? { import: { artifact: input.import.artifact, origin: input.import.origin ?? null } } : {}),
              policyHash,
              productionVersion: prod?.version ?? null,
              codeVersion,
              decisionKey: input.decisionKey ?? null,
              overrides: { evaluationFile: input.evaluationFile ?? null, approvalTimeoutMs: input.approvalTimeoutMs ?? null, training: input.trainingOverrides ?? null },
            },
          });
        });
        return {
          policyHash,
          approvers: policy.approvals.approvers,
          quorum: policy.approvals.quorum,
          approvalTimeoutMs: input.approvalTimeoutMs ?? policy.approvals.timeout,
          gpu: policy.compute.gpu,
          gpuWaitMs: policy.compute.gpuWait,
          trainingHeartbeatMs: policy.compute.heartbeatTimeout,
          evaluationFile: policy.data.evaluationFile,
          productionVersion: prod?.version ?? null,
          rolloutOnApproval: policy.rollout.onApproval === 'rollout',
          policy,
          auditHead: await anchored(),
        };
      });
    },

    /** Writes the candidate version with its lineage; the same release always gets the same version. */
    async registerCandidate(args: {
      releaseId: string;
      model: string;
      data: DataValidation;
      candidate: TrainedCandidate;
      evaluation: EvaluationSummary;
      policyHash: string;
      parentVersion: number | null;
    }): Promise<number> {
      return withFailureTypes(async () => {
        const version = await db.transaction(async (tx) => {
          await tx.execute(sql`select pg_advisory_xact_lock(${advisoryLocks.versions})`);
          const [existing] = await tx.select({ version: modelVersions.version }).from(modelVersions).where(eq(modelVersions.releaseId, args.releaseId));
          if (existing) return existing.version;
          const [{ next }] = await tx
            .select({ next: sql<number>`coalesce(max(${modelVersions.version}), 0) + 1` })
            .from(modelVersions)
            .where(eq(modelVersions.model, args.model));
          const v = Number(next);
          await tx.insert(modelVersions).values({
            model: args.model,
            version: v,
            releaseId: args.releaseId,
            status: 'candidate',
            dataSha256: args.data.sha256,
            modelSha256: args.candidate.modelSha256,
            pipelineSha256: args.candidate.pipelineSha256,
            reportSha256: args.evaluation.reportSha256,
            metrics: args.evaluation.metrics,
            lineage: {
              dataSha256: args.data.sha256,
              dataRows: args.data.rows,
              codeVersion,
              trainingConfigHash: args.candidate.trainingConfigHash,
              weightsSha256: args.candidate.weightsSha256,
              backend: args.candidate.backend,
              taskQueue: args.candidate.taskQueue,
              epochs: args.candidate.epochs,
              policyHash: args.policyHash,
              parentVersion: args.parentVersion,
              ...(args.candidate.imported ? { imported: args.candidate.imported } : {}),
            },
          });
          await tx.update(releases).set({ version: v, stage: 'registering', updatedAt: clock() }).where(eq(releases.id, args.releaseId));
          await appendAudit(tx, {
            at: clock(),
            actor: 'steward',
            action: 'version.registered',
            model: args.model,
            releaseId: args.releaseId,
            eventKey: `${args.releaseId}:registered`,
            payload: {
              version: v,
              modelSha256: args.candidate.modelSha256,
              dataSha256: args.data.sha256,
              gate: args.evaluation.gate,
              ...(args.candidate.imported ? { imported: { sha256: args.candidate.imported.sha256, format: args.candidate.imported.format, origin: args.candidate.imported.origin } } : {}),
            },
          });
          return v;
        });
        await attachVersionCard(db, artifacts, args.model, version);
        await anchored();
        return version;
      });
    },

    async announceApprovalRequest(args: { releaseId: string; model: string; version: number; approvers: string[]; deadline: string }): Promise<AuditHead> {
      await db.transaction(async (tx) => {
        await tx.update(releases).set({ stage: 'awaiting-approval', updatedAt: clock() }).where(eq(releases.id, args.releaseId));
        await appendAudit(tx, {
          at: clock(),
          actor: 'steward',
          action: 'approval.requested',
          model: args.model,
          releaseId: args.releaseId,
          eventKey: `${args.releaseId}:approval-requested`,
          payload: { version: args.version, approvers: args.approvers, deadline: args.deadline },
        });
      });
      return anchored();
    },

    async recordDecision(args: { releaseId: string; model: string; version: number | null; policyHash: string; decision: Decision }): Promise<AuditHead> {
      const d = args.decision;
      await db.transaction(async (tx) => {
        await tx
          .insert(approvals)
          .values({ releaseId: args.releaseId, principal: d.principal, decision: d.decision, comment: d.comment, decidedAt: new Date(d.at) })
          .onConflictDoNothing();
        await appendAudit(tx, {
          at: new Date(d.at),
          actor: d.principal,
          action: d.decision === 'approve' ? 'release.approved' : 'release.rejected',
          model: args.model,
          releaseId: args.releaseId,
          eventKey: `${args.releaseId}:${d.decision}:${d.principal}`,
          // The API's signature (when the release requires one): verifiable by anyone with its public key.
          payload: { version: args.version, comment: d.comment, policyHash: args.policyHash, ...(d.signature ? { signature: d.signature } : {}) },
        });
      });
      return anchored();
    },

    /**
     * Moves the production pointer to the approved version (the previous one is retired), only if
     * production is still the version the candidate was compared with; the audit event commits with it.
     */
    async promote(args: {
      releaseId: string;
      model: string;
      version: number;
      expectedProductionVersion: number | null;
      policyHash: string;
      approvals: Decision[];
    }): Promise<AuditHead> {
      return withFailureTypes(async () => {
        await db.transaction(async (tx) => {
          await tx.execute(sql`select pg_advisory_xact_lock(${advisoryLocks.versions})`);
          const [prod] = await tx.select().from(production).where(eq(production.model, args.model));
          const current = prod?.version ?? null;
          if (current === args.version) return; // a retry after the commit: already done, and audited
          if (current !== args.expectedProductionVersion) {
            throw new StewardError(
              'ProductionMoved',
              `production of ${args.model} moved to v${current} after v${args.version} was compared with ${args.expectedProductionVersion === null ? 'no production version' : `v${args.expectedProductionVersion}`}; start a new release to evaluate against v${current}`,
            );
          }
          if (prod) {
            await tx.update(modelVersions).set({ status: 'retired' }).where(and(eq(modelVersions.model, args.model), eq(modelVersions.version, prod.version)));
            await tx.update(production).set({ version: args.version, releaseId: args.releaseId, updatedAt: clock() }).where(eq(production.model, args.model));
          } else {
            await tx.insert(production).values({ model: args.model, version: args.version, releaseId: args.releaseId });
          }
          await tx.update(modelVersions).set({ status: 'production', promotedAt: clock() }).where(and(eq(modelVersions.model, args.model), eq(modelVersions.version, args.version)));
          await appendAudit(tx, {
            at: clock(),
            actor: 'steward',
            action: 'version.promoted',
            model: args.model,
            releaseId: args.releaseId,
            eventKey: `${args.releaseId}:promoted`,
            payload: { version: args.version, previousVersion: current, approvedBy: args.approvals.map((a) => a.principal), policyHash: args.policyHash },
          });
        });
        await attachVersionCard(db, artifacts, args.model, args.version);
        return anchored();
      });
    },

    async closeRelease(args: { releaseId: string; model: string; status: Exclude<ReleaseStatus, 'running'>; reason: string | null; version: number | null }): Promise<AuditHead> {
      const { status, version } = args;
      const endsCandidate = version !== null && status !== 'promoted';
      await db.transaction(async (tx) => {
        await tx.update(releases).set({ status, stage: 'done', reason: args.reason, updatedAt: clock() }).where(eq(releases.id, args.releaseId));
        if (endsCandidate) {
          await tx
            .update(modelVersions)
            .set({ status })
            .where(and(eq(modelVersions.model, args.model), eq(modelVersions.version, version), eq(modelVersions.status, 'candidate')));
        }
        await appendAudit(tx, {
          at: clock(),
          actor: 'steward',
          action: `release.${status}`,
          model: args.model,
          releaseId: args.releaseId,
          eventKey: `${args.releaseId}:closed`,
          payload: { reason: args.reason, version },
        });
      });
      // The card keeps the rejection with its comment next to the evidence (a derived artifact:
      // re-rendered from the committed rows, so a retry renders the same card).
      if (endsCandidate && status === 'rejected') await attachVersionCard(db, artifacts, args.model, version);
      return anchored();
    },
  };
}
