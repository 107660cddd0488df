/**
 * Verification of the audit record against an attacker who can write the database: the hash chain
 * (an edited or deleted event in the middle), the anchors kept outside the database (deleted newest
 * events, a rewritten suffix, an emptied table: lib/audit/anchor.ts, temporal.ts), and the tables
 * whose every change is an audit event, checked row by row against the chain:
 *
 * - `approvals`: each row is a recorded decision (same release, principal, decision, comment, time)
 *   and each recorded decision has its row;
 * - `production`: each model's pointer is the version its newest pointer event moved it to;
 * - `models`: each stored policy hashes to its recorded hash, which is the newest policy event's;
 * - `api_tokens`: each token is as created (principal, role, model, secret hash, expiry) and revoked
 *   exactly when a revocation was recorded.
 */
import { asc, inArray } from 'drizzle-orm';
import type { StewardDb } from '../../db/client';
import { apiTokens, approvals, auditEvents, incidents, models, production, type AuditEventRow } from '../../db/schema';
import { contentHash } from '../core/hash';
import { eventHash, GENESIS, type AuditHead } from '../registry/audit';
import { policyActions } from '../registry/models';
import { signedHeadValid, type SignedHead } from './anchor';

/** Audit actions that move a model's production pointer; each carries `payload.version` (and the release). */
export const productionActions = ['version.promoted'] as const;

export type AuditCheck = 'chain' | 'anchor' | 'history' | 'approvals' | 'production' | 'policies' | 'tokens' | 'incidents';

export interface AuditProblem {
  check: AuditCheck;
  message: string;
  /** The event concerned, when there is one. */
  seq?: number;
}

export interface AuditReport {
  ok: boolean;
  events: number;
  head: AuditHead;
  /** The first event whose hash does not match its content or predecessor. */
  brokenAt?: number;
  /** What the anchors said: the signed head, and heads recorded in release histories. */
  anchors: { signedHead?: { seq: number; at: string; signatureChecked: boolean }; history?: { releases: number; heads: number }; notes: string[] };
  problems: AuditProblem[];
}

export interface VerifyOptions {
  /** The signed head from outside the database, and the public key to check it with. */
  signedHead?: { head: SignedHead | undefined; publicKeyHex?: string };
  /** Heads recorded in release workflow histories (lib/audit/temporal.ts). */
  historyHeads?: { releases: number; heads: Array<AuditHead & { releaseId: string }> };
}

/**
 * @example const report = await verifyAuditRecord(db, { signedHead: { head: await anchor.read(), publicKeyHex } });
 */
export async function verifyAuditRecord(db: StewardDb, options: VerifyOptions = {}): Promise<AuditReport> {
  const rows = await db.select().from(auditEvents).orderBy(asc(auditEvents.seq));
  const problems: AuditProblem[] = [];
  const notes: string[] = [];

  let prev = GENESIS;
  let brokenAt: number | undefined;
  for (const r of rows) {
    const expected = eventHash(prev, { at: r.at, actor: r.actor, action: r.action, model: r.model, releaseId: r.releaseId, eventKey: r.eventKey, payload: r.payload });
    if (r.prevHash !== prev || r.hash !== expected) {
      brokenAt = r.seq;
      problems.push({ check: 'chain', seq: r.seq, message: `event #${r.seq} (${r.action}) does not match its hash or its predecessor's: edited, or an event before it was deleted` });
      break;
    }
    prev = r.hash;
  }
  const last = rows.at(-1);
  const head: AuditHead = last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS };
  const bySeq = new Map(rows.map((r) => [r.seq, r]));

  const checkAnchored = (check: AuditCheck, anchored: AuditHead, what: string) => {
    if (anchored.seq === 0) return;
    const row = bySeq.get(anchored.seq);
    if (!row) {
      problems.push({
        check,
        seq: anchored.seq,
        message:
          head.seq < anchored.seq
            ? `${what} names event #${anchored.seq}, but the record ends at #${head.seq} (${rows.length} events): the newest events were deleted`
            : `${what} names event #${anchored.seq}, which is missing from the record: deleted`,
      });
    } else if (row.hash !== anchored.hash) {
      problems.push({ check, seq: anchored.seq, message: `${what} names event #${anchored.seq} with hash ${anchored.hash.slice(0, 12)}, the record has ${row.hash.slice(0, 12)}: the chain was rewritten from there on` });
    }
  };

  const anchors: AuditReport['anchors'] = { notes };
  const signed = options.signedHead;
  if (!signed) notes.push('signed head not checked (no artifact store given)');
  else if (!signed.head) notes.push('no signed head yet (nothing anchored since the audit key was set up)');
  else {
    const signatureChecked = signed.publicKeyHex !== undefined;
    if (!signatureChecked) notes.push('the signed head was read but its signature not checked: no audit key on this machine');
    else if (!signedHeadValid(signed.head, signed.publicKeyHex!)) {
      problems.push({ check: 'anchor', seq: signed.head.seq, message: "the signed head's signature does not verify with this audit key: the anchor was altered, or signed with another key (every writer must share STEWARD_AUDIT_KEY)" });
    }
    anchors.signedHead = { seq: signed.head.seq, at: signed.head.at, signatureChecked };
    checkAnchored('anchor', signed.head, `the signed head (${signed.head.at})`);
  }
  if (options.historyHeads) {
    anchors.history = { releases: options.historyHeads.releases, heads: options.historyHeads.heads.length };
    for (const h of options.historyHeads.heads) checkAnchored('history', h, `the history of ${h.releaseId}`);
  }

  problems.push(...(await checkTables(db, rows)));
  return { ok: problems.length === 0, events: rows.length, head, ...(brokenAt !== undefined ? { brokenAt } : {}), anchors, problems };
}

const time = (d: Date | string | null | undefined) => (d === null || d === undefined ? null : new Date(d).getTime());

/** Every table whose changes are audit events, row by row against the events (the chain's own integrity aside). */
export async function checkTables(db: StewardDb, events: AuditEventRow[]): Promise<AuditProblem[]> {
  const problems: AuditProblem[] = [];
  const byKey = new Map(events.map((e) => [e.eventKey, e]));
  const newest = (actions: readonly string[]) => {
    const m = new Map<string, AuditEventRow>();
    for (const e of events) if (e.model && actions.includes(e.action)) m.set(e.model, e);
    return m;
  };

  // Approvals.
  // Keyed `<release>:<approve|reject>:<principal>` (the release's closing event shares the action name, not the key).
  const decisionEvents = events.filter((e) => (e.action === 'release.approved' || e.action === 'release.rejected') && /:(approve|reject):[^:]+$/.test(e.eventKey));
  const approvalRows = await db.select().from(approvals);
  const seen = new Set<string>();
  for (const a of approvalRows) {
    const key = `${a.releaseId}:${a.decision}:${a.principal}`;
    seen.add(key);
    const e = byKey.get(key);
    if (!e) {
      problems.push({ check: 'approvals', message: `approvals: ${a.principal} ${a.decision} on ${a.releaseId} has no audit event: inserted or edited outside Steward` });
      continue;
    }
    const payload = e.payload as { comment?: string };
    if (e.actor !== a.principal || (payload.comment ?? '') !== a.comment || time(e.at) !== time(a.decidedAt)) {
      problems.push({ check: 'approvals', seq: e.seq, message: `approvals: ${a.principal} ${a.decision} on ${a.releaseId} differs from event #${e.seq} (comment or time edited)` });
    }
  }
  for (const e of decisionEvents) {
    if (!seen.has(e.eventKey)) problems.push({ check: 'approvals', seq: e.seq, message: `approvals: the decision of event #${e.seq} (${e.actor} ${e.action} on ${e.releaseId}) has no row: deleted or edited` });
  }

  // Production pointer.
  const pointerEvents = newest(productionActions);
  const pointers = await db.select().from(production);
  for (const p of pointers) {
    const e = pointerEvents.get(p.model);
    const payload = e?.payload as { version?: number } | undefined;
    if (!e) problems.push({ check: 'production', message: `production: ${p.model} points at v${p.version} but no audit event ever moved it: set outside Steward` });
    else if (payload?.version !== p.version || e.releaseId !== p.releaseId) {
      problems.push({ check: 'production', seq: e.seq, message: `production: ${p.model} points at v${p.version} (${p.releaseId}); event #${e.seq} moved it to v${payload?.version} (${e.releaseId}): changed outside Steward` });
    }
  }
  for (const [model, e] of pointerEvents) {
    if (!pointers.some((p) => p.model === model)) problems.push({ check: 'production', seq: e.seq, message: `production: ${model} has no pointer, but event #${e.seq} set it: deleted outside Steward` });
  }

  // Policies.
  const policyEvents = newest(policyActions);
  for (const m of await db.select().from(models)) {
    const e = policyEvents.get(m.name);
    const recorded = (e?.payload as { policyHash?: string } | undefined)?.policyHash;
    if (contentHash(m.policy) !== m.policyHash) problems.push({ check: 'policies', message: `policies: the stored policy of ${m.name} does not hash to its recorded policy hash: edited outside Steward` });
    else if (!e) problems.push({ check: 'policies', message: `policies: ${m.name} has no policy event (registered outside Steward, or before policy changes were audited: register it again)` });
    else if (recorded !== m.policyHash) {
      problems.push({ check: 'policies', seq: e.seq, message: `policies: the policy of ${m.name} (${m.policyHash.slice(0, 12)}) is not the one event #${e.seq} registered (${String(recorded).slice(0, 12)}): changed outside Steward` });
    }
  }

  // Tokens.
  const tokenRows = await db.select().from(apiTokens);
  const tokenIds = new Set(tokenRows.map((t) => t.id));
  for (const t of tokenRows) problems.push(...tokenProblems(t, byKey.get(`token:${t.id}:created`), byKey.get(`token:${t.id}:revoked`)));
  for (const e of events) {
    const m = /^token:(.+):created$/.exec(e.eventKey);
    if (m && !tokenIds.has(m[1])) problems.push({ check: 'tokens', seq: e.seq, message: `tokens: token ${m[1]} of event #${e.seq} has no row: deleted outside Steward` });
  }

  // Incidents: each row is what its opening event and its recorded changes say, replayed in order.
  const incidentRows = await db.select().from(incidents);
  const incidentIds = new Set(incidentRows.map((r) => r.id));
  for (const r of incidentRows) {
    const opened = byKey.get(`${r.id}:opened`);
    if (!opened) {
      problems.push({ check: 'incidents', message: `incidents: ${r.id} has no opening event: inserted outside Steward` });
      continue;
    }
    const p = opened.payload as { severity?: string; commander?: string | null };
    const expected: Record<string, unknown> = { severity: p.severity, status: 'open', commander: p.commander ?? null, resolution: null };
    let last = opened;
    for (const e of events) {
      const changes = (e.payload as { changes?: Record<string, unknown> }).changes;
      if (!e.eventKey.startsWith(`${r.id}:`) || !changes) continue;
      for (const k of Object.keys(expected)) if (k in changes) expected[k] = changes[k];
      last = e;
    }
    const actual: Record<string, unknown> = { severity: r.severity, status: r.status, commander: r.commander, resolution: r.resolution };
    const differ = Object.keys(expected).filter((k) => expected[k] !== actual[k]);
    if (differ.length > 0) problems.push({ check: 'incidents', seq: last.seq, message: `incidents: ${r.id} differs from its events in ${differ.join(', ')} (latest event #${last.seq}): edited outside Steward` });
  }
  for (const e of events) {
    if (e.action === 'incident.opened' && e.eventKey.endsWith(':opened') && !incidentIds.has(e.eventKey.slice(0, -':opened'.length))) {
      problems.push({ check: 'incidents', seq: e.seq, message: `incidents: the incident of event #${e.seq} has no row: deleted outside Steward` });
    }
  }
  return problems;
}

/** What is wrong with a token row given its creation and revocation events (empty: it is as recorded). */
export function tokenProblems(
  t: typeof apiTokens.$inferSelect,
  created: AuditEventRow | undefined,
  revoked: AuditEventRow | undefined,
): AuditProblem[] {
  if (!created) return [{ check: 'tokens', message: `tokens: token ${t.id} (${t.principal}, ${t.role}) has no creation event: inserted outside Steward` }];
  const p = created.payload as { principal?: string; role?: string; model?: string | null; secretSha256?: string; expiresAt?: string | null };
  const out: AuditProblem[] = [];
  if (p.principal !== t.principal || p.role !== t.role || (p.model ?? null) !== t.model || p.secretSha256 !== t.secretSha256 || time(p.expiresAt) !== time(t.expiresAt)) {
    out.push({ check: 'tokens', seq: created.seq, message: `tokens: token ${t.id} differs from its creation event #${created.seq} (principal, role, model, secret or expiry edited)` });
  }
  if (revoked && t.revokedAt === null) out.push({ check: 'tokens', seq: revoked.seq, message: `tokens: token ${t.id} was revoked (event #${revoked.seq}) but its row says it is not` });
  if (!revoked && t.revokedAt !== null) out.push({ check: 'tokens', message: `tokens: token ${t.id} is marked revoked without a revocation event` });
  return out;
}

/** Events by key, for callers that check one token (the API on every request). */
export async function tokenEvents(db: StewardDb, id: string) {
  const rows = await db.select().from(auditEvents).where(inArray(auditEvents.eventKey, [`token:${id}:created`, `token:${id}:revoked`]));
  return { created: rows.find((r) => r.eventKey.endsWith(':created')), revoked: rows.find((r) => r.eventKey.endsWith(':revoked')) };
}
