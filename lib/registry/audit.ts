/**
 * The hash-chained audit record in PostgreSQL. Each event's hash covers its content and the previous
 * event's hash; `verifyAuditChain` recomputes the chain and names the first event that was altered.
 * Appends are serialised by a transaction-scoped advisory lock so the chain never forks.
 */
import { and, asc, desc, eq, gte, inArray, sql, type SQL } from 'drizzle-orm';
import type { StewardDb, StewardTx } from '../../db/client';
import { advisoryLocks } from '../../db/locks';
import { auditEvents } from '../../db/schema';
import { canonicalJson, sha256Hex } from '../core/hash';

export interface AuditEventInput {
  at: Date;
  actor: string;
  action: string;
  model?: string | null;
  releaseId?: string | null;
  /** Idempotency key: appending the same key twice is a no-op (activities retry). */
  eventKey: string;
  payload?: Record<string, unknown>;
}

/** The hash the first event chains from. */
export const GENESIS = '0'.repeat(64);

export function eventHash(prevHash: string, e: { at: Date; actor: string; action: string; model: string | null; releaseId: string | null; eventKey: string; payload: unknown }) {
  return sha256Hex(
    prevHash + canonicalJson({ at: e.at.toISOString(), actor: e.actor, action: e.action, model: e.model, releaseId: e.releaseId, eventKey: e.eventKey, payload: e.payload }),
  );
}

/**
 * Appends one event; pass a transaction to make the event commit or roll back with the change it records.
 * @example await appendAudit(db, { at: new Date(), actor: 'alice', action: 'release.approved', eventKey: `${id}:approve:alice` });
 */
export async function appendAudit(db: StewardDb | StewardTx, event: AuditEventInput): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${advisoryLocks.audit})`);
    const existing = await tx.select({ seq: auditEvents.seq }).from(auditEvents).where(eq(auditEvents.eventKey, event.eventKey)).limit(1);
    if (existing.length > 0) return;
    const [last] = await tx.select({ hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.seq)).limit(1);
    const prevHash = last?.hash ?? GENESIS;
    // Timestamps are stored with microsecond precision; hash what the database will return.
    const at = new Date(Math.floor(event.at.getTime()));
    const row = { at, actor: event.actor, action: event.action, model: event.model ?? null, releaseId: event.releaseId ?? null, eventKey: event.eventKey, payload: event.payload ?? {} };
    await tx.insert(auditEvents).values({ ...row, prevHash, hash: eventHash(prevHash, row) });
  });
}

export interface AuditVerification {
  ok: boolean;
  events: number;
  /** The first event whose hash does not match its content or predecessor. */
  brokenAt?: number;
}

export async function verifyAuditChain(db: StewardDb): Promise<AuditVerification> {
  const rows = await db.select().from(auditEvents).orderBy(asc(auditEvents.seq));
  let prev = GENESIS;
  for (const r of rows) {
    const expected = eventHash(prev, { at: r.at, actor: r.actor, action: r.action, model: r.model, releaseId: r.releaseId, eventKey: r.eventKey, payload: r.payload });
    if (r.prevHash !== prev || r.hash !== expected) return { ok: false, events: rows.length, brokenAt: r.seq };
    prev = r.hash;
  }
  return { ok: true, events: rows.length };
}

/** The newest event's sequence number and hash (seq 0 and the genesis hash for an empty record). */
export interface AuditHead {
  seq: number;
  hash: string;
}

/** @example const { seq, hash } = await auditHead(db); */
export async function auditHead(db: StewardDb | StewardTx): Promise<AuditHead> {
  const [last] = await db.select({ seq: auditEvents.seq, hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.seq)).limit(1);
  return last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS };
}

export interface AuditEventFilter {
  model?: string;
  /** Only these models (a principal's scope); an empty list matches nothing. */
  models?: string[];
  releaseId?: string;
  actor?: string;
  action?: string;
  since?: Date;
  limit?: number;
}

/** Events, newest first, filtered. @example await listAuditEvents(db, { model: 'adult-income', limit: 50 }); */
export async function listAuditEvents(db: StewardDb, f: AuditEventFilter = {}) {
  const where: SQL[] = [];
  if (f.model) where.push(eq(auditEvents.model, f.model));
  if (f.models) where.push(f.models.length ? inArray(auditEvents.model, f.models) : sql`false`);
  if (f.releaseId) where.push(eq(auditEvents.releaseId, f.releaseId));
  if (f.actor) where.push(eq(auditEvents.actor, f.actor));
  if (f.action) where.push(eq(auditEvents.action, f.action));
  if (f.since) where.push(gte(auditEvents.at, f.since));
  return db
    .select()
    .from(auditEvents)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditEvents.seq))
    .limit(f.limit ?? 100);
}

/** The event recorded under `eventKey`, if any. */
export async function auditEventByKey(db: StewardDb | StewardTx, eventKey: string) {
  const [row] = await db.select().from(auditEvents).where(eq(auditEvents.eventKey, eventKey)).limit(1);
  return row;
}
