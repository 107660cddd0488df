/**
 * Incidents: what opens one, its runbook, and the state the incident workflow reports. Pure types and
 * zod schemas: workflow code imports this module.
 *
 * Severities follow the common SEV1 (worst) .. SEV5 scale. An incident not acknowledged within
 * `ackTimeout` escalates: its severity rises one level (never above SEV1) and the escalation is
 * recorded; it keeps escalating every `ackTimeout` until someone acknowledges or resolves it.
 */
import { z } from 'zod';
import { durationSchema } from '../core/duration';
import { incidentSeverities, type IncidentSeverity, type IncidentStatus } from './vocabulary';

export { incidentSeverities, incidentStatuses, type IncidentSeverity, type IncidentStatus } from './vocabulary';

/** What an automated step does: `rollback` production to the last good version (the rollback workflow), `record` a note. */
export const automatedActions = ['rollback', 'record'] as const;

/** One runbook step: manual steps are acknowledged by a person (an Update); automated ones run when the incident opens. */
export const runbookStepSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('manual'), name: z.string().min(1), description: z.string().default('') }).strict(),
  z.object({ kind: z.literal('automated'), name: z.string().min(1), action: z.enum(automatedActions), description: z.string().default('') }).strict(),
]);
export type RunbookStep = z.output<typeof runbookStepSchema>;

/** The runbook an incident follows when none is given. */
export const defaultRunbook: RunbookStep[] = [
  { kind: 'manual', name: 'assess impact', description: 'How many requests and which windows are affected? Check `steward monitor <model>`.' },
  { kind: 'manual', name: 'decide mitigation', description: 'Roll back (`steward rollback`), retrain, or accept the drift; write down why.' },
  { kind: 'manual', name: 'confirm recovery', description: 'The next monitor windows are back within budget and without drift.' },
];

export const incidentInputSchema = z
  .object({
    model: z.string().min(1),
    severity: z.enum(incidentSeverities),
    summary: z.string().min(1).max(500),
    openedBy: z.string().min(1),
    commander: z.string().min(1).optional(),
    /** The model version serving when it opened. */
    version: z.number().int().min(1).optional(),
    /** What opened it: monitor windows, the trigger and its evidence, a rollout. */
    links: z
      .object({
        windows: z.array(z.number().int().min(0)).default([]),
        trigger: z.string().optional(),
        rollout: z.string().optional(),
        evidence: z.record(z.string(), z.unknown()).optional(),
      })
      .default({ windows: [] }),
    runbook: z.array(runbookStepSchema).default(defaultRunbook),
    /** Time to acknowledge before it escalates. */
    ackTimeout: durationSchema.default(900_000),
    /** Who is paged when it escalates (recorded with the escalation). */
    escalateTo: z.string().default('on-call'),
  })
  .strict();
export type IncidentInput = z.input<typeof incidentInputSchema>;

export interface TimelineEntry {
  at: string;
  kind: 'opened' | 'acknowledged' | 'escalated' | 'step' | 'note' | 'resolved';
  actor: string;
  text: string;
}

export interface StepState {
  name: string;
  kind: 'manual' | 'automated';
  description: string;
  status: 'pending' | 'done' | 'failed';
  by?: string;
  at?: string;
  note?: string;
}

export interface IncidentState {
  id: string;
  model: string;
  severity: IncidentSeverity;
  /** The severity it opened with (escalations raise `severity`). */
  openedSeverity: IncidentSeverity;
  status: IncidentStatus;
  summary: string;
  openedBy: string;
  commander: string | null;
  version: number | null;
  links: z.output<typeof incidentInputSchema>['links'];
  openedAt: string;
  acknowledgedAt?: string;
  resolvedAt?: string;
  resolution?: string;
  escalations: number;
  steps: StepState[];
  timeline: TimelineEntry[];
}

/** One level more severe (SEV1 stays SEV1). */
export function escalated(severity: IncidentSeverity): IncidentSeverity {
  const i = incidentSeverities.indexOf(severity);
  return incidentSeverities[Math.max(0, i - 1)];
}

/** `incident-<model>-<yyyymmdd>-<suffix>`. */
export function incidentId(model: string, at: Date, suffix: string): string {
  return `incident-${model}-${at.toISOString().slice(0, 10).replaceAll('-', '')}-${suffix}`;
}
