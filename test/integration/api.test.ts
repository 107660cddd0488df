/**
 * The control API end to end: real workers, Temporal, PostgreSQL and the API in this process; the CLI
 * through it in child processes. Every write tried with every role (allowed and refused), tokens
 * that expire, are revoked or were tampered with, OIDC JWTs against a JWKS served on loopback, the
 * OpenAPI document, problem documents, the access log, and the bypass of the API refused.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate, compileErrors } from '@readme/openapi-parser';
import { sql } from 'drizzle-orm';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { createReleaseActivities } from '../../activities/release';
import { StewardError } from '../../lib/core/errors';
import { roles, type Role } from '../../lib/core/roles';
import { oidcVerifier } from '../../lib/identity/oidc';
import { createToken } from '../../lib/identity/tokens';
import { decideRelease, waitForStage } from '../../lib/release/client';
import type { ReleaseState } from '../../lib/release/types';
import { projectRoot } from '../../lib/runtime/paths';
import { startTestApi, type TestApi } from '../support/api';
import { adultTrainingSlice, registerTestModel, testPolicy } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';

const model = 'income-api';
/** Who holds which role: model-scoped for the requester and the approver, global otherwise. */
const people: Record<Role, { principal: string; model?: string }> = {
  viewer: { principal: 'vera' },
  requester: { principal: 'maria', model },
  approver: { principal: 'ravi.risk', model },
  operator: { principal: 'otto' },
  auditor: { principal: 'audrey' },
  admin: { principal: 'root.admin' },
};

describe('control API', () => {
  let h: Harness;
  let api: TestApi;
  const token = {} as Record<Role, string>;
  let waiting: string;

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres' });
    api = await startTestApi(h);
    await registerTestModel(h.database.db, model, { approvers: ['ravi.risk', 'root.admin', 'carol'], quorum: 2 });
    for (const role of roles) token[role] = await api.token(people[role].principal, role, people[role].model);
    // The release the sign-off tests decide on, started through the API by the requester.
    const started = await api.call('POST', '/v1/releases', token.requester, { model, dataFile: adultTrainingSlice(1500) });
    expect(started.statusCode, started.body).toBe(201);
    waiting = started.json().releaseId;
  });
  afterAll(async () => {
    await api?.close();
    await h?.close();
  });

  /** The status of the same request sent as each role. */
  async function asEachRole(method: 'POST' | 'DELETE', url: (role: Role) => string, body?: (role: Role) => unknown, only: readonly Role[] = roles) {
    const out = {} as Record<Role, { status: number; problem: { requiredRole?: string; detail?: string } }>;
    for (const role of only) {
      const r = await api.call(method, url(role), token[role], body?.(role));
      out[role] = { status: r.statusCode, problem: String(r.headers['content-type']).startsWith('application/problem+json') ? r.json() : {} };
    }
    return out;
  }

  /** The access log is written just after each response: read it until `check` passes (or 5 s). */
  async function eventually<T>(read: () => Promise<T>, check: (value: T) => void): Promise<void> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const value = await read();
      try {
        check(value);
        return;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  const refusedNaming = (r: { status: number; problem: { requiredRole?: string; detail?: string } }, role: string) => {
    expect(r.status).toBe(403);
    expect(r.problem.requiredRole).toContain(role);
    expect(r.problem.detail).toContain(`needs ${role}`);
  };

  it('registers policies for admins only, with an audit event naming who and the approvers', async () => {
    const policy = testPolicy('income-api-2', { approvers: ['ravi.risk', 'carol'] });
    const r = await asEachRole('POST', () => '/v1/models', () => policy);
    for (const role of ['viewer', 'requester', 'approver', 'operator', 'auditor'] as const) refusedNaming(r[role], 'admin');
    expect(r.admin.status).toBe(201);
    const events = await api.call('GET', '/v1/audit/events?model=income-api-2', token.auditor);
    expect(events.json()).toEqual([expect.objectContaining({ action: 'model.registered', actor: 'root.admin', payload: expect.objectContaining({ approvers: ['ravi.risk', 'carol'] }) })]);
  });

  it('starts releases for requesters and admins only, the principal from the token and the API key in the input', async () => {
    const r = await asEachRole('POST', () => '/v1/releases', () => ({ model, dataFile: adultTrainingSlice(1200, 4000) }), ['viewer', 'approver', 'operator', 'auditor']);
    for (const role of ['viewer', 'approver', 'operator', 'auditor'] as const) refusedNaming(r[role], 'requester or admin');
    const started = (await h.client.workflow.getHandle(waiting).fetchHistory()).events?.[0].workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    expect(defaultPayloadConverter.fromPayload(started!)).toMatchObject({ requestedBy: 'maria', decisionKey: api.deps.decisionKey.publicKeyHex });
    const state = await waitForStage(h.client, waiting, 'awaiting-approval');
    expect(state).toMatchObject({ requestedBy: 'maria', stage: 'awaiting-approval', version: 1 });
  });

  it('lets approvers and admins decide, signing each decision; everyone else is refused before Temporal is asked', async () => {
    // A release that does not exist: a principal without the role is refused (403) before it is looked up.
    refusedNaming((await asEachRole('POST', () => '/v1/releases/release-nope/approve', () => ({}), ['viewer']))['viewer'], 'approver or admin');
    for (const kind of ['approve', 'reject'] as const) {
      const r = await asEachRole('POST', () => `/v1/releases/${waiting}/${kind}`, () => ({ comment: 'x' }), ['viewer', 'requester', 'operator', 'auditor']);
      for (const role of ['viewer', 'requester', 'operator', 'auditor'] as const) refusedNaming(r[role], 'approver or admin');
    }
    // Going past the API, straight to Temporal: the release carries the API's key, so an unsigned decision is refused.
    const bypass = await decideRelease(h.client, waiting, 'approve', { principal: 'ravi.risk' }).then(() => undefined, (e: StewardError) => e);
    expect(bypass).toMatchObject({ type: 'InvalidDecisionSignature' });

    const approved = await api.call('POST', `/v1/releases/${waiting}/approve`, token.approver, { comment: 'fairness reviewed' });
    expect(approved.statusCode, approved.body).toBe(200);
    const afterApproval: ReleaseState = approved.json();
    expect(afterApproval.approvals).toMatchObject([{ principal: 'ravi.risk', decision: 'approve', comment: 'fairness reviewed', signature: { at: expect.any(String) } }]);
    // The approver's role also covers rejecting: the workflow, not the role, refuses a second decision.
    const again = await api.call('POST', `/v1/releases/${waiting}/reject`, token.approver, {});
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ failureType: 'AlreadyDecided', type: 'urn:steward:problem:AlreadyDecided' });

    const rejected = await api.call('POST', `/v1/releases/${waiting}/reject`, token.admin, { comment: 'not this quarter' });
    expect(rejected.statusCode, rejected.body).toBe(200);
    const final: ReleaseState = await h.client.workflow.getHandle(waiting).result();
    expect(final).toMatchObject({ status: 'rejected', reason: 'rejected by root.admin: not this quarter' });
    // The admin's role covers approving too: refused by the workflow (the release has ended), not by the role.
    expect((await api.call('POST', `/v1/releases/${waiting}/approve`, token.admin, {})).statusCode).toBe(409);
  });

  it('cancels for operators and admins, and for the requester of that release only', async () => {
    const byAdmin = (await api.call('POST', '/v1/releases', token.admin, { model, dataFile: adultTrainingSlice(1200, 6000) })).json().releaseId as string;
    const byMaria = (await api.call('POST', '/v1/releases', token.requester, { model, dataFile: adultTrainingSlice(1200, 8000) })).json().releaseId as string;
    const r = await asEachRole('POST', () => `/v1/releases/${byAdmin}/cancel`, undefined, ['viewer', 'requester', 'approver', 'auditor', 'operator']);
    for (const role of ['viewer', 'requester', 'approver', 'auditor'] as const) refusedNaming(r[role], 'operator or admin');
    expect(r.operator.status).toBe(202);
    expect((await api.call('POST', `/v1/releases/${byMaria}/cancel`, token.requester)).statusCode).toBe(202);
    for (const id of [byAdmin, byMaria]) await expect(h.client.workflow.getHandle(id).result()).rejects.toThrow();
    // The admin's role covers cancelling: refused only because the release has ended.
    expect((await api.call('POST', `/v1/releases/${byAdmin}/cancel`, token.admin)).json()).toMatchObject({ status: 409, failureType: 'AlreadyDecided' });
  });

  it('lists releases of the models a principal may read, filtered', async () => {
    const all = (await api.call('GET', `/v1/releases?model=${model}`, token.viewer)).json() as Array<{ id: string; requestedBy: string; status: string }>;
    expect(all.map((r) => r.id)).toContain(waiting);
    const maria = (await api.call('GET', '/v1/releases?requestedBy=maria&status=rejected', token.requester)).json() as Array<{ id: string }>;
    expect(maria.map((r) => r.id)).toEqual([waiting]);
    // A model-scoped principal sees its model's releases only.
    const other = await api.token('olga', 'viewer', 'income-api-2');
    expect((await api.call('GET', '/v1/releases', other)).json()).toEqual([]);
    expect((await api.call('GET', `/v1/releases/${waiting}`, other)).statusCode).toBe(403);
  });

  it('manages tokens for admins only; a revoked or expired token is refused at once', async () => {
    const create = await asEachRole('POST', () => '/v1/tokens', () => ({ principal: 'temp.user', role: 'viewer', expiresIn: '1h' }));
    for (const role of ['viewer', 'requester', 'approver', 'operator', 'auditor'] as const) refusedNaming(create[role], 'admin');
    expect(create.admin.status).toBe(201);
    const created = await api.call('POST', '/v1/tokens', token.admin, { principal: 'temp.user', role: 'viewer' });
    const { token: temp, id } = created.json() as { token: string; id: string };
    expect((await api.call('GET', '/v1/me', temp)).json()).toMatchObject({ principal: 'temp.user', grants: [{ role: 'viewer', model: null }] });
    expect(JSON.stringify((await api.call('GET', '/v1/tokens', token.admin)).json())).not.toContain(temp.split('_')[2]);

    const revoke = await asEachRole('DELETE', () => `/v1/tokens/${id}`);
    for (const role of ['viewer', 'requester', 'approver', 'operator', 'auditor'] as const) refusedNaming(revoke[role], 'admin');
    expect(revoke.admin.status).toBe(200);
    const refused = await api.call('GET', '/v1/me', temp);
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['www-authenticate']).toContain('Bearer');
    expect(refused.json().detail).toMatch(/revoked at/);

    const expired = await createToken(h.database.db, { principal: 'late', role: 'viewer', expiresInMs: 1000, createdBy: 'local:test' }, new Date(Date.now() - 60_000));
    expect((await api.call('GET', '/v1/me', expired.token)).json().detail).toMatch(/expired at/);
    expect((await api.call('GET', '/v1/me', 'stw_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).json().detail).toMatch(/unknown token/);
    expect((await api.call('GET', '/v1/me', undefined)).statusCode).toBe(401);
  });

  it('refuses tokens whose rows were changed in the database: un-revoked, or inserted without an audit event', async () => {
    const { token: t, id } = await createToken(h.database.db, { principal: 'mallory', role: 'viewer', createdBy: 'local:test' });
    await api.call('DELETE', `/v1/tokens/${id}`, token.admin);
    await h.database.db.execute(sql`update api_tokens set revoked_at = null, role = 'admin' where id = ${id}`);
    expect((await api.call('GET', '/v1/me', t)).json().detail).toMatch(/does not match the audit record/);
    await h.database.db.execute(sql`update api_tokens set revoked_at = now(), role = 'viewer' where id = ${id}`);
  });

  it('accepts OIDC JWTs signed by the configured issuer (JWKS on loopback) with roles from a claim', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    const server: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const issuer = 'https://sso.example.test';
    const port = (server.address() as { port: number }).port;
    api.deps.oidc = oidcVerifier({ issuer, jwksUrl: `http://127.0.0.1:${port}/jwks.json`, audience: 'steward', rolesClaim: 'steward_roles', principalClaim: 'email' });
    const jwt = (claims: Record<string, unknown>, o: { iss?: string; key?: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'] } = {}) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(o.iss ?? issuer).setAudience('steward').setExpirationTime('5m').setIssuedAt().sign(o.key ?? privateKey);
    try {
      const viewer = await jwt({ email: 'Sam@Example.com', steward_roles: ['viewer', `approver:${model}`] });
      expect((await api.call('GET', '/v1/me', viewer)).json()).toMatchObject({ principal: 'sam@example.com', credential: `oidc:${issuer}`, grants: [{ role: 'viewer', model: null }, { role: 'approver', model }] });
      expect((await api.call('GET', '/v1/models', viewer)).statusCode).toBe(200);
      refusedNaming({ status: 403, problem: (await api.call('POST', '/v1/tokens', viewer, { principal: 'x', role: 'admin' })).json() }, 'admin');
      expect((await api.call('GET', '/v1/me', await jwt({ email: 'sam@example.com' }, { iss: 'https://evil.example.test' }))).statusCode).toBe(401);
      const other = await generateKeyPair('ES256');
      expect((await api.call('GET', '/v1/me', await jwt({ email: 'sam@example.com' }, { key: other.privateKey }))).statusCode).toBe(401);
    } finally {
      api.deps.oidc = undefined;
      server.close();
    }
  });

  it('publishes a valid OpenAPI 3.1 document that lists exactly the routes served', async () => {
    const doc = (await api.call('GET', '/openapi.json', undefined)).json();
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc));
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const served = api.app.servedRoutes.filter((r) => !r.hidden).map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
    expect(documented.sort()).toEqual(served.sort());
    expect(served.length).toBeGreaterThanOrEqual(15);
    expect(doc.paths['/v1/releases/{id}/approve'].post.responses['403'].content['application/problem+json']).toBeDefined();
  });

  it('answers errors with RFC 9457 problem documents naming the wrong field', async () => {
    const bad = await api.call('POST', '/v1/releases', token.requester, { model, dataFile: 'x.csv', approvalTimeoutMs: -5 });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(bad.json()).toMatchObject({ type: 'urn:steward:problem:InvalidInput', status: 400, field: '/body/approvalTimeoutMs', instance: '/v1/releases' });
    const policy = { ...testPolicy('income-api-3'), approvals: { approvers: ['a'], quorum: 0 } };
    const invalid = await api.call('POST', '/v1/models', token.admin, policy);
    expect(invalid.json()).toMatchObject({ status: 422, failureType: 'InvalidPolicy', field: '/body/approvals/quorum' });
    expect((await api.call('GET', '/v1/releases/release-nope', token.viewer)).json()).toMatchObject({ status: 404, failureType: 'NotFound' });
    expect((await api.call('GET', '/v1/nothing', token.viewer)).json()).toMatchObject({ status: 404, type: 'about:blank' });
    const long = await api.call('POST', `/v1/releases/${waiting}/approve`, token.approver, { comment: 'x'.repeat(4001) });
    expect(long.json()).toMatchObject({ status: 400, field: '/body/comment' });
  });

  it('logs every request, reads of evidence included, so an auditor can answer who looked at or changed a model', async () => {
    expect((await api.call('GET', `/v1/models/${model}/versions/1/card`, token.viewer)).json().html).toContain('<svg');
    expect((await api.call('GET', `/v1/models/${model}/versions/1/evaluation`, token.viewer)).statusCode).toBe(200);
    refusedNaming({ status: 403, problem: (await api.call('GET', '/v1/audit/access', token.viewer)).json() }, 'auditor or admin');
    const read = async () => (await api.call('GET', `/v1/audit/access?model=${model}&since=1h`, token.auditor)).json() as Array<{ principal: string; role: string; action: string; resource: string; status: number; source: string }>;
    await eventually(read, (log) => expect(log).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ principal: 'vera', role: 'viewer', action: 'models.card', resource: `model/${model}/v1/card`, status: 200, source: '127.0.0.1' }),
        expect.objectContaining({ principal: 'vera', action: 'models.evaluation', status: 200 }),
        expect.objectContaining({ principal: 'ravi.risk', role: `approver:${model}`, action: 'releases.approve', resource: `release/${waiting}`, status: 200 }),
        expect.objectContaining({ principal: 'maria', action: 'releases.start', status: 201 }),
      ]),
    ));
    // Refused before its release was looked up: no model on the row, but the resource names the release.
    const otto = (await api.call('GET', '/v1/audit/access?principal=otto', token.auditor)).json();
    expect(otto).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'releases.approve', resource: `release/${waiting}`, status: 403, role: 'operator' })]));
  });

  it('verifies the audit record through the API: chain, signed head, release histories and tables agree', async () => {
    refusedNaming({ status: 403, problem: (await api.call('GET', '/v1/audit/verify', token.operator)).json() }, 'auditor or admin');
    const report = (await api.call('GET', '/v1/audit/verify?history=true', token.auditor)).json();
    expect(report).toMatchObject({ ok: true, problems: [], anchors: { signedHead: { signatureChecked: true } } });
    expect(report.anchors.history.heads).toBeGreaterThan(0);
    expect(report.anchors.signedHead.seq).toBe(report.head.seq);
  });

  it('serves the CLI with --api: same output as the direct path, the principal from STEWARD_TOKEN, --as refused with auth on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-cli-api-'));
    const base = { PATH: process.env.PATH, HOME: process.env.HOME, STEWARD_HOME: join(dir, '.steward') };
    const direct = { ...base, TEMPORAL_ADDRESS: h.temporalAddress, DATABASE_URL: h.databaseUrl, STEWARD_ARTIFACTS: h.artifactsDir };
    const steward = (env: NodeJS.ProcessEnv, ...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolveRun) => {
        const child = spawn(process.execPath, [join(projectRoot, 'bin/steward.mjs'), ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('exit', (code) => resolveRun({ code: code ?? -1, stdout, stderr }));
      });
    const viaApi = (t: string) => ({ ...base, STEWARD_API: api.url, STEWARD_TOKEN: t });
    const pairs: string[][] = [['status', waiting, '--json'], ['status', waiting], ['models', '--json'], ['versions', model]];
    const outputs = await Promise.all(pairs.flatMap((args) => [steward(direct, ...args), steward(viaApi(token.admin), ...args)]));
    for (let i = 0; i < pairs.length; i++) {
      expect(outputs[2 * i].code, outputs[2 * i].stderr).toBe(0);
      expect(outputs[2 * i + 1].stdout, pairs[i].join(' ')).toBe(outputs[2 * i].stdout);
    }

    const refusedAs = await steward({ ...direct, STEWARD_AUTH: 'on' }, 'approve', waiting, '--as', 'ravi.risk');
    expect(refusedAs.code).toBe(1);
    expect(refusedAs.stderr).toMatch(/auth is on: the principal comes from your API token/);
    const forbidden = await steward(viaApi(token.viewer), 'approve', waiting, '--comment', 'x');
    expect(forbidden.stderr).toMatch(/Forbidden: vera may not approve or reject releases: needs approver or admin; has viewer/);
    const access = await steward(viaApi(token.auditor), 'audit', 'access', '--model', model, '--since', '1h');
    expect(access.stdout).toMatch(/ravi\.risk\s+approver:income-api\s+POST\s+releases\.approve/);
    const policyFile = join(dir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify(testPolicy('income-api-cli')));
    expect((await steward(viaApi(token.admin), 'register', policyFile)).stdout).toMatch(/registered income-api-cli/);
  });

  it('refuses, with auth on at the workers, a release started past the API (without its key) before anything is written', async () => {
    const activities = createReleaseActivities({ db: h.database.db, artifacts: h.artifacts, compute: h.compute, codeVersion: 'test', requiredDecisionKey: api.deps.decisionKey.publicKeyHex });
    const input = { model, dataFile: adultTrainingSlice(100), requestedBy: 'maria' };
    await expect(activities.beginRelease({ releaseId: 'release-income-api-bypass', input })).rejects.toThrow(/auth is on: releases are started through the control API.*carries none/);
    await expect(activities.beginRelease({ releaseId: 'release-income-api-bypass', input: { ...input, decisionKey: 'a'.repeat(64) } })).rejects.toThrow(/carries another key/);
    expect((await api.call('GET', '/v1/audit/events?release=release-income-api-bypass', token.auditor)).json()).toEqual([]);
  });
});
