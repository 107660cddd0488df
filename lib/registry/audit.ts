/**
 * The hash-chained audit record in PostgreSQL. Each event's hash covers its content and the previous
 * event's hash; `verifyAuditChain` recomputes the chain and names the first event that was altered.
 * Appends are serialised by a transaction-scoped advisory lock so the chain never forks.
 */
import { asc, desc, eq, sql } from 'drizzle-orm';
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

const GENESIS = '0'.repeat(64);

function eventHash(prevHash: string, e: { at: Date; actor: string; action: string; model: string | null; releaseId: string | null; eventKey: string; payload: unknown }) {
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
