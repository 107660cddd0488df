/**
 * `steward token create|list|revoke`: API tokens. Directly against the database (the machine that
 * owns it: how the first admin token is made on a fresh install) or, with --api, through the control
 * API as an admin. Either way every creation and revocation is an audit event.
 */
import { StewardError } from '../../lib/core/errors';
import { roles } from '../../lib/core/roles';
import type { TokenInfo } from '../../lib/identity/tokens';
import { apiFlag, defineCommand, defineGroup } from '../command';

type Shown = Omit<TokenInfo, 'createdAt' | 'expiresAt' | 'revokedAt'> & { createdAt: string; expiresAt: string | null; revokedAt: string | null };

const line = (t: Shown) =>
  `${t.id}  ${t.principal.padEnd(20)} ${t.role.padEnd(10)} ${(t.model ?? '(all models)').padEnd(20)} ${t.revokedAt ? `revoked ${t.revokedAt}` : t.expiresAt ? `expires ${t.expiresAt}` : 'no expiry'}`;

const create = defineCommand({
  name: 'create',
  summary: 'create a token (printed once; only its hash is kept)',
  details: [
    `Roles: ${roles.join(', ')}; for one model (--model) or all. Without --api it writes to the database directly`,
    'and is recorded as $STEWARD_USER, else local:<OS user>: that is how the first admin token is made.',
  ].join('\n'),
  flags: {
    principal: { type: 'string', required: true, description: 'who the token is for (a user name or an email)' },
    role: { type: 'string', required: true, placeholder: 'role', description: `one of ${roles.join(', ')}` },
    model: { type: 'string', description: 'the model the role holds for (default: every model)' },
    expires: { type: 'duration', description: 'lifetime, e.g. 30d (default: no expiry)' },
    ...apiFlag,
  },
  examples: ['steward token create --principal admin --role admin', 'steward token create --principal ravi.risk --role approver --model adult-income --expires 30d'],
  async run({ principal, role, model, expires, api }, ctx) {
    const remote = await ctx.remote(api);
    let created: Shown & { token: string };
    if (remote) {
      created = await remote.post('/v1/tokens', { principal, role, model, expiresIn: expires === undefined ? undefined : `${expires}ms` });
    } else {
      const [{ createToken }, { isRole }, { isoDates }] = await Promise.all([import('../../lib/identity/tokens'), import('../../lib/core/roles'), import('../../api/schemas')]);
      if (!isRole(role)) throw new StewardError('InvalidInput', `"${role}" is not a role (roles: ${roles.join(', ')})`, { field: '--role' });
      const { db } = await ctx.database();
      created = isoDates(await createToken(db, { principal, role, model, expiresInMs: expires, createdBy: ctx.localActor() }));
      await (await ctx.auditAnchor()).update(db);
    }
    ctx.print(created, () => `${created.token}\n(token ${created.id} for ${created.principal} as ${created.role}${created.model ? ` of ${created.model}` : ''}; shown once: store it now)`);
    return 0;
  },
});

const list = defineCommand({
  name: 'list',
  summary: 'list tokens (never their secrets)',
  flags: { principal: { type: 'string', description: 'only this principal' }, ...apiFlag },
  examples: ['steward token list', 'steward token list --principal ravi.risk'],
  async run({ principal, api }, ctx) {
    const remote = await ctx.remote(api);
    let rows: Shown[];
    if (remote) rows = await remote.get<Shown[]>('/v1/tokens', { principal });
    else {
      const [{ listTokens }, { isoDates }] = await Promise.all([import('../../lib/identity/tokens'), import('../../api/schemas')]);
      rows = (await listTokens((await ctx.database()).db, { principal })).map(isoDates);
    }
    ctx.print(rows, () => rows.map(line).join('\n') || 'no tokens');
    return 0;
  },
});

const revoke = defineCommand({
  name: 'revoke',
  summary: 'revoke a token: the next request with it is refused',
  positionals: [{ name: 'id', description: 'the token id (steward token list)' }],
  flags: apiFlag,
  examples: ['steward token revoke 3f9a0c12be47'],
  async run({ id, api }, ctx) {
    const remote = await ctx.remote(api);
    let row: Shown;
    if (remote) row = await remote.delete<Shown>(`/v1/tokens/${encodeURIComponent(id)}`);
    else {
      const [{ revokeToken }, { isoDates }] = await Promise.all([import('../../lib/identity/tokens'), import('../../api/schemas')]);
      const { db } = await ctx.database();
      row = isoDates(await revokeToken(db, id, ctx.localActor()));
      await (await ctx.auditAnchor()).update(db);
    }
    ctx.print(row, () => `revoked ${line(row)}`);
    return 0;
  },
});

export const token = defineGroup({ name: 'token', summary: 'control API tokens: create, list, revoke', subcommands: [create, list, revoke] });
