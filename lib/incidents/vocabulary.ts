/**
 * Incident vocabularies: severities (SEV1 the worst) and statuses. Pure module: the database's check
 * constraints, the incident workflow and the CLI share them.
 */
export const incidentSeverities = ['SEV1', 'SEV2', 'SEV3', 'SEV4', 'SEV5'] as const;
export type IncidentSeverity = (typeof incidentSeverities)[number];

export const incidentStatuses = ['open', 'acknowledged', 'escalated', 'resolved'] as const;
export type IncidentStatus = (typeof incidentStatuses)[number];
