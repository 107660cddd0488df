/**
 * Activities of the rollout and rollback workflows, and the prediction log's retention. Each is
 * idempotent (activities retry): rows are keyed by the rollout or rollback id, audit events by an
 * event key, and every state change (traffic routes, the production pointer, a version marked bad)
 * commits in one transaction with the audit event that records it.
 */
import { and, desc, eq, ne, sql } from 'drizzle-orm';
import { advisoryLocks } from '../db/locks';
import type { StewardTx } from '../db/client';
import { approvals, auditEvents, models, modelVersions, production, rollouts } from '../db/schema';
import { StewardError } from '../lib/core/errors';
import { samePrincipal } from '../lib/core/identity';
import { appendAudit } from '../lib/registry/audit';
import { attachVersionCard } from '../lib/registry/cards';
import { getModel } from '../lib/registry/models';
import { judge, scoreDrift } from '../lib/rollout/analysis';
import { rolloutInputSchema, type AnalysisConfig, type Measurement, type OperatorDecision, type RollbackInput, type RollbackResult, type Route, type RolloutInput, type RolloutPlan, type RolloutStatus } from '../lib/rollout/types';
import { parseWith } from '../lib/core/validation';
import { pruneLog, windowScores, windowStats } from '../lib/serving/log-store';
import { replaceRoutes, routeOwner } from '../lib/serving/routes';
import type { ActivityDeps } from './deps';
import { withFailureTypes } from './failures';

/** Scores compared per version and window for the drift check. */
const DRIFT_SAMPLE = 5000;

async function lockVersions(tx: StewardTx) {
  await tx.execute(sql`select pg_advisory_xact_lock(${advisoryLocks.versions})`);
}

/** Whether an audit event with this key has been appended (a retried activity whose change already committed). */
async function recorded(tx: StewardTx, eventKey: string) {
  const [row] = await tx.select({ payload: auditEvents.payload }).from(auditEvents).where(eq(auditEvents.eventKey, eventKey));
  return row;
}

export function createRolloutActivities({ db, artifacts, clock = () => new Date() }: ActivityDeps) {
  /** Operators and approvers of a model: who may move its traffic. */
  const operatorsOf = (policy: { operators: string[]; approvals: { approvers: string[] } }) => [...new Set([...policy.operators, ...policy.approvals.approvers].map((p) => p.toLowerCase()))];

  return {
    /**
     * Checks a rollout request against the registry (the version exists, is approved, is not bad
     * unless overridden, is not production already; the requester may operate the model), records
     * the rollout, takes hold of the model's routes and says what the workflow must run.
     */
    async beginRollout(args: { rolloutId: string; input: RolloutInput }): Promise<RolloutPlan> {
      return withFailureTypes(async () => {
        const input = parseWith(rolloutInputSchema, args.input, { type: 'InvalidInput', what: 'rollout request' });
        const { policy, policyHash } = await getModel(db, input.model);
        const operators = operatorsOf(policy);
        if (!input.releaseId && !operators.some((o) => samePrincipal(o, input.requestedBy))) {
          throw new StewardError('UnauthorizedOperator', `${input.requestedBy} may not roll out ${input.model}: not among its operators and approvers (${operators.join(', ')})`);
        }
        return db.transaction(async (tx) => {
          await lockVersions(tx);
          const [version] = await tx.select().from(modelVersions).where(and(eq(modelVersions.model, input.model), eq(modelVersions.version, input.version)));
          if (!version) throw new StewardError('NotFound', `model "${input.model}" has no version ${input.version}`);
          const [prod] = await tx.select().from(production).where(eq(production.model, input.model));
          const [existing] = await tx.select().from(rollouts).where(eq(rollouts.id, args.rolloutId));
          if (!existing) {
            if (version.status === 'bad' && !input.overrideBad) {
              throw new StewardError(
                'BadVersion',
                `v${input.version} of ${input.model} is marked bad (${version.badReason ?? 'no reason recorded'}); to roll it out anyway pass --override-bad with --reason`,
              );
            }
            if (input.expectedBaseline !== undefined && (prod?.version ?? null) !== input.expectedBaseline) {
              throw new StewardError(
                'ProductionMoved',
                `production of ${input.model} moved to v${prod?.version ?? '-'} after v${input.version} was compared with v${input.expectedBaseline}; start a new release to evaluate against it`,
              );
            }
            if (prod?.version === input.version) throw new StewardError('InvalidInput', `v${input.version} is already the production version of ${input.model}`);
            if (['rejected', 'expired', 'failed'].includes(version.status)) {
              throw new StewardError('InvalidInput', `v${input.version} of ${input.model} was never approved (its release ended ${version.status}); release a new version instead`);
            }
            if (version.status === 'candidate') {
              const signed = await tx.select().from(approvals).where(and(eq(approvals.releaseId, version.releaseId), eq(approvals.decision, 'approve')));
              if (signed.length === 0) throw new StewardError('InvalidInput', `v${input.version} of ${input.model} has not been approved yet (release ${version.releaseId})`);
            }
            // The workflow id is fixed per model, so no other rollout of it runs: a row still marked
            // running belongs to a run that was terminated.
            await tx
              .update(rollouts)
              .set({ status: 'aborted', reason: 'superseded: its workflow was no longer running', updatedAt: clock() })
              .where(and(eq(rollouts.model, input.model), eq(rollouts.status, 'running'), ne(rollouts.id, args.rolloutId)));
            const strategy = input.strategy ?? policy.rollout.strategy;
            await tx.insert(rollouts).values({
              id: args.rolloutId,
              model: input.model,
              version: input.version,
              baselineVersion: prod?.version ?? null,
              strategy,
              status: 'running',
              requestedBy: input.requestedBy,
              releaseId: input.releaseId ?? null,
            });
            // The rollout holds the routes from here on; production keeps all traffic until the first step.
            await replaceRoutes(tx, { model: input.model, routes: [], owner: args.rolloutId, reason: `rollout of v${input.version} started` });
            await appendAudit(tx, {
              at: clock(),
              actor: input.requestedBy,
              action: 'rollout.started',
              model: input.model,
              releaseId: input.releaseId ?? null,
              eventKey: `${args.rolloutId}:started`,
              payload: {
                rolloutId: args.rolloutId,
                version: input.version,
                baselineVersion: prod?.version ?? null,
                strategy,
                steps: input.steps ?? policy.rollout.steps,
                intervalMs: input.intervalMs ?? policy.rollout.interval,
                policyHash,
                overrideBad: input.overrideBad ? { reason: input.overrideBad.reason, badReason: version.badReason } : null,
              },
            });
          }
          const baselineVersion = existing ? existing.baselineVersion : (prod?.version ?? null);
          return {
            rolloutId: args.rolloutId,
            policyHash,
            operators,
            baselineVersion,
            strategy: existing?.strategy ?? input.strategy ?? policy.rollout.strategy,
            steps: input.steps ?? policy.rollout.steps,
            intervalMs: input.intervalMs ?? policy.rollout.interval,
            measurements: policy.rollout.measurements,
            bakeTimeMs: policy.rollout.bakeTime,
            analysis: policy.rollout.analysis,
            positiveLabel: String(policy.data.label.positive),
          };
        });
      });
    },

    /** Sets the model's routes for a step of the rollout, if it still holds them (`RolloutConflict` otherwise). */
    async setTraffic(args: { rolloutId: string; model: string; routes: Route[]; label: string }): Promise<number> {
      return withFailureTypes(() =>
        db.transaction(async (tx) => {
          const eventKey = `${args.rolloutId}:traffic:${args.label}`;
          const done = await recorded(tx, eventKey);
          if (done) return Number((done.payload as { generation: number }).generation);
          const generation = await replaceRoutes(tx, { model: args.model, routes: args.routes, owner: args.rolloutId, expectedOwner: args.rolloutId, reason: args.label });
          await appendAudit(tx, {
            at: clock(),
            actor: 'steward',
            action: 'rollout.traffic',
            model: args.model,
            eventKey,
            payload: { rolloutId: args.rolloutId, step: args.label, routes: args.routes, generation },
          });
          return generation;
        }),
      );
    },

    /**
     * One analysis measurement over the live log: the candidate's numbers, production's on the same
     * window, and the verdict. A measurement that cannot be taken (the database unreachable) is an
     * `error` verdict, not a failed activity: the workflow counts those against its limit.
     */
    async measure(args: { rolloutId: string; model: string; candidate: number; baseline: number | null; from: string; to: string; analysis: AnalysisConfig; positiveLabel: string }): Promise<Measurement> {
      const at = clock().toISOString();
      const window = { from: new Date(args.from), to: new Date(args.to) };
      let measurement: Measurement;
      try {
        const versions = args.baseline === null ? [args.candidate] : [args.candidate, args.baseline];
        const [candidate, baseline = null] = await windowStats(db, { model: args.model, versions, ...window, positiveLabel: args.positiveLabel });
        let drift: number | null = null;
        if (baseline && candidate.predictions >= args.analysis.minRequests && baseline.predictions >= args.analysis.minRequests) {
          const [c, b] = await Promise.all([
            windowScores(db, { model: args.model, version: args.candidate, ...window, limit: DRIFT_SAMPLE }),
            windowScores(db, { model: args.model, version: args.baseline!, ...window, limit: DRIFT_SAMPLE }),
          ]);
          if (c.length >= args.analysis.minRequests && b.length >= args.analysis.minRequests) drift = scoreDrift(c, b);
        }
        const { verdict, reasons } = judge({ candidate, baseline, drift, config: args.analysis });
        measurement = { at, from: args.from, to: args.to, verdict, candidate, baseline, drift, reasons };
      } catch (e) {
        measurement = { at, from: args.from, to: args.to, verdict: 'error', candidate: null, baseline: null, drift: null, reasons: [`the prediction log could not be read: ${(e as Error).message}`] };
      }
      await db
        .update(rollouts)
        .set({ analysis: measurement, updatedAt: clock() })
        .where(eq(rollouts.id, args.rolloutId))
        .catch(() => {});
      return measurement;
    },

    /** Records a person's pause, resume, abort or promote of a rollout in the audit record. */
    async recordRolloutDecision(args: { rolloutId: string; model: string; decision: OperatorDecision }): Promise<void> {
      const d = args.decision;
      await appendAudit(db, {
        at: new Date(d.at),
        actor: d.principal,
        action: `rollout.${d.action}`,
        model: args.model,
        eventKey: `${args.rolloutId}:${d.action}:${d.at}`,
        payload: { rolloutId: args.rolloutId, reason: d.reason },
      });
    },

    /**
     * Ends a rollout. `completed` moves the production pointer to the version (canary, blue-green)
     * or just ends the mirroring (shadow); the others give all traffic back to production, and
     * `rolled-back` marks the version bad with the analysis as the reason. Routes are only touched
     * while the rollout still holds them (a rollback may have taken them over).
     */
    async finishRollout(args: {
      rolloutId: string;
      model: string;
      version: number;
      baselineVersion: number | null;
      strategy: RolloutPlan['strategy'];
      status: Exclude<RolloutStatus, 'running'>;
      reason: string | null;
      releaseId?: string;
      markBad: boolean;
    }): Promise<void> {
      return withFailureTypes(async () => {
        const promotes = args.status === 'completed' && args.strategy !== 'shadow';
        await db.transaction(async (tx) => {
          await lockVersions(tx);
          const [row] = await tx.select().from(rollouts).where(eq(rollouts.id, args.rolloutId));
          if (row && row.status !== 'running') return; // a retry after the commit
          const holder = await routeOwner(tx, args.model);
          const holdsRoutes = holder?.owner === args.rolloutId;
          const at = clock();
          if (promotes) {
            const [prod] = await tx.select().from(production).where(eq(production.model, args.model));
            const current = prod?.version ?? null;
            if (current !== args.baselineVersion) {
              throw new StewardError('ProductionMoved', `production of ${args.model} moved to v${current} during the rollout of v${args.version} (compared with v${args.baselineVersion}); start a new rollout`);
            }
            const changeId = args.releaseId ?? args.rolloutId;
            if (prod) {
              await tx.update(modelVersions).set({ status: 'retired' }).where(and(eq(modelVersions.model, args.model), eq(modelVersions.version, prod.version)));
              await tx.update(production).set({ version: args.version, releaseId: changeId, updatedAt: at }).where(eq(production.model, args.model));
            } else {
              await tx.insert(production).values({ model: args.model, version: args.version, releaseId: changeId });
            }
            await tx.update(modelVersions).set({ status: 'production', promotedAt: at }).where(and(eq(modelVersions.model, args.model), eq(modelVersions.version, args.version)));
          }
          if (args.markBad) {
            await tx
              .update(modelVersions)
              .set({ status: 'bad', badReason: `rollout ${args.rolloutId}: ${args.reason ?? 'analysis failed'}` })
              .where(and(eq(modelVersions.model, args.model), eq(modelVersions.version, args.version)));
          }
          if (holdsRoutes) await replaceRoutes(tx, { model: args.model, routes: [], owner: null, expectedOwner: args.rolloutId, reason: `rollout ${args.status}` });
          await tx.update(rollouts).set({ status: args.status, reason: args.reason, updatedAt: at }).where(eq(rollouts.id, args.rolloutId));
          await appendAudit(tx, {
            at,
            actor: 'steward',
            action: `rollout.${args.status}`,
            model: args.model,
            releaseId: args.releaseId ?? null,
            eventKey: `${args.rolloutId}:finished`,
            payload: { rolloutId: args.rolloutId, version: args.version, baselineVersion: args.baselineVersion, reason: args.reason, routesReleased: holdsRoutes },
          });
          if (promotes) {
            await appendAudit(tx, {
              at,
              actor: 'steward',
              action: 'version.promoted',
              model: args.model,
              releaseId: args.releaseId ?? null,
              eventKey: `${args.rolloutId}:promoted`,
              payload: { version: args.version, previousVersion: args.baselineVersion, rolloutId: args.rolloutId },
            });
          }
          if (args.markBad) {
            await appendAudit(tx, {
              at,
              actor: 'steward',
              action: 'version.marked-bad',
              model: args.model,
              releaseId: args.releaseId ?? null,
              eventKey: `${args.rolloutId}:marked-bad`,
              payload: { version: args.version, reason: args.reason, rolloutId: args.rolloutId },
            });
          }
        });
        // The card shows the new standing next to the evidence (versions registered without an evaluation report have none).
        if (promotes || args.markBad) {
          const [v] = await db.select({ report: modelVersions.reportSha256 }).from(modelVersions).where(and(eq(modelVersions.model, args.model), eq(modelVersions.version, args.version)));
          if (v?.report) await attachVersionCard(db, artifacts, args.model, args.version);
        }
      });
    },

    /**
     * Moves production and all traffic to `to` (or the last version that completed a rollout and is
     * not bad), marks the version it leaves bad with the reason, and records it: one transaction.
     * A target marked bad is refused unless the request overrides it (the override is recorded).
     */
    async rollback(args: { rollbackId: string; input: RollbackInput }): Promise<RollbackResult> {
      return withFailureTypes(async () => {
        const input = { ...args.input, overrideBad: args.input.overrideBad ?? false };
        const { policy } = await getModel(db, input.model);
        const operators = operatorsOf(policy);
        if (!operators.some((o) => samePrincipal(o, input.requestedBy))) {
          throw new StewardError('UnauthorizedOperator', `${input.requestedBy} may not roll back ${input.model}: not among its operators and approvers (${operators.join(', ')})`);
        }
        const eventKey = `${args.rollbackId}:rollback`;
        return db.transaction(async (tx) => {
          await lockVersions(tx);
          const done = await recorded(tx, eventKey);
          if (done) return done.payload as unknown as RollbackResult;
          const [prod] = await tx.select().from(production).where(eq(production.model, input.model));
          if (!prod) throw new StewardError('NotFound', `${input.model} has no production version to roll back from`);
          let target;
          if (input.to !== undefined) {
            [target] = await tx.select().from(modelVersions).where(and(eq(modelVersions.model, input.model), eq(modelVersions.version, input.to)));
            if (!target) throw new StewardError('NotFound', `model "${input.model}" has no version ${input.to}`);
            if (target.version === prod.version) throw new StewardError('InvalidInput', `v${target.version} is already the production version of ${input.model}`);
          } else {
            // The last version that completed a rollout (or a promotion) and is not bad.
            [target] = await tx
              .select()
              .from(modelVersions)
              .where(and(eq(modelVersions.model, input.model), ne(modelVersions.version, prod.version), ne(modelVersions.status, 'bad'), sql`${modelVersions.promotedAt} is not null`))
              .orderBy(desc(modelVersions.promotedAt), desc(modelVersions.version))
              .limit(1);
            if (!target) throw new StewardError('NotFound', `no earlier version of ${input.model} completed a rollout and is not marked bad; name one with --to`);
          }
          if (target.status === 'bad' && !input.overrideBad) {
            throw new StewardError(
              'BadVersion',
              `v${target.version} of ${input.model} is marked bad (${target.badReason ?? 'no reason recorded'}); to roll back to it anyway pass --override-bad (the reason is recorded)`,
            );
          }
          if (target.promotedAt === null && target.status !== 'bad') {
            throw new StewardError('InvalidInput', `v${target.version} of ${input.model} never served production (status ${target.status}); roll it out instead (steward rollout)`);
          }
          const at = clock();
          await tx.update(modelVersions).set({ status: 'bad', badReason: `rolled back by ${input.requestedBy}: ${input.reason}` }).where(and(eq(modelVersions.model, input.model), eq(modelVersions.version, prod.version)));
          await tx.update(modelVersions).set({ status: 'production', promotedAt: at }).where(and(eq(modelVersions.model, input.model), eq(modelVersions.version, target.version)));
          await tx.update(production).set({ version: target.version, releaseId: args.rollbackId, updatedAt: at }).where(eq(production.model, input.model));
          // The rollback takes the routes from whoever held them: a running rollout stops at its next step.
          await replaceRoutes(tx, { model: input.model, routes: [], owner: null, reason: `rollback to v${target.version}` });
          const result: RollbackResult = {
            rollbackId: args.rollbackId,
            model: input.model,
            from: prod.version,
            to: target.version,
            markedBad: prod.version,
            overrideBad: target.status === 'bad',
            reason: input.reason,
            requestedBy: input.requestedBy,
          };
          await appendAudit(tx, { at, actor: input.requestedBy, action: 'rollback', model: input.model, eventKey, payload: { ...result } });
          await appendAudit(tx, {
            at,
            actor: input.requestedBy,
            action: 'version.marked-bad',
            model: input.model,
            eventKey: `${args.rollbackId}:marked-bad`,
            payload: { version: prod.version, reason: `rolled back: ${input.reason}`, rollbackId: args.rollbackId },
          });
          return result;
        });
      });
    },

    /** Deletes every model's log rows older than its policy's retention (run daily by a Temporal Schedule). */
    async prunePredictionLog(): Promise<Record<string, number>> {
      const names = (await db.select({ name: models.name }).from(models)).map((m) => m.name);
      const deleted: Record<string, number> = {};
      const now = clock();
      for (const name of names) {
        const { policy } = await getModel(db, name);
        // Cut-offs on the minute: a retried run deletes the same rows and records one event.
        const before = new Date(Math.floor((now.getTime() - policy.logging.retention) / 60_000) * 60_000);
        deleted[name] = await pruneLog(db, { model: name, before, at: now });
      }
      return deleted;
    },
  };
}

export type RolloutActivities = ReturnType<typeof createRolloutActivities>;

