/**
 * Incidents in the database: the row each incident workflow keeps current, every change committed
 * with its audit event, and what a postmortem is assembled from (the row, its audit events, the
 * monitor windows it links to).
 */
import { and, asc, eq, inArray, like, or, sql } from 'drizzle-orm';
import type { StewardDb } from '../../db/client';
import { auditEvents, incidents, monitorWindows, type AuditEventRow, type IncidentRow, type MonitorWindowRow } from '../../db/schema';
import { StewardError } from '../core/errors';
import type { IncidentSeverity, IncidentStatus } from '../incidents/vocabulary';
import { appendAudit } from './audit';

/** A change of an incident: the row's new fields and the audit event that records it (idempotent by `eventKey`). */
export interface IncidentChange {
  id: string;
  model: string;
  at: Date;
  actor: string;
  action: string;
  eventKey: string;
  payload: Record<string, unknown>;
  row: Partial<{ severity: IncidentSeverity; status: IncidentStatus; commander: string | null; acknowledgedAt: Date; resolvedAt: Date; resolution: string }>;
}

/**
 * @example await openIncidentRow(db, { id, model, severity: 'SEV2', summary, openedBy: 'ravi', openedAt: new Date(), links: {} });
 */
export async function openIncidentRow(db: StewardDb, row: Omit<typeof incidents.$inferInsert, 'status'>): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(incidents).values({ ...row, status: 'open' }).onConflictDoNothing();
    await appendAudit(tx, {
      at: row.openedAt,
      actor: row.openedBy,
      action: 'incident.opened',
      model: row.model,
      eventKey: `${row.id}:opened`,
      payload: { incidentId: row.id, severity: row.severity, summary: row.summary, commander: row.commander ?? null, version: row.version ?? null, links: row.links ?? {} },
    });
  });
}

/** @example await changeIncident(db, { id, model, at, actor: 'ravi', action: 'incident.acknowledged', eventKey: `${id}:ack`, payload: {}, row: { status: 'acknowledged' } }); */
export async function changeIncident(db: StewardDb, c: IncidentChange): Promise<void> {
  await db.transaction(async (tx) => {
    if (Object.keys(c.row).length > 0) await tx.update(incidents).set(c.row).where(eq(incidents.id, c.id));
    // `changes` (as the JSON the database returns: the hash covers it) lets the audit verification replay the row from its events.
    await appendAudit(tx, { at: c.at, actor: c.actor, action: c.action, model: c.model, eventKey: c.eventKey, payload: { incidentId: c.id, ...c.payload, changes: JSON.parse(JSON.stringify(c.row)) as Record<string, unknown> } });
  });
}

/** An incident's row, its audit events (oldest first) and the monitor windows it links to. */
export async function incidentRecord(db: StewardDb, id: string): Promise<{ incident: IncidentRow; events: AuditEventRow[]; windows: MonitorWindowRow[] }> {
  const [incident] = await db.select().from(incidents).where(eq(incidents.id, id));
  if (!incident) throw new StewardError('NotFound', `no incident "${id}" (list them with: steward incident list <model>)`);
  const linked = ((incident.links as { windows?: number[] }).windows ?? []).filter((w) => Number.isInteger(w));
  // The incident's own events, and the monitor's trigger firings on the windows it is about (its detection).
  const events = await db
    .select()
    .from(auditEvents)
    .where(
      or(
        like(auditEvents.eventKey, `${id}:%`),
        sql`${auditEvents.payload}->>'incidentId' = ${id}`,
        ...linked.map((w) => like(auditEvents.eventKey, `monitor:${incident.model}:${w}:%`)),
      ),
    )
    .orderBy(asc(auditEvents.seq));
  const windows = linked.length > 0 ? await db.select().from(monitorWindows).where(and(eq(monitorWindows.model, incident.model), inArray(monitorWindows.index, linked))).orderBy(asc(monitorWindows.index)) : [];
  return { incident, events, windows };
}

/** A model's incidents, newest first. */
export async function listIncidents(db: StewardDb, model: string): Promise<IncidentRow[]> {
  return findIncidents(db, { models: [model] });
}

/**
 * Incidents, newest first: of the listed models (omitted: every model), in one status, at most `limit`.
 *
 * @example const open = await findIncidents(db, { models: ['adult-income'], status: 'open', limit: 50 });
 */
export async function findIncidents(db: StewardDb, f: { models?: string[]; status?: IncidentStatus; limit?: number }): Promise<IncidentRow[]> {
  const where = and(f.models ? (f.models.length ? inArray(incidents.model, f.models) : sql`false`) : undefined, f.status ? eq(incidents.status, f.status) : undefined);
  const query = db.select().from(incidents).where(where).orderBy(sql`${incidents.openedAt} desc`);
  return f.limit === undefined ? query : query.limit(f.limit);
}
