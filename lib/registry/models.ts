/**
 * The model registry: models with their policies, versions with lineage, and the production pointer.
 * Used by activities (inside workflows) and by read-only CLI/API commands.
 */
import { randomUUID } from 'node:crypto';
import { and, count, desc, eq, inArray, max } from 'drizzle-orm';
import type { StewardDb, StewardTx } from '../../db/client';
import { auditEvents, datasets, models, modelVersions, production, releases } from '../../db/schema';
import { contentHash } from '../core/hash';
import { appendAudit } from './audit';
import type { DatasetProfile } from '../drift/profile';
import { StewardError } from '../core/errors';
import { checkDataFile } from '../data/source';
import { type Policy, parsePolicy, policyHash } from '../policy/schema';

/** Audit actions that set a model's policy; the newest one for a model names its current policy hash. */
export const policyActions = ['model.registered', 'model.policy-updated'] as const;

/**
 * Registers a model or updates its policy, with its audit event in the same transaction (who, the
 * new and previous policy hash, the approvers and quorum): a change of approvers is on the record.
 * Registering the policy a model already has changes nothing and records nothing, unless the record
 * has no event for it yet (a model registered before policy changes were audited).
 *
 * @example await registerModel(db, loadPolicyFile('policies/adult-income.json'), 'maria');
 */
export async function registerModel(db: StewardDb, policy: Policy, actor = 'steward'): Promise<{ name: string; policyHash: string; created: boolean }> {
  // The held-out file every release of this model evaluates on must be readable now, not at its first release.
  try {
    checkDataFile(policy.data.evaluationFile);
  } catch (e) {
    const err = e as StewardError;
    throw new StewardError('InvalidPolicy', `data.evaluationFile ${err.reason}`, { file: policy.data.evaluationFile, field: 'data.evaluationFile' }, { cause: e });
  }
  const hash = policyHash(policy);
  return db.transaction(async (tx) => {
    const [existing] = await tx.select({ policyHash: models.policyHash }).from(models).where(eq(models.name, policy.model));
    const latest = await latestPolicyEvent(tx, policy.model);
    if (!existing) await tx.insert(models).values({ name: policy.model, description: policy.description, policy, policyHash: hash });
    else if (existing.policyHash !== hash) {
      await tx.update(models).set({ policy, policyHash: hash, description: policy.description, updatedAt: new Date() }).where(eq(models.name, policy.model));
    }
    if (!existing || existing.policyHash !== hash || latest?.payload.policyHash !== hash) {
      await appendAudit(tx, {
        at: new Date(),
        actor,
        action: existing ? 'model.policy-updated' : 'model.registered',
        model: policy.model,
        eventKey: `model:${policy.model}:policy:${randomUUID()}`,
        payload: { policyHash: hash, previousPolicyHash: existing?.policyHash ?? null, approvers: policy.approvals.approvers, quorum: policy.approvals.quorum },
      });
    }
    return { name: policy.model, policyHash: hash, created: !existing };
  });
}

async function latestPolicyEvent(db: StewardDb | StewardTx, model: string) {
  const [row] = await db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.model, model), inArray(auditEvents.action, [...policyActions])))
    .orderBy(desc(auditEvents.seq))
    .limit(1);
  return row;
}

/**
 * The model's policy, refused with `AuditMismatch` when the stored policy is not the one the audit
 * record last registered (edited in the database, bypassing `register`): what a release runs on.
 */
export async function getAuditedModel(db: StewardDb, name: string): Promise<{ policy: Policy; policyHash: string }> {
  const model = await getModel(db, name);
  const [row] = await db.select({ policy: models.policy }).from(models).where(eq(models.name, name));
  const latest = await latestPolicyEvent(db, name);
  const recorded = latest?.payload.policyHash;
  if (contentHash(row.policy) !== model.policyHash || recorded !== model.policyHash) {
    throw new StewardError(
      'AuditMismatch',
      `the policy of ${name} in the database (hash ${contentHash(row.policy).slice(0, 12)}) is not the one the audit record last registered (${typeof recorded === 'string' ? recorded.slice(0, 12) : 'none'}): it was changed outside Steward; register the intended policy again (steward register) and check \`steward audit verify\``,
    );
  }
  return model;
}

export async function getModel(db: StewardDb, name: string): Promise<{ policy: Policy; policyHash: string }> {
  const [row] = await db.select().from(models).where(eq(models.name, name));
  if (!row) throw new StewardError('NotFound', `model "${name}" is not registered (register it with: steward register <policy.json>)`);
  return { policy: parsePolicy(row.policy, `policy of ${name}`), policyHash: row.policyHash };
}

export async function productionVersion(db: StewardDb, model: string) {
  const [row] = await db
    .select({ version: modelVersions })
    .from(production)
    .innerJoin(modelVersions, and(eq(modelVersions.model, production.model), eq(modelVersions.version, production.version)))
    .where(eq(production.model, model));
  return row?.version ?? null;
}

/** The training profile of the model's production version (its drift reference), if there is one. */
export async function productionReference(db: StewardDb, model: string): Promise<{ version: number; profile: DatasetProfile } | null> {
  const [row] = await db
    .select({ profile: datasets.profile, version: production.version })
    .from(production)
    .innerJoin(modelVersions, and(eq(modelVersions.model, production.model), eq(modelVersions.version, production.version)))
    .innerJoin(datasets, eq(datasets.sha256, modelVersions.dataSha256))
    .where(eq(production.model, model));
  return row?.profile ? { version: row.version, profile: row.profile } : null;
}

export interface ModelSummary {
  name: string;
  description: string;
  policyHash: string;
  productionVersion: number | null;
  latestVersion: number | null;
  releases: number;
}

export async function listModels(db: StewardDb): Promise<ModelSummary[]> {
  // Four queries whatever the number of models (not four per model).
  const [rows, prods, latest, counts] = await Promise.all([
    db.select().from(models).orderBy(models.name),
    db.select({ model: production.model, version: production.version }).from(production),
    db.select({ model: modelVersions.model, version: max(modelVersions.version) }).from(modelVersions).groupBy(modelVersions.model),
    db.select({ model: releases.model, n: count() }).from(releases).groupBy(releases.model),
  ]);
  const by = <T extends { model: string }>(list: T[]) => new Map(list.map((r) => [r.model, r]));
  const [prodOf, latestOf, countOf] = [by(prods), by(latest), by(counts)];
  return rows.map((m) => ({
    name: m.name,
    description: m.description,
    policyHash: m.policyHash,
    productionVersion: prodOf.get(m.name)?.version ?? null,
    latestVersion: latestOf.get(m.name)?.version ?? null,
    releases: Number(countOf.get(m.name)?.n ?? 0),
  }));
}

export async function listVersions(db: StewardDb, model: string) {
  return db.select().from(modelVersions).where(eq(modelVersions.model, model)).orderBy(desc(modelVersions.version));
}

export async function getVersion(db: StewardDb, model: string, version: number) {
  const [row] = await db.select().from(modelVersions).where(and(eq(modelVersions.model, model), eq(modelVersions.version, version)));
  if (!row) throw new StewardError('NotFound', `model "${model}" has no version ${version}`);
  return row;
}
