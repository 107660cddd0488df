/**
 * Rollouts and rollback through the control API, end to end: real workers, Temporal, PostgreSQL and a
 * serving gateway with live traffic, the API on loopback. An operator rolls a version out over the API
 * and it completes on the live analysis; a viewer reads its state but may not act (403 naming the
 * role); the operator pauses and resumes it; the operator rolls back with a reason, and a version
 * marked bad is refused unless overridden; bad bodies answer problem documents naming the field; and
 * the CLI's `--api` mode starts and aborts a rollout with the principal from the token.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate, compileErrors } from '@readme/openapi-parser';
import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main';
import { auditEvents, modelVersions, production, rollouts } from '../../db/schema';
import { registerModel } from '../../lib/registry/models';
import type { RollbackResult, RolloutState } from '../../lib/rollout/types';
import type { Gateway } from '../../serving/gateway';
import { startTestApi, type TestApi } from '../support/api';
import { registerTestModel, testPolicy } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';
import { adultInstances, registerTrainedVersion, startTestGateway, startTraffic } from '../support/serving';
import { until as poll } from '../support/until';

const model = 'income-rollout-api';
/** The shared poll, with this file's patience (30 s) and pace (250 ms). */
const until = <T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30000) => poll(check, what, { timeoutMs, intervalMs: 250 });

describe('rollouts and rollback through the control API', () => {
  let h: Harness;
  let api: TestApi;
  let gw: Gateway;
  let instances: Record<string, unknown>[];
  const token = { viewer: '', operator: '', stranger: '', otherOperator: '' };
  const path = `/v1/models/${model}/rollout`;

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres', trainingWorker: false });
    api = await startTestApi(h);
    const policy = testPolicy(model);
    // Only otto (and the approvers) may steer rollouts of this model, whatever role a token grants.
    policy.operators = ['otto'];
    policy.rollout = {
      ...policy.rollout,
      strategy: 'canary',
      steps: [50, 100],
      interval: 60_000,
      measurements: 1,
      bakeTime: 0,
      analysis: { ...policy.rollout.analysis, minRequests: 15, maxErrorRate: 0.05, maxLatencyP99Ms: 500, maxPredictionDrift: 5 },
    };
    await registerModel(h.database.db, policy);
    await registerTestModel(h.database.db, `${model}-other`);
    await registerTrainedVersion(h.database.db, h.artifacts, policy, { rows: 1500, promote: true });
    await registerTrainedVersion(h.database.db, h.artifacts, policy, { rows: 1500, skip: 1500, approvedBy: 'bob' });
    gw = await startTestGateway(h.database.db, h.artifacts);
    instances = (await adultInstances(policy, 200)).instances;
    token.viewer = await api.token('vera', 'viewer');
    token.operator = await api.token('otto', 'operator', model);
    token.stranger = await api.token('oscar', 'operator', model);
    token.otherOperator = await api.token('olga', 'operator', `${model}-other`);
  }, 120_000);
  afterAll(async () => {
    await gw?.close();
    await api?.close();
    await h?.close();
  });

  const problem = (r: { statusCode: number; headers: Record<string, unknown>; json(): unknown }) => {
    expect(String(r.headers['content-type'])).toMatch(/^application\/problem\+json/);
    return r.json() as { status: number; failureType?: string; field?: string; requiredRole?: string; detail: string };
  };
  const productionOf = async () => (await h.database.db.select().from(production).where(eq(production.model, model)))[0]?.version;
  const statusOf = async (v: number) => (await h.database.db.select().from(modelVersions).where(and(eq(modelVersions.model, model), eq(modelVersions.version, v))))[0]?.status;

  it('lets an operator roll a version out on live traffic until it completes; a viewer reads its state but may not steer it', async () => {
    const needs = `operator or admin (for model ${model} or globally)`;
    expect(problem(await api.call('POST', path, token.viewer, { version: 2 }))).toMatchObject({ status: 403, failureType: 'Forbidden', requiredRole: needs });
    expect(problem(await api.call('POST', path, token.otherOperator, { version: 2 }))).toMatchObject({ status: 403, requiredRole: needs });
    expect(problem(await api.call('POST', path, token.operator, { version: 'two' }))).toMatchObject({ status: 400, failureType: 'InvalidInput', field: '/body/version' });
    expect(problem(await api.call('POST', path, token.operator, { version: 2, steps: [50, 40] }))).toMatchObject({ status: 400, field: '/body/steps/1' });
    expect(problem(await api.call('POST', path, token.operator, { version: 2, interval: 'soon' }))).toMatchObject({ status: 400, field: '/body/interval' });
    expect(problem(await api.call('POST', path, token.operator, { version: 2, overrideBad: true }))).toMatchObject({ status: 400, field: '/body/reason' });
    // The requester is the token's principal: a body that names one is refused.
    expect(problem(await api.call('POST', path, token.operator, { version: 2, requestedBy: 'mallory' }))).toMatchObject({ status: 400 });
    expect(problem(await api.call('POST', path, token.operator, { version: 99 }))).toMatchObject({ status: 404, failureType: 'NotFound', detail: expect.stringContaining('no version 99') });
    expect(problem(await api.call('POST', '/v1/models/no-such-model/rollout', token.operator, { version: 2 }))).toMatchObject({ status: 403 });
    expect(problem(await api.call('GET', '/v1/models/no-such-model/rollout', token.viewer))).toMatchObject({ status: 404, failureType: 'NotFound' });
    expect(problem(await api.call('GET', path, token.viewer))).toMatchObject({ status: 404, detail: expect.stringContaining('no rollout') });
    // The role lets oscar ask; the policy does not list him, and the workflow's refusal comes back synchronously.
    expect(problem(await api.call('POST', path, token.stranger, { version: 2 }))).toMatchObject({ status: 403, failureType: 'UnauthorizedOperator' });

    const traffic = startTraffic(gw.url, model, instances, 40);
    let final: RolloutState;
    try {
      const started = await api.call('POST', path, token.operator, { version: 2, interval: '2500ms', steps: [50, 100] });
      expect(started.statusCode, started.body).toBe(201);
      expect(started.json()).toMatchObject({ model, workflowId: `rollout-${model}`, state: { status: 'running', requestedBy: 'otto', baselineVersion: 1, strategy: 'canary', steps: [50, 100] } });
      expect(started.json().state.stage).not.toBe('starting');
      expect(problem(await api.call('POST', path, token.operator, { version: 2 }))).toMatchObject({ status: 409, failureType: 'RolloutConflict' });

      const read = await api.call('GET', path, token.viewer);
      expect(read.statusCode, read.body).toBe(200);
      expect(read.json()).toMatchObject({ model, version: 2, status: 'running', weight: 50, step: 0, operators: expect.arrayContaining(['otto']) });
      const refused = problem(await api.call('POST', `${path}/pause`, token.viewer, { reason: 'curious' }));
      expect(refused).toMatchObject({ status: 403, requiredRole: needs });
      expect(refused.detail).toContain('vera may not start, pause, resume, abort or promote rollouts');
      expect(problem(await api.call('POST', `${path}/abort`, token.operator, { reason: 'x', by: 'mallory' }))).toMatchObject({ status: 400 });

      const paused = await api.call('POST', `${path}/pause`, token.operator, { reason: 'checking dashboards' });
      expect(paused.statusCode, paused.body).toBe(200);
      expect(paused.json()).toMatchObject({ stage: 'paused', decisions: [{ action: 'pause', principal: 'otto', reason: 'checking dashboards' }] });
      expect(problem(await api.call('POST', `${path}/pause`, token.operator, {}))).toMatchObject({ status: 409, failureType: 'AlreadyDecided' });
      const resumed = await api.call('POST', `${path}/resume`, token.operator, {});
      expect(resumed.statusCode, resumed.body).toBe(200);
      expect(resumed.json().decisions.map((d: { action: string }) => d.action)).toEqual(['pause', 'resume']);

      final = await until(async () => {
        const s = (await api.call('GET', path, token.viewer)).json() as RolloutState;
        return s.status === 'running' ? undefined : s;
      }, 'the rollout to end', 45_000);
    } finally {
      await traffic.stop();
    }
    expect(final).toMatchObject({ status: 'completed', weight: 100, step: 1, stage: 'done' });
    expect(final.measurements.filter((m) => m.verdict === 'pass').length).toBe(2);
    expect(final.measurements.at(-1)!.candidate!.predictions).toBeGreaterThanOrEqual(15);
    expect(await productionOf()).toBe(2);
    const [row] = await h.database.db.select().from(rollouts).where(and(eq(rollouts.model, model), eq(rollouts.version, 2)));
    expect(row).toMatchObject({ status: 'completed', requestedBy: 'otto' });
    const events = await h.database.db.select().from(auditEvents).where(and(eq(auditEvents.model, model), like(auditEvents.action, 'rollout.%')));
    expect(events.filter((e) => e.action === 'rollout.started').map((e) => e.actor)).toEqual(['otto']);
  }, 90_000);

  it('lets an operator roll back with a reason, and refuses a version marked bad unless overridden', async () => {
    const rollbackPath = `/v1/models/${model}/rollback`;
    expect(problem(await api.call('POST', rollbackPath, token.operator, {}))).toMatchObject({ status: 400, failureType: 'InvalidInput', field: '/body/reason' });
    expect(problem(await api.call('POST', rollbackPath, token.operator, { reason: '   ' }))).toMatchObject({ status: 400, field: '/body/reason' });
    expect(problem(await api.call('POST', rollbackPath, token.operator, { reason: 'x', to: 0 }))).toMatchObject({ status: 400, field: '/body/to' });
    expect(problem(await api.call('POST', rollbackPath, token.viewer, { reason: 'curious' }))).toMatchObject({ status: 403, requiredRole: expect.stringContaining('operator or admin') });
    expect(problem(await api.call('POST', rollbackPath, token.operator, { reason: 'x', to: 99 }))).toMatchObject({ status: 404 });
    expect(await productionOf()).toBe(2);

    const rolledBack = await api.call('POST', rollbackPath, token.operator, { reason: 'complaints about v2 scores' });
    expect(rolledBack.statusCode, rolledBack.body).toBe(200);
    expect(rolledBack.json()).toMatchObject({ model, from: 2, to: 1, markedBad: 2, overrideBad: false, requestedBy: 'otto', reason: 'complaints about v2 scores' } satisfies Partial<RollbackResult>);
    expect(await productionOf()).toBe(1);
    expect(await statusOf(2)).toBe('bad');

    // v2 is marked bad now: neither a rollback nor a rollout goes back to it without an override.
    const refused = problem(await api.call('POST', rollbackPath, token.operator, { to: 2, reason: 'try v2 again' }));
    expect(refused).toMatchObject({ status: 409, failureType: 'BadVersion', detail: expect.stringContaining('v2 of income-rollout-api is marked bad') });
    expect(problem(await api.call('POST', path, token.operator, { version: 2 }))).toMatchObject({ status: 409, failureType: 'BadVersion' });
    expect(await productionOf()).toBe(1);

    const overridden = await api.call('POST', rollbackPath, token.operator, { to: 2, reason: 'v1 leaks; the v2 complaints were a client bug', overrideBad: true });
    expect(overridden.statusCode, overridden.body).toBe(200);
    expect(overridden.json()).toMatchObject({ from: 1, to: 2, markedBad: 1, overrideBad: true });
    expect(await productionOf()).toBe(2);
    const rollbacks = await h.database.db.select().from(auditEvents).where(and(eq(auditEvents.model, model), eq(auditEvents.action, 'rollback')));
    expect(rollbacks.map((e) => [e.actor, (e.payload as { reason: string }).reason])).toEqual([
      ['otto', 'complaints about v2 scores'],
      ['otto', 'v1 leaks; the v2 complaints were a client bug'],
    ]);
  }, 60_000);

  it("starts and aborts a rollout from the CLI through --api, the principal from the token", async () => {
    const home = mkdtempSync(join(tmpdir(), 'steward-api-rollouts-'));
    async function steward(tokenValue: string, ...argv: string[]) {
      let stdout = '';
      let stderr = '';
      const code = await runCli(argv, { env: { STEWARD_API: api.url, STEWARD_TOKEN: tokenValue, STEWARD_HOME: home }, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
      return { code, stdout, stderr };
    }
    const asFlag = await steward(token.operator, 'rollback', model, '--reason', 'x', '--as', 'mallory');
    expect(asFlag.code).not.toBe(0);
    expect(asFlag.stderr).toContain('--as');
    // v1 is marked bad (the override above left it): the CLI's override with a reason goes through.
    const refused = await steward(token.operator, 'rollout', model, '1', '--interval', '2s');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/marked bad/);
    const started = await steward(token.operator, 'rollout', model, '1', '--interval', '2s', '--override-bad', '--reason', 'rehearsing the v1 fix', '--json');
    expect(started.code, started.stderr).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({ rolloutId: `rollout-${model}` });

    const viewerAbort = await steward(token.viewer, 'rollout', 'abort', model, '--reason', 'curious');
    expect(viewerAbort.code).not.toBe(0);
    expect(viewerAbort.stderr).toContain('needs operator or admin');
    const aborted = await steward(token.operator, 'rollout', 'abort', model, '--reason', 'rehearsal over', '--json');
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(JSON.parse(aborted.stdout)).toMatchObject({ version: 1, requestedBy: 'otto', overrideBad: { reason: 'rehearsing the v1 fix' }, decisions: [{ action: 'abort', principal: 'otto', reason: 'rehearsal over' }] });

    const status = await until(async () => {
      const r = await steward(token.viewer, 'rollout', 'status', model, '--json');
      expect(r.code, r.stderr).toBe(0);
      const s = JSON.parse(r.stdout) as RolloutState;
      return s.status === 'running' ? undefined : s;
    }, 'the aborted rollout to end');
    expect(status).toMatchObject({ status: 'aborted', reason: 'aborted by otto: rehearsal over' });
    expect(await productionOf()).toBe(2);
  }, 60_000);

  it('documents the rollout resources in a valid OpenAPI 3.1 document', async () => {
    const doc = (await api.call('GET', '/openapi.json', undefined)).json();
    const result = await validate(structuredClone(doc));
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    for (const p of ['/v1/models/{model}/rollout', '/v1/models/{model}/rollout/pause', '/v1/models/{model}/rollout/resume', '/v1/models/{model}/rollout/abort', '/v1/models/{model}/rollout/promote', '/v1/models/{model}/rollback']) {
      expect(doc.paths[p], p).toBeDefined();
    }
    expect(doc.paths['/v1/models/{model}/rollback'].post.responses['403'].content['application/problem+json']).toBeDefined();
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['RolloutState', 'RolloutMeasurement', 'RolloutStartRequest', 'RollbackRequest', 'RollbackResult']));
  });
});
