/**
 * The model registry: models with their policies, versions with lineage, and the production pointer.
 * Used by activities (inside workflows) and by read-only CLI/API commands.
 */
import { and, count, desc, eq, max } from 'drizzle-orm';
import type { StewardDb } from '../../db/client';
import { datasets, models, modelVersions, production, releases } from '../../db/schema';
import type { DatasetProfile } from '../drift/profile';
import { StewardError } from '../core/errors';
import { checkDataFile } from '../data/source';
import { type Policy, parsePolicy, policyHash } from '../policy/schema';

/** Registers a model or updates its policy; returns the policy hash. */
export async function registerModel(db: StewardDb, policy: Policy): Promise<{ name: string; policyHash: string; created: boolean }> {
  // The held-out file every release of this model evaluates on must be readable now, not at its first release.
  try {
    checkDataFile(policy.data.evaluationFile);
  } catch (e) {
    const err = e as StewardError;
    throw new StewardError('InvalidPolicy', `data.evaluationFile ${err.reason}`, { file: policy.data.evaluationFile, field: 'data.evaluationFile' }, { cause: e });
  }
  const hash = policyHash(policy);
  const existing = await db.select({ name: models.name }).from(models).where(eq(models.name, policy.model));
  if (existing.length === 0) {
    await db.insert(models).values({ name: policy.model, description: policy.description, policy, policyHash: hash });
    return { name: policy.model, policyHash: hash, created: true };
  }
  await db.update(models).set({ policy, policyHash: hash, description: policy.description, updatedAt: new Date() }).where(eq(models.name, policy.model));
  return { name: policy.model, policyHash: hash, created: false };
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
