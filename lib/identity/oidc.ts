/**
 * Optional single sign-on: JSON Web Tokens from a configured OIDC issuer, verified with `jose`
 * against the issuer's published keys (JWKS, fetched and cached; a rotated key is fetched again).
 * The principal is a claim (`email` by default, else `sub`); roles come from a claim holding
 * `role` or `role:model` strings (`steward_roles` by default), e.g. `["approver:adult-income", "viewer"]`.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { StewardError } from '../core/errors';
import { normalizePrincipal, principalSchema } from '../core/identity';
import { isRole, type Grant } from '../core/roles';
import type { StewardConfig } from '../runtime/config';
import type { Identity } from './tokens';

export type OidcConfig = NonNullable<StewardConfig['oidc']>;

/** A JWT's three dot-separated parts (tokens of our own start with `stw_`). */
export const looksLikeJwt = (token: string): boolean => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);

/**
 * @example const verify = oidcVerifier(config.oidc); const who = await verify(bearer);
 */
export function oidcVerifier(cfg: OidcConfig): (jwt: string) => Promise<Identity> {
  const jwks = createRemoteJWKSet(new URL(cfg.jwksUrl));
  return async (jwt) => {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(jwt, jwks, { issuer: cfg.issuer, audience: cfg.audience }));
    } catch (e) {
      throw new StewardError('Unauthenticated', `the JWT is not valid for issuer ${cfg.issuer}: ${(e as Error).message}`);
    }
    const claimed = payload[cfg.principalClaim] ?? payload.sub;
    const parsed = principalSchema.safeParse(claimed);
    if (!parsed.success) throw new StewardError('Unauthenticated', `the JWT's ${cfg.principalClaim} claim is not a principal (${parsed.error.issues[0].message})`);
    const raw = payload[cfg.rolesClaim];
    const grants: Grant[] = (Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[\s,]+/) : []).flatMap((r): Grant[] => {
      const [role, model] = String(r).split(':', 2);
      return isRole(role) ? [{ role, model: model || null }] : [];
    });
    return { principal: normalizePrincipal(parsed.data), grants, credential: `oidc:${cfg.issuer}` };
  };
}
