/**
 * The second anchor of the audit chain: release workflow histories. The registry activities of a
 * release return the chain's head after their write (announcing the sign-off request, each decision,
 * the promotion, the closing), so Temporal's history of the release holds those heads, out of reach
 * of whoever administers the database (and covered by Temporal's own retention and access control).
 * A head found there must still be in the record with the same hash.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { isNotNull } from 'drizzle-orm';
import type { StewardDb } from '../../db/client';
import { auditEvents, releases } from '../../db/schema';
import type { AuditHead } from '../registry/audit';

function headOf(value: unknown): AuditHead | undefined {
  const v = value as { seq?: unknown; hash?: unknown; auditHead?: unknown } | null;
  if (v && typeof v.seq === 'number' && typeof v.hash === 'string' && /^[0-9a-f]{64}$/.test(v.hash)) return { seq: v.seq, hash: v.hash };
  if (v && typeof v.auditHead === 'object') return headOf(v.auditHead);
  return undefined;
}

/**
 * The heads recorded in the histories of the releases this database knows (from its events and its
 * releases table); releases Temporal no longer has (past retention) are counted as missing.
 *
 * @example const heads = await historyHeads(db, client); await verifyAuditRecord(db, { historyHeads: heads });
 */
export async function historyHeads(db: StewardDb, client: Client): Promise<{ releases: number; missing: number; heads: Array<AuditHead & { releaseId: string }> }> {
  const ids = new Set<string>();
  for (const r of await db.selectDistinct({ id: auditEvents.releaseId }).from(auditEvents).where(isNotNull(auditEvents.releaseId))) ids.add(r.id!);
  for (const r of await db.select({ id: releases.id }).from(releases)) ids.add(r.id);
  const heads: Array<AuditHead & { releaseId: string }> = [];
  let missing = 0;
  for (const releaseId of ids) {
    let events;
    try {
      events = (await client.workflow.getHandle(releaseId).fetchHistory()).events ?? [];
    } catch {
      missing++;
      continue;
    }
    for (const e of events) {
      const payload = e.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
      if (!payload) continue;
      const head = headOf(defaultPayloadConverter.fromPayload(payload));
      if (head) heads.push({ ...head, releaseId });
    }
  }
  return { releases: ids.size - missing, missing, heads };
}
