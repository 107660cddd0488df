/**
 * Who a request is and what it may do. Every route but `/healthz`, `/openapi.json` and the sign-in
 * page needs a credential: `Authorization: Bearer <token>` (a Steward token, or a JWT from the
 * configured OIDC issuer) or, for the approval pages, the session cookie set at sign-in. The principal
 * of every action comes from the credential, never from the request body.
 */
import type { FastifyRequest } from 'fastify';
import { StewardError } from '../lib/core/errors';
import { actionWords, allowed, requiredRoleText, scopeOf, type Action } from '../lib/core/roles';
import { looksLikeJwt } from '../lib/identity/oidc';
import { authenticateToken, type Identity } from '../lib/identity/tokens';
import type { ApiDeps } from './deps';

/** What the access log records about a request, filled in by its route. */
export interface AccessNote {
  action: string;
  resource: string;
  model?: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    identity?: Identity;
    access?: AccessNote;
  }
  interface FastifyContextConfig {
    /** No credential needed (health, OpenAPI document, sign-in). */
    public?: boolean;
    /** Not written to the access log (health checks, the OpenAPI document, static assets). */
    unlogged?: boolean;
    /** The session cookie is accepted besides the Authorization header (approval pages). */
    cookie?: boolean;
  }
}

export const sessionCookie = 'steward_session';

/** The value of one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** The identity a credential stands for (Steward token or OIDC JWT); `Unauthenticated` otherwise. */
export async function identify(deps: ApiDeps, credential: string): Promise<Identity> {
  if (deps.oidc && looksLikeJwt(credential)) return deps.oidc(credential);
  return authenticateToken(deps.db, credential, deps.clock());
}

/** Authenticates the request from its header (or its session cookie, where the route allows it). */
export async function authenticate(deps: ApiDeps, request: FastifyRequest): Promise<void> {
  const header = request.headers.authorization;
  let credential: string | undefined;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new StewardError('Unauthenticated', 'the Authorization header must be "Bearer <token>"', { field: '/header/authorization' });
    credential = m[1];
  } else if (request.routeOptions.config.cookie) credential = readCookie(request.headers.cookie, sessionCookie);
  if (!credential) throw new StewardError('Unauthenticated', 'no credential: send "Authorization: Bearer <token>" (steward token create prints one)', { field: '/header/authorization' });
  request.identity = await identify(deps, credential);
}

/** The signed-in identity (the route runs only after authentication, so it is there). */
export function who(request: FastifyRequest): Identity {
  if (!request.identity) throw new StewardError('Unauthenticated', 'not signed in');
  return request.identity;
}

/**
 * Refuses, before anything is touched, a principal whose grants do not cover `action` on `model`:
 * a 403 naming the role it needed.
 */
export function authorize(request: FastifyRequest, action: Action, model: string | null): Identity {
  const identity = who(request);
  if (!allowed(identity.grants, action, model)) throw forbidden(identity, action, model);
  return identity;
}

/** The 403 of a refused request: who, what, the role it needed and the roles it has. */
function forbidden(identity: Identity, action: Action, model: string | null | undefined): StewardError {
  const needs = requiredRoleText(action, model);
  const has = identity.grants.map((g) => `${g.role}${g.model ? ` for ${g.model}` : ''}`).join(', ') || 'no role';
  return new StewardError('Forbidden', `${identity.principal} may not ${actionWords[action]}${model ? ` of ${model}` : ''}: needs ${needs}; has ${has}`, {}, { details: { requiredRole: needs } });
}

/**
 * Refuses a principal who holds the role for `action` on no model at all, before the model of the
 * resource is even looked up (in Temporal): a request that cannot be allowed touches nothing.
 */
export function authorizeSome(request: FastifyRequest, action: Action): Identity {
  const identity = who(request);
  const scope = scopeOf(identity.grants, action);
  if (scope !== 'all' && scope.length === 0) throw forbidden(identity, action, undefined);
  return identity;
}

/** Notes what the request is about, for the access log. */
export function note(request: FastifyRequest, access: AccessNote): void {
  request.access = access;
}

/** The caller's address as the access log records it. */
export const sourceOf = (request: FastifyRequest): string => request.ip;

