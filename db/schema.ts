/**
 * Steward's PostgreSQL schema: what Temporal should not hold. Temporal keeps each release's
 * history; these tables keep the registry, lineage, decisions and the hash-chained audit record
 * that outlives Temporal's retention. Row types come from `$inferSelect` / `$inferInsert`.
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, doublePrecision, index, integer, jsonb, pgTable, primaryKey, real, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { DatasetProfile } from '../lib/drift/profile';
import { roles } from '../lib/core/roles';
import type { Policy } from '../lib/policy/schema';
import { decisionKinds, releaseStages, releaseStatuses, versionStatuses, type VersionLineage } from '../lib/release/types';
import { incidentSeverities, incidentStatuses } from '../lib/incidents/vocabulary';
import type { WindowResult } from '../lib/monitoring/window';
import { rolloutStatuses, rolloutStrategies, routeModes, type Measurement } from '../lib/rollout/types';

/** `<column> in ('a', 'b', ...)`: the database refuses any other value (the TypeScript type says the same). */
const oneOf = (column: string, values: readonly string[]) => sql.raw(`"${column}" in (${values.map((v) => `'${v}'`).join(', ')})`);

/** A registered model and its current policy (policy as code, validated by zod, hashed). */
export const models = pgTable('models', {
  name: text('name').primaryKey(),
  description: text('description').notNull().default(''),
  policy: jsonb('policy').$type<Policy>().notNull(),
  policyHash: text('policy_hash').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Data files Steward has read: content hash, where it came from, its profile (training reference). */
export const datasets = pgTable('datasets', {
  sha256: text('sha256').primaryKey(),
  sourcePath: text('source_path').notNull(),
  rows: integer('rows').notNull(),
  bytes: integer('bytes').notNull(),
  profile: jsonb('profile').$type<DatasetProfile>(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** One row per release workflow; its id is the Temporal workflow id. */
export const releases = pgTable(
  'releases',
  {
    id: text('id').primaryKey(),
    model: text('model')
      .notNull()
      .references(() => models.name),
    requestedBy: text('requested_by').notNull(),
    dataSha256: text('data_sha256'),
    stage: text('stage', { enum: releaseStages }).notNull(),
    status: text('status', { enum: releaseStatuses }).notNull(),
    version: integer('version'),
    reason: text('reason'),
    policyHash: text('policy_hash'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('releases_model_idx').on(t.model),
    check('releases_stage_check', oneOf('stage', releaseStages)),
    check('releases_status_check', oneOf('status', releaseStatuses)),
  ],
);

/** A trained candidate or released version, with its lineage and evaluation evidence. */
export const modelVersions = pgTable(
  'model_versions',
  {
    model: text('model')
      .notNull()
      .references(() => models.name),
    version: integer('version').notNull(),
    releaseId: text('release_id').notNull(),
    status: text('status', { enum: versionStatuses }).notNull(),
    /** The training data (its profile in `datasets` is this version's drift reference). */
    dataSha256: text('data_sha256').notNull(),
    modelSha256: text('model_sha256').notNull(),
    pipelineSha256: text('pipeline_sha256').notNull(),
    reportSha256: text('report_sha256'),
    /** The model card (Markdown and self-contained HTML), re-rendered when decisions arrive. */
    cardMarkdownSha256: text('card_markdown_sha256'),
    cardHtmlSha256: text('card_html_sha256'),
    metrics: jsonb('metrics').$type<Record<string, number>>().notNull(),
    lineage: jsonb('lineage').$type<VersionLineage>().notNull(),
    /** Why the version is `bad` (the failed analysis, or the rollback that left it). */
    badReason: text('bad_reason'),
    /** When the version last became production (a rollback without a target returns to the latest good one). */
    promotedAt: timestamp('promoted_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.model, t.version] }),
    uniqueIndex('model_versions_release_idx').on(t.releaseId),
    check('model_versions_status_check', oneOf('status', versionStatuses)),
  ],
);

/** Sign-off decisions as the workflow accepted them (the workflow history holds the same, signed by Temporal). */
export const approvals = pgTable(
  'approvals',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    releaseId: text('release_id').notNull(),
    principal: text('principal').notNull(),
    decision: text('decision', { enum: decisionKinds }).notNull(),
    comment: text('comment').notNull().default(''),
    decidedAt: timestamp('decided_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('approvals_release_principal_idx').on(t.releaseId, t.principal), check('approvals_decision_check', oneOf('decision', decisionKinds))],
);

/** The production pointer: which version serves, per model. */
export const production = pgTable('production', {
  model: text('model')
    .primaryKey()
    .references(() => models.name),
  version: integer('version').notNull(),
  releaseId: text('release_id').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Append-only, hash-chained audit record: each row's hash covers its content and the previous
 * row's hash, so editing or deleting a row breaks every later hash (lib/audit.ts verifies).
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    model: text('model'),
    releaseId: text('release_id'),
    /** Idempotency key: a retried activity must not append the same event twice. */
    eventKey: text('event_key').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [uniqueIndex('audit_events_key_idx').on(t.eventKey), index('audit_events_release_idx').on(t.releaseId)],
);

/**
 * Control-API tokens: a principal with one role, globally or for one model. Only the sha256 of the
 * secret is kept (the token is shown once). Every creation and revocation is also an audit event,
 * and the API refuses a token whose row disagrees with them (a row inserted or edited outside Steward).
 */
export const apiTokens = pgTable(
  'api_tokens',
  {
    /** The public part of the token (`stw_<id>_<secret>`), shown by `token list`. */
    id: text('id').primaryKey(),
    principal: text('principal').notNull(),
    role: text('role', { enum: roles }).notNull(),
    /** null: the role holds for every model. */
    model: text('model'),
    secretSha256: text('secret_sha256').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedBy: text('revoked_by'),
  },
  (t) => [index('api_tokens_principal_idx').on(t.principal), check('api_tokens_role_check', oneOf('role', roles))],
);

/**
 * Every control-API request: who (principal, role, token), what (action, resource, model), the result
 * code, when and from where. Reads of evidence (cards, evaluation reports) included, so an auditor can
 * answer "who looked at or changed model M".
 */
export const accessLog = pgTable(
  'access_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    /** null when the request did not authenticate. */
    principal: text('principal'),
    role: text('role'),
    /** The token id, or `oidc:<issuer>` for a JWT. */
    credential: text('credential'),
    /** e.g. `releases.approve`, `models.card`. */
    action: text('action').notNull(),
    /** e.g. `release/release-adult-income-20261103-4f2a9c`, `model/adult-income/v3/card`. */
    resource: text('resource').notNull(),
    model: text('model'),
    status: integer('status').notNull(),
    source: text('source').notNull(),
    method: text('method').notNull(),
  },
  (t) => [index('access_log_at_idx').on(t.at), index('access_log_principal_idx').on(t.principal), index('access_log_model_idx').on(t.model)],
);

/**
 * Traffic routes per model: which versions the gateways serve, with what share, and which they only
 * shadow. A model without routes serves its production version. Written only by rollouts and
 * rollbacks, each change with its audit event.
 */
export const routes = pgTable(
  'routes',
  {
    model: text('model')
      .notNull()
      .references(() => models.name),
    version: integer('version').notNull(),
    /** Percentage of requests (serve routes of a model add up to 100; shadow routes carry 0). */
    weight: doublePrecision('weight').notNull(),
    mode: text('mode', { enum: routeModes }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.model, t.version] }), check('routes_mode_check', oneOf('mode', routeModes))],
);

/**
 * One row per model whose routes or production pointer changed: gateways poll this small table (and
 * PostgreSQL also NOTIFYs) and reload a model whose generation moved. `owner` is the rollout or
 * rollback that holds the routes; a rollout whose routes were taken over stops writing them.
 */
export const routeGenerations = pgTable('route_generations', {
  model: text('model')
    .primaryKey()
    .references(() => models.name),
  generation: bigint('generation', { mode: 'number' }).notNull(),
  owner: text('owner'),
  reason: text('reason').notNull().default(''),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Every logged prediction (served and shadow), as the model's logging policy allows it to be kept:
 * inputs with columns dropped, hashed or generalised, the request key as a keyed hash. Written in
 * batches by the gateways; ids are minted by the gateway, so a retried batch never logs twice.
 */
export const predictionLog = pgTable(
  'prediction_log',
  {
    id: text('id').primaryKey(),
    model: text('model').notNull(),
    version: integer('version').notNull(),
    mode: text('mode', { enum: routeModes }).notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    /** The request's time in the gateway (routing, features, forward pass), shared by its rows. */
    latencyMs: real('latency_ms').notNull(),
    /** HMAC-SHA256 of the x-steward-key header (erasure by key finds rows through it). */
    keyHash: text('key_hash'),
    inputs: jsonb('inputs').$type<Record<string, unknown>>().notNull(),
    /** The row's one number: the positive class's probability (binary), the value (regression), the predicted class's probability (multiclass). */
    score: doublePrecision('score'),
    /** Multiclass: the predicted class (the most probable one); null for the other tasks. */
    predictedClass: text('predicted_class'),
    /** Multiclass: every class's probability, in the version's class order (what the gateway answered); null for the other tasks. */
    probabilities: doublePrecision('probabilities').array(),
    /** Why the version failed to score this row (null: it scored). */
    error: text('error'),
    /** Which gateway replica served it. */
    gateway: text('gateway').notNull(),
  },
  (t) => [index('prediction_log_model_at_idx').on(t.model, t.at), index('prediction_log_version_at_idx').on(t.model, t.version, t.at), index('prediction_log_key_idx').on(t.keyHash)],
);

/** Live labels (ground truth arriving after the prediction), joined to the log by prediction id. */
export const predictionLabels = pgTable('prediction_labels', {
  predictionId: text('prediction_id').primaryKey(),
  model: text('model').notNull(),
  label: text('label').notNull(),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * One row per monitor window of a model: its results as the monitor computed them (lib/monitoring/window.ts).
 * Keyed by (model, window index): a window recomputed after a worker was killed or the monitor continued
 * as new replaces its own row, so no window is lost or counted twice. Late labels refresh `result`.
 */
export const monitorWindows = pgTable(
  'monitor_windows',
  {
    model: text('model')
      .notNull()
      .references(() => models.name),
    index: integer('index').notNull(),
    version: integer('version'),
    start: timestamp('start', { withTimezone: true }).notNull(),
    end: timestamp('end', { withTimezone: true }).notNull(),
    predictions: integer('predictions').notNull(),
    labelled: integer('labelled').notNull().default(0),
    result: jsonb('result').$type<WindowResult>().notNull(),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.model, t.index] }), index('monitor_windows_model_end_idx').on(t.model, t.end)],
);

/** Incidents (one per incident workflow): what, how bad, and how it ended; the timeline is its history and the audit record. */
export const incidents = pgTable(
  'incidents',
  {
    id: text('id').primaryKey(),
    model: text('model')
      .notNull()
      .references(() => models.name),
    severity: text('severity', { enum: incidentSeverities }).notNull(),
    status: text('status', { enum: incidentStatuses }).notNull(),
    summary: text('summary').notNull(),
    openedBy: text('opened_by').notNull(),
    commander: text('commander'),
    version: integer('version'),
    /** What opened it: a trigger's evidence, monitor windows, a rollout. */
    links: jsonb('links').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    resolution: text('resolution'),
  },
  (t) => [
    index('incidents_model_idx').on(t.model),
    check('incidents_severity_check', oneOf('severity', incidentSeverities)),
    check('incidents_status_check', oneOf('status', incidentStatuses)),
  ],
);

/** One row per rollout workflow run: what it rolls out, how, and how it ended. */
export const rollouts = pgTable(
  'rollouts',
  {
    id: text('id').primaryKey(),
    model: text('model')
      .notNull()
      .references(() => models.name),
    version: integer('version').notNull(),
    baselineVersion: integer('baseline_version'),
    strategy: text('strategy', { enum: rolloutStrategies }).notNull(),
    status: text('status', { enum: rolloutStatuses }).notNull(),
    requestedBy: text('requested_by').notNull(),
    releaseId: text('release_id'),
    reason: text('reason'),
    /** The latest analysis measurement. */
    analysis: jsonb('analysis').$type<Measurement>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('rollouts_model_idx').on(t.model),
    check('rollouts_status_check', oneOf('status', rolloutStatuses)),
    check('rollouts_strategy_check', oneOf('strategy', rolloutStrategies)),
  ],
);

export type ModelRow = typeof models.$inferSelect;
export type ReleaseRow = typeof releases.$inferSelect;
export type ModelVersionRow = typeof modelVersions.$inferSelect;
export type ApprovalRow = typeof approvals.$inferSelect;
export type AuditEventRow = typeof auditEvents.$inferSelect;
export type DatasetRow = typeof datasets.$inferSelect;
export type ApiTokenRow = typeof apiTokens.$inferSelect;
export type AccessLogRow = typeof accessLog.$inferSelect;
export type RouteRow = typeof routes.$inferSelect;
export type PredictionLogRow = typeof predictionLog.$inferInsert;
export type RolloutRow = typeof rollouts.$inferSelect;
export type MonitorWindowRow = typeof monitorWindows.$inferSelect;
export type IncidentRow = typeof incidents.$inferSelect;
