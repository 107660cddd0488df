/** The audit record (verify, events) and the access log: for auditors. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { StewardError } from '../../lib/core/errors';
import { parseDuration } from '../../lib/core/duration';
import { scopeOf } from '../../lib/core/roles';
import { historyHeads } from '../../lib/audit/temporal';
import { verifyAuditRecord } from '../../lib/audit/verify';
import { listAccess } from '../../lib/identity/access-log';
import { listAuditEvents } from '../../lib/registry/audit';
import { authorize, note, who } from '../auth';
import type { ApiDeps } from '../deps';
import { commonProblems } from '../problems';
import { accessEntrySchema, auditEventSchema, auditReportSchema, isoDates, sinceSchema } from '../schemas';

/**
 * `7d` (that long before `now`) or an ISO time.
 *
 * @example sinceDate('7d', new Date('2026-11-10T00:00:00Z')) // 2026-11-03T00:00:00Z
 */
export function sinceDate(since: string | undefined, now: Date, field = 'since'): Date | undefined {
  if (since === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}/.test(since)) {
    const t = Date.parse(since);
    if (Number.isFinite(t)) return new Date(t);
  }
  try {
    return new Date(now.getTime() - parseDuration(since));
  } catch {
    throw new StewardError('InvalidInput', `"${since}" is neither a duration (7d, 12h) nor an ISO time`, { field: `/query/${field}` });
  }
}

/** The models an auditor may read (all, or the listed ones); a model-scoped auditor must name one. */
function auditScope(request: Parameters<typeof who>[0], model: string | undefined): { model?: string; models?: string[] } {
  if (model) {
    authorize(request, 'audit.read', model);
    return { model };
  }
  const scope = scopeOf(who(request).grants, 'audit.read');
  if (scope === 'all') return {};
  if (scope.length === 0) authorize(request, 'audit.read', null);
  return { models: scope };
}

export function auditRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/v1/audit/verify',
    {
      config: { action: 'audit.verify' },
      schema: {
        summary: 'Verify the audit record: the hash chain, its anchors outside the database, and the tables (approvals, production, policies, tokens) against it',
        tags: ['audit'],
        querystring: z.object({ history: z.enum(['true', 'false']).default('false').describe("also check the heads recorded in release histories in Temporal (slower)") }),
        response: { 200: auditReportSchema, ...commonProblems },
      },
    },
    async (request) => {
      note(request, { action: 'audit.verify', resource: 'audit' });
      authorize(request, 'audit.read', null);
      const history = request.query.history === 'true' ? await historyHeads(deps.db, deps.temporal) : undefined;
      return verifyAuditRecord(deps.db, {
        signedHead: deps.auditAnchor ? { head: await deps.auditAnchor.read(), publicKeyHex: deps.auditPublicKey } : undefined,
        historyHeads: history,
      });
    },
  );

  app.get(
    '/v1/audit/events',
    {
      config: { action: 'audit.events' },
      schema: {
        summary: 'Audit events, newest first',
        tags: ['audit'],
        querystring: z.object({
          model: z.string().optional(),
          release: z.string().optional(),
          actor: z.string().optional(),
          action: z.string().optional(),
          since: sinceSchema,
          limit: z.coerce.number().int().min(1).max(10_000).default(100),
        }),
        response: { 200: z.array(auditEventSchema), ...commonProblems },
      },
    },
    async (request) => {
      const q = request.query;
      note(request, { action: 'audit.events', resource: 'audit/events', model: q.model ?? null });
      const scope = auditScope(request, q.model);
      const rows = await listAuditEvents(deps.db, { ...scope, releaseId: q.release, actor: q.actor, action: q.action, since: sinceDate(q.since, deps.clock()), limit: q.limit });
      return rows.map(isoDates);
    },
  );

  app.get(
    '/v1/audit/access',
    {
      config: { action: 'audit.access' },
      schema: {
        summary: 'The access log: who did or read what, with which result, from where; newest first',
        tags: ['audit'],
        querystring: z.object({ principal: z.string().optional(), model: z.string().optional(), since: sinceSchema, limit: z.coerce.number().int().min(1).max(10_000).default(200) }),
        response: { 200: z.array(accessEntrySchema), ...commonProblems },
      },
    },
    async (request) => {
      const q = request.query;
      note(request, { action: 'audit.access', resource: 'audit/access', model: q.model ?? null });
      const scope = auditScope(request, q.model);
      if (scope.models) throw new StewardError('Forbidden', 'a model-scoped auditor must name the model (?model=...)', { field: '/query/model' }, { details: { requiredRole: 'auditor (global) or auditor for the model named' } });
      const rows = await listAccess(deps.db, { principal: q.principal, model: q.model, since: sinceDate(q.since, deps.clock()), limit: q.limit });
      return rows.map(isoDates);
    },
  );
}
