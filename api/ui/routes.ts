/**
 * The approval pages: `/ui/login` (paste a token), `/ui/releases/<id>` (the release, its evidence
 * with charts, the decisions so far, Approve / Reject with a comment), its model card, the decision
 * form's target and sign-out.
 *
 * The session is the token itself in a cookie that scripts cannot read (HttpOnly), that no other site
 * can make the browser send (SameSite=Strict), scoped to `/ui`. Every POST also carries a CSRF token
 * (an HMAC of the session's credential with a server secret) and, when the browser sends one, an
 * Origin of this server: a forged POST is refused. The role and the workflow's rules apply as through
 * the API (a requester sees no buttons, and a decision posted anyway is refused).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isStewardError, StewardError } from '../../lib/core/errors';
import { samePrincipal } from '../../lib/core/identity';
import { allowed } from '../../lib/core/roles';
import type { DriftReport } from '../../lib/drift/suite';
import type { Identity } from '../../lib/identity/tokens';
import { renderVersionCard } from '../../lib/registry/cards';
import { releaseState } from '../../lib/release/client';
import type { ReleaseState } from '../../lib/release/types';
import { authorize, identify, note, readCookie, sessionCookie } from '../auth';
import type { ApiDeps } from '../deps';
import { problemStatus } from '../problems';
import { releaseModel, sendDecision } from '../routes/releases';
import { errorPage, loginPage, pageCsp, releasePage } from './pages';

const sessionHours = 8;
const uiConfig = { public: true, cookie: true } as const;
const hidden = { hide: true } as const;

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('content-security-policy', pageCsp)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .header('cache-control', 'no-store')
    .send(body);
}

/** Only pages of this UI are places to go back to after signing in. */
const safeNext = (next: unknown): string => (typeof next === 'string' && /^\/ui\/[\w\-./%]*$/.test(next) && !next.includes('//') ? next : '/ui/login');

export function uiRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const csrfFor = (identity: Identity) => createHmac('sha256', deps.csrfSecret).update(`${identity.credential}\n${identity.principal}`).digest('base64url');
  const csrfValid = (identity: Identity, given: unknown) => {
    const expected = Buffer.from(csrfFor(identity));
    const got = Buffer.from(typeof given === 'string' ? given : '');
    return got.length === expected.length && timingSafeEqual(got, expected);
  };

  /** The signed-in identity from the session cookie, or undefined (the caller redirects to sign-in). */
  async function session(request: FastifyRequest): Promise<Identity | undefined> {
    const token = readCookie(request.headers.cookie, sessionCookie);
    if (!token) return undefined;
    try {
      request.identity = await identify(deps, token);
      return request.identity;
    } catch {
      return undefined;
    }
  }

  const toLogin = (request: FastifyRequest, reply: FastifyReply) => reply.redirect(`/ui/login?next=${encodeURIComponent(request.url.split('?')[0])}`, 303);

  /**
   * A POST from another origin (when the browser says where it comes from) is refused. The pages'
   * referrer policy is `same-origin`, so the browser names this origin on their own forms (under
   * `no-referrer` it would send `Origin: null`).
   */
  const sameOrigin = (request: FastifyRequest) => {
    const origin = request.headers.origin;
    return origin === undefined || origin === `${request.protocol}://${request.host}`;
  };

  app.get('/ui', { config: { ...uiConfig, unlogged: true }, schema: hidden }, async (_request, reply) => reply.redirect('/ui/login', 303));

  app.get('/ui/login', { config: { ...uiConfig, action: 'ui.login-page', unlogged: true }, schema: hidden }, async (request, reply) => {
    return html(reply, 200, loginPage(safeNext((request.query as { next?: string }).next)));
  });

  app.post('/ui/login', { config: { ...uiConfig, action: 'ui.login' }, schema: hidden }, async (request, reply) => {
    const body = (request.body ?? {}) as { token?: string; next?: string };
    note(request, { action: 'ui.login', resource: 'ui/session' });
    const next = safeNext(body.next);
    if (!sameOrigin(request)) return html(reply, 403, errorPage('Refused', 'This sign-in did not come from this site.'));
    try {
      request.identity = await identify(deps, String(body.token ?? '').trim());
    } catch (e) {
      return html(reply, 401, loginPage(next, isStewardError(e) ? e.reason : 'sign-in failed'));
    }
    const secure = request.protocol === 'https' ? '; Secure' : '';
    reply.header('set-cookie', `${sessionCookie}=${encodeURIComponent(String(body.token).trim())}; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=${sessionHours * 3600}${secure}`);
    return reply.redirect(next === '/ui/login' ? '/ui/login?signed-in=1' : next, 303);
  });

  app.post('/ui/logout', { config: { ...uiConfig, action: 'ui.logout' }, schema: hidden }, async (request, reply) => {
    note(request, { action: 'ui.logout', resource: 'ui/session' });
    const identity = await session(request);
    if (identity && !csrfValid(identity, (request.body as { csrf?: string } | undefined)?.csrf)) {
      return html(reply, 403, errorPage('Refused', 'This form was not issued by this site (missing or wrong CSRF token).', identity, csrfFor(identity)));
    }
    reply.header('set-cookie', `${sessionCookie}=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0`);
    return reply.redirect('/ui/login', 303);
  });

  /** Why `identity` cannot decide on the release now (undefined: it can). */
  function cannotDecide(identity: Identity, s: ReleaseState): string | undefined {
    if (s.status !== 'running' || s.stage !== 'awaiting-approval') return `This release is not waiting for sign-off (${s.status === 'running' ? s.stage : s.status}).`;
    if (!allowed(identity.grants, 'releases.decide', s.model)) {
      return `Your role (${identity.grants.map((g) => g.role).join(', ') || 'none'}) cannot approve or reject releases of ${s.model}: that needs the approver role.`;
    }
    if (samePrincipal(identity.principal, s.requestedBy)) return 'You requested this release: someone else must decide on it (separation of duties).';
    if (!s.approvers.some((a) => samePrincipal(a, identity.principal))) return `You are not on the approver list of ${s.model} (${s.approvers.join(', ')}).`;
    if (s.approvals.some((a) => samePrincipal(a.principal, identity.principal))) return 'You have already decided on this release.';
    return undefined;
  }

  async function driftOf(s: ReleaseState): Promise<DriftReport | null> {
    if (!s.data?.reportSha256) return null;
    try {
      return (JSON.parse((await deps.artifacts.get(s.data.reportSha256)).toString('utf8')) as { drift: DriftReport | null }).drift;
    } catch {
      return null;
    }
  }

  async function showRelease(request: FastifyRequest, reply: FastifyReply, identity: Identity, id: string, status = 200, message?: { kind: 'info' | 'error'; text: string }) {
    const model = await releaseModel(deps, id);
    note(request, { action: request.method === 'GET' ? 'ui.release' : request.access?.action ?? 'ui.release', resource: `release/${id}`, model });
    authorize(request, 'releases.read', model);
    const state = await releaseState(deps.temporal, id);
    return html(
      reply,
      status,
      releasePage({ state, identity, csrf: csrfFor(identity), cannotDecide: cannotDecide(identity, state), drift: await driftOf(state), hasCard: state.version !== undefined, message }),
    );
  }

  /** Refusals and failures as a page with the status the API would give. */
  async function failPage(reply: FastifyReply, err: unknown, identity: Identity) {
    if (!isStewardError(err)) throw err;
    return html(reply, problemStatus[err.type], errorPage(err.type === 'Forbidden' ? 'Not allowed' : err.type === 'NotFound' ? 'Not found' : 'Refused', err.reason, identity, csrfFor(identity)));
  }

  app.get('/ui/releases/:id', { config: { ...uiConfig, action: 'ui.release' }, schema: hidden }, async (request, reply) => {
    const { id } = request.params as { id: string };
    note(request, { action: 'ui.release', resource: `release/${id}` });
    const identity = await session(request);
    if (!identity) return toLogin(request, reply);
    const decided = (request.query as { decided?: string }).decided;
    try {
      return await showRelease(request, reply, identity, id, 200, decided === 'approve' || decided === 'reject' ? { kind: 'info', text: `Your decision (${decided}) was recorded.` } : undefined);
    } catch (e) {
      return failPage(reply, e, identity);
    }
  });

  app.get('/ui/releases/:id/card', { config: { ...uiConfig, action: 'ui.card' }, schema: hidden }, async (request, reply) => {
    const { id } = request.params as { id: string };
    note(request, { action: 'ui.card', resource: `release/${id}/card` });
    const identity = await session(request);
    if (!identity) return html(reply, 401, errorPage('Signed out', 'Sign in again to see the model card.'));
    try {
      const model = await releaseModel(deps, id);
      authorize(request, 'releases.read', model);
      const state = await releaseState(deps.temporal, id);
      if (state.version === undefined) throw new StewardError('NotFound', 'the candidate is not registered yet: no model card');
      note(request, { action: 'ui.card', resource: `model/${model}/v${state.version}/card`, model });
      const card = await renderVersionCard(deps.db, deps.artifacts, model, state.version);
      return html(reply, 200, card.html);
    } catch (e) {
      return failPage(reply, e, identity);
    }
  });

  app.post('/ui/releases/:id/decision', { config: { ...uiConfig, action: 'ui.decision' }, schema: hidden }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const body = (request.body ?? {}) as { decision?: string; comment?: string; csrf?: string };
    note(request, { action: `ui.${body.decision === 'reject' ? 'reject' : 'approve'}`, resource: `release/${id}` });
    const identity = await session(request);
    if (!identity) return html(reply, 401, errorPage('Signed out', 'Sign in again to decide.'));
    const csrf = csrfFor(identity);
    if (!sameOrigin(request) || !csrfValid(identity, body.csrf)) {
      return html(reply, 403, errorPage('Refused', 'This form was not issued by this site (missing or wrong CSRF token, or another origin): nothing was decided.', identity, csrf));
    }
    if (body.decision !== 'approve' && body.decision !== 'reject') return html(reply, 400, errorPage('Refused', 'the decision must be approve or reject', identity, csrf));
    const comment = String(body.comment ?? '');
    try {
      const model = await releaseModel(deps, id);
      note(request, { action: `ui.${body.decision}`, resource: `release/${id}`, model });
      authorize(request, 'releases.decide', model);
      await sendDecision(deps, identity.principal, id, body.decision, comment);
    } catch (e) {
      if (!isStewardError(e)) throw e;
      const status = problemStatus[e.type];
      if (e.type === 'Forbidden' || e.type === 'NotFound') return failPage(reply, e, identity);
      return showRelease(request, reply, identity, id, status, { kind: 'error', text: `${e.type}: ${e.reason}` });
    }
    return reply.redirect(`/ui/releases/${encodeURIComponent(id)}?decided=${body.decision}`, 303);
  });
}
