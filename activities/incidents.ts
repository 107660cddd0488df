/**
 * Activities of the incident workflow: its row and every change with the audit event that records
 * it (idempotent by event key: a retried activity appends nothing twice).
 */
import { changeIncident, openIncidentRow } from '../lib/registry/incidents';
import type { IncidentSeverity, IncidentStatus } from '../lib/incidents/vocabulary';
import type { ActivityDeps } from './deps';
import { withFailureTypes } from './failures';

export function createIncidentActivities({ db }: ActivityDeps) {
  return {
    async openIncident(args: { id: string; model: string; severity: IncidentSeverity; summary: string; openedBy: string; commander: string | null; version: number | null; links: Record<string, unknown>; openedAt: string }): Promise<void> {
      return withFailureTypes(() => openIncidentRow(db, { ...args, openedAt: new Date(args.openedAt) }));
    },

    async recordIncidentChange(args: {
      id: string;
      model: string;
      at: string;
      actor: string;
      action: string;
      eventKey: string;
      payload: Record<string, unknown>;
      row: Partial<{ severity: IncidentSeverity; status: IncidentStatus; commander: string | null; acknowledgedAt: string; resolvedAt: string; resolution: string }>;
    }): Promise<void> {
      const { acknowledgedAt, resolvedAt, ...rest } = args.row;
      return withFailureTypes(() =>
        changeIncident(db, {
          ...args,
          at: new Date(args.at),
          row: { ...rest, ...(acknowledgedAt ? { acknowledgedAt: new Date(acknowledgedAt) } : {}), ...(resolvedAt ? { resolvedAt: new Date(resolvedAt) } : {}) },
        }),
      );
    },
  };
}

export type IncidentActivities = ReturnType<typeof createIncidentActivities>;
