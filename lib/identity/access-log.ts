/**
 * The access log: one row per control-API request (who, with which role and credential, what, on
 * which resource and model, the result code, when, from where), reads of evidence included. Written
 * after the response, so it records the status the caller actually got.
 */
import { and, desc, eq, gte, type SQL } from 'drizzle-orm';
import type { StewardDb } from '../../db/client';
import { accessLog } from '../../db/schema';
import { normalizePrincipal } from '../core/identity';

export type AccessEntry = Omit<typeof accessLog.$inferInsert, 'id'>;
export type AccessRow = typeof accessLog.$inferSelect;

/** @example await recordAccess(db, { at: new Date(), principal: 'ravi', role: 'approver', credential: 'a1b2c3d4e5f6', action: 'models.card', resource: 'model/adult-income/v3/card', model: 'adult-income', status: 200, source: '10.0.0.7', method: 'GET' }); */
export async function recordAccess(db: StewardDb, entry: AccessEntry): Promise<void> {
  await db.insert(accessLog).values(entry);
}

export interface AccessFilter {
  principal?: string;
  model?: string;
  since?: Date;
  limit?: number;
}

/** Requests, newest first. @example await listAccess(db, { model: 'adult-income', since: new Date(Date.now() - 7 * 86_400_000) }); */
export async function listAccess(db: StewardDb, f: AccessFilter = {}): Promise<AccessRow[]> {
  const where: SQL[] = [];
  if (f.principal) where.push(eq(accessLog.principal, normalizePrincipal(f.principal)));
  if (f.model) where.push(eq(accessLog.model, f.model));
  if (f.since) where.push(gte(accessLog.at, f.since));
  return db
    .select()
    .from(accessLog)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(accessLog.id))
    .limit(f.limit ?? 200);
}
