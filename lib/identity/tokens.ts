/**
 * API tokens: `stw_<id>_<secret>`, 256 random bits of secret, shown once; the database keeps the id
 * and the sha256 of the secret. A token names one principal and one role, globally or for one model,
 * with an optional expiry. Creating and revoking a token are audit events committed with the row, and
 * a token is accepted only while its row agrees with those events: a row inserted or edited in the
 * database (a new admin, an un-revoked token, a swapped secret) authenticates nobody.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, asc, eq, type SQL } from 'drizzle-orm';
import type { StewardDb } from '../../db/client';
import { apiTokens, models } from '../../db/schema';
import { StewardError } from '../core/errors';
import { normalizePrincipal, principalSchema } from '../core/identity';
import { isRole, roles, type Grant, type Role } from '../core/roles';
import { parseWith } from '../core/validation';
import { tokenEvents, tokenProblems } from '../audit/verify';
import { appendAudit } from '../registry/audit';

/** Who a request is: the principal, what it may do, and the credential that said so. */
export interface Identity {
  principal: string;
  grants: Grant[];
  /** The token id, or `oidc:<issuer>`. */
  credential: string;
}

const tokenPattern = /^stw_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export interface TokenSpec {
  principal: string;
  role: Role;
  /** The model the role holds for; omitted: every model. */
  model?: string | null;
  /** Lifetime in milliseconds; omitted: no expiry. */
  expiresInMs?: number;
  /** Who creates it (an admin's principal, or `local:<user>` for the database owner). */
  createdBy: string;
}

export type TokenInfo = Omit<typeof apiTokens.$inferSelect, 'secretSha256'>;

/**
 * Creates a token and returns it with its secret, which is not kept and cannot be shown again.
 *
 * @example const { token } = await createToken(db, { principal: 'ravi.risk', role: 'approver', model: 'adult-income', expiresInMs: 30 * 86_400_000, createdBy: 'admin' });
 */
export async function createToken(db: StewardDb, spec: TokenSpec, now = new Date()): Promise<TokenInfo & { token: string }> {
  const principal = normalizePrincipal(parseWith(principalSchema, spec.principal, { type: 'InvalidInput', what: 'token principal', field: 'principal' }));
  if (!isRole(spec.role)) throw new StewardError('InvalidInput', `"${spec.role}" is not a role (roles: ${roles.join(', ')})`, { field: 'role' });
  const model = spec.model ?? null;
  if (model !== null && (await db.select({ name: models.name }).from(models).where(eq(models.name, model))).length === 0) {
    throw new StewardError('NotFound', `model "${model}" is not registered; a token's model must be`, { field: 'model' });
  }
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const row = {
    id,
    principal,
    role: spec.role,
    model,
    secretSha256: sha256(secret),
    createdBy: spec.createdBy,
    createdAt: now,
    expiresAt: spec.expiresInMs === undefined ? null : new Date(now.getTime() + spec.expiresInMs),
    revokedAt: null,
    revokedBy: null,
  };
  await db.transaction(async (tx) => {
    await tx.insert(apiTokens).values(row);
    await appendAudit(tx, {
      at: now,
      actor: spec.createdBy,
      action: 'token.created',
      model,
      eventKey: `token:${id}:created`,
      payload: { id, principal, role: row.role, model, secretSha256: row.secretSha256, expiresAt: row.expiresAt?.toISOString() ?? null },
    });
  });
  const { secretSha256: _, ...info } = row;
  return { ...info, token: `stw_${id}_${secret}` };
}

/** Tokens (without their secret hashes), oldest first. */
export async function listTokens(db: StewardDb, filter: { principal?: string } = {}): Promise<TokenInfo[]> {
  const where: SQL[] = [];
  if (filter.principal) where.push(eq(apiTokens.principal, normalizePrincipal(filter.principal)));
  const rows = await db.select().from(apiTokens).where(where.length ? and(...where) : undefined).orderBy(asc(apiTokens.createdAt));
  return rows.map(({ secretSha256: _, ...info }) => info);
}

/** Revokes a token (idempotent: revoking it again changes nothing). */
export async function revokeToken(db: StewardDb, id: string, by: string, now = new Date()): Promise<TokenInfo> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(apiTokens).where(eq(apiTokens.id, id));
    if (!row) throw new StewardError('NotFound', `no token ${id} (steward token list shows them)`, { field: 'id' });
    if (row.revokedAt === null) {
      await tx.update(apiTokens).set({ revokedAt: now, revokedBy: by }).where(eq(apiTokens.id, id));
      await appendAudit(tx, { at: now, actor: by, action: 'token.revoked', model: row.model, eventKey: `token:${id}:revoked`, payload: { id, principal: row.principal, role: row.role } });
      row.revokedAt = now;
      row.revokedBy = by;
    }
    const { secretSha256: _, ...info } = row;
    return info;
  });
}

/**
 * The identity a token stands for; `Unauthenticated` for anything else (malformed, unknown, wrong
 * secret, expired, revoked, or a row that disagrees with the audit record).
 *
 * @example const who = await authenticateToken(db, request.headers.authorization.slice(7));
 */
export async function authenticateToken(db: StewardDb, token: string, now = new Date()): Promise<Identity> {
  const m = tokenPattern.exec(token);
  if (!m) throw new StewardError('Unauthenticated', 'not a Steward API token (stw_<id>_<secret>)');
  const [, id, secret] = m;
  const [row] = await db.select().from(apiTokens).where(eq(apiTokens.id, id));
  const given = Buffer.from(sha256(secret), 'hex');
  if (!row || !timingSafeEqual(given, Buffer.from(row.secretSha256.padEnd(64, '0').slice(0, 64), 'hex'))) {
    throw new StewardError('Unauthenticated', 'unknown token (or a wrong secret)');
  }
  if (row.revokedAt) throw new StewardError('Unauthenticated', `token ${id} was revoked at ${row.revokedAt.toISOString()}`);
  if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) throw new StewardError('Unauthenticated', `token ${id} expired at ${row.expiresAt.toISOString()}`);
  const events = await tokenEvents(db, id);
  const problems = tokenProblems(row, events.created, events.revoked);
  if (problems.length > 0) throw new StewardError('Unauthenticated', `token ${id} does not match the audit record (${problems[0].message}); it is refused`);
  return { principal: row.principal, grants: [{ role: row.role, model: row.model }], credential: id };
}
