/**
 * The model registry: models with their policies, versions with lineage, and the production pointer.
 * Used by activities (inside workflows) and by read-only CLI/API commands.
 */
import { and, desc, eq } from 'drizzle-orm';
import type { StewardDb } from '../db/client';
import { models, modelVersions, production, releases } from '../db/schema';
import { StewardError } from './errors';
import { type Policy, parsePolicy, policyHash } from './policy';

/** Registers a model or updates its policy; returns the policy hash. */
export async function registerModel(db: StewardDb, policy: Policy): Promise<{ name: string; policyHash: string; created: boolean }> {
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

export interface ModelSummary {
  name: string;
  description: string;
  policyHash: string;
  productionVersion: number | null;
  latestVersion: number | null;
  releases: number;
}

export async function listModels(db: StewardDb): Promise<ModelSummary[]> {
  const rows = await db.select().from(models).orderBy(models.name);
  const out: ModelSummary[] = [];
  for (const m of rows) {
    const [prod] = await db.select().from(production).where(eq(production.model, m.name));
    const [latest] = await db.select({ version: modelVersions.version }).from(modelVersions).where(eq(modelVersions.model, m.name)).orderBy(desc(modelVersions.version)).limit(1);
    const rel = await db.select({ id: releases.id }).from(releases).where(eq(releases.model, m.name));
    out.push({ name: m.name, description: m.description, policyHash: m.policyHash, productionVersion: prod?.version ?? null, latestVersion: latest?.version ?? null, releases: rel.length });
  }
  return out;
}

export async function listVersions(db: StewardDb, model: string) {
  return db.select().from(modelVersions).where(eq(modelVersions.model, model)).orderBy(desc(modelVersions.version));
}

export async function getVersion(db: StewardDb, model: string, version: number) {
  const [row] = await db.select().from(modelVersions).where(and(eq(modelVersions.model, model), eq(modelVersions.version, version)));
  if (!row) throw new StewardError('NotFound', `model "${model}" has no version ${version}`);
  return row;
}
