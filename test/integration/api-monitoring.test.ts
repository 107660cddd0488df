/**
 * Monitors and incidents through the control API, end to end: real workers, Temporal and PostgreSQL,
 * the API on loopback. An operator starts a monitor, a viewer reads its state and windows but may not
 * stop it (403 naming the role), the operator stops it; an incident is opened, listed, acknowledged,
 * worked through, resolved and written up over the API; bad bodies answer problem documents naming the
 * field; and the CLI's `--api` mode reads the same resources.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate, compileErrors } from '@readme/openapi-parser';
import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main';
import { auditEvents } from '../../db/schema';
import { startTestApi, type TestApi } from '../support/api';
import { registerTestModel } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';
import { until as poll } from '../support/until';

const model = 'income-monitored-api';
/** The shared poll, with this file's patience (30 s) and pace (200 ms). */
const until = <T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30000) => poll(check, what, { timeoutMs, intervalMs: 200 });

describe('monitors and incidents through the control API', () => {
  let h: Harness;
  let api: TestApi;
  const token = { viewer: '', operator: '', otherOperator: '', admin: '' };
  let incident: string;

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres', trainingWorker: false });
    api = await startTestApi(h);
    await registerTestModel(h.database.db, model);
    await registerTestModel(h.database.db, `${model}-2`);
    token.viewer = await api.token('vera', 'viewer');
    token.operator = await api.token('otto', 'operator', model);
    token.otherOperator = await api.token('olga', 'operator', `${model}-2`);
    token.admin = await api.token('root', 'admin');
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await h?.close();
  });

  const problem = (r: { statusCode: number; headers: Record<string, unknown>; json(): unknown }) => {
    expect(String(r.headers['content-type'])).toMatch(/^application\/problem\+json/);
    return r.json() as { status: number; failureType?: string; field?: string; requiredRole?: string; detail: string };
  };

  it('lets an operator start a monitor, a viewer read its state and windows but not stop it, and the operator stop it', async () => {
    const monitor = `/v1/models/${model}/monitor`;
    const refusedStart = problem(await api.call('POST', monitor, token.viewer, { window: '2s' }));
    expect(refusedStart).toMatchObject({ status: 403, requiredRole: `operator or admin (for model ${model} or globally)` });
    // An operator of another model is refused too: the grant is per model.
    expect(problem(await api.call('POST', monitor, token.otherOperator, { window: '2s' }))).toMatchObject({ status: 403 });
    expect(problem(await api.call('POST', monitor, token.operator, { window: 'soon' }))).toMatchObject({ status: 400, failureType: 'InvalidInput', field: '/body/window' });
    expect(problem(await api.call('POST', monitor, token.operator, { budgets: { errorRate: 2 } }))).toMatchObject({ status: 400, field: '/body/budgets/errorRate' });
    expect(problem(await api.call('POST', monitor, token.operator, { window: '2s', requestedBy: 'mallory' }))).toMatchObject({ status: 400 });
    expect(problem(await api.call('POST', '/v1/models/no-such-model/monitor', token.admin, {}))).toMatchObject({ status: 404, failureType: 'NotFound' });

    const started = await api.call('POST', monitor, token.operator, { window: '2s', budgets: { errorRate: 0.05 } });
    expect(started.statusCode, started.body).toBe(201);
    expect(started.json()).toMatchObject({ model, workflowId: `monitor-${model}` });
    expect(problem(await api.call('POST', monitor, token.operator, { window: '2s' }))).toMatchObject({ status: 409, failureType: 'MonitorConflict' });

    const state = await api.call('GET', monitor, token.viewer);
    expect(state.statusCode, state.body).toBe(200);
    expect(state.json()).toMatchObject({ model, status: 'running', settings: { window: 2000, budgets: { errorRate: 0.05 } } });
    // The monitor computes a window every 2 s (after its 5 s lag): no traffic, so empty windows.
    const windows = await until(async () => {
      const r = await api.call('GET', `${monitor}/windows?last=5`, token.viewer);
      expect(r.statusCode, r.body).toBe(200);
      const body = r.json() as { windows: Array<{ index: number; volume: number }>; next: null };
      return body.windows.length >= 2 ? body : undefined;
    }, 'two monitor windows');
    expect(windows.windows.slice(0, 2)).toMatchObject([{ index: 0, volume: 0 }, { index: 1, volume: 0 }]);
    const page = (await api.call('GET', `${monitor}/windows?from=0&limit=1`, token.viewer)).json();
    expect(page).toMatchObject({ model, windows: [{ index: 0 }], next: 1 });
    expect(problem(await api.call('GET', `${monitor}/windows?from=0&last=2`, token.viewer))).toMatchObject({ status: 400, field: '/query/last' });
    expect(problem(await api.call('GET', `${monitor}/windows?last=0`, token.viewer))).toMatchObject({ status: 400, field: '/query/last' });

    const refusedStop = problem(await api.call('POST', `${monitor}/stop`, token.viewer, { reason: 'curious' }));
    expect(refusedStop).toMatchObject({ status: 403, requiredRole: expect.stringContaining('operator') });
    expect(refusedStop.detail).toContain('vera may not start or stop monitors');
    expect((await api.call('GET', monitor, token.viewer)).json()).toMatchObject({ status: 'running' });

    const stopped = await api.call('POST', `${monitor}/stop`, token.operator, { reason: 'maintenance window' });
    expect(stopped.statusCode, stopped.body).toBe(200);
    expect(stopped.json()).toMatchObject({ model, status: 'stopped', stoppedBy: 'otto' });
    // The principal recorded is the token's, in the audit record too.
    const events = await h.database.db.select().from(auditEvents).where(and(eq(auditEvents.model, model), like(auditEvents.action, 'monitor.%')));
    expect(events.map((e) => [e.action, e.actor])).toEqual(expect.arrayContaining([['monitor.started', 'otto'], ['monitor.stopped', 'otto']]));
    expect((await api.call('GET', monitor, token.viewer)).json()).toMatchObject({ status: 'stopped' });
  }, 60_000);

  it('opens, lists, acknowledges, steps through and resolves an incident as operators, and gives its postmortem to viewers', async () => {
    expect(problem(await api.call('POST', '/v1/incidents', token.viewer, { model, severity: 'SEV3', summary: 'x' }))).toMatchObject({ status: 403, requiredRole: expect.stringContaining('operator or admin') });
    expect(problem(await api.call('POST', '/v1/incidents', token.operator, { model, severity: 'SEV9', summary: 'x' }))).toMatchObject({ status: 400, field: '/body/severity' });
    const opened = await api.call('POST', '/v1/incidents', token.operator, { model, severity: 'SEV3', summary: 'error rate above budget in windows 0 and 1', windows: [0, 1], ackTimeout: '1h' });
    expect(opened.statusCode, opened.body).toBe(201);
    incident = opened.json().id;
    expect(incident).toMatch(new RegExp(`^incident-${model}-`));

    const listed = await until(async () => {
      const rows = (await api.call('GET', `/v1/incidents?model=${model}`, token.viewer)).json() as Array<{ id: string; status: string; openedBy: string }>;
      return rows.length ? rows : undefined;
    }, 'the incident row');
    expect(listed).toEqual([expect.objectContaining({ id: incident, status: 'open', severity: 'SEV3', openedBy: 'otto' })]);
    expect((await api.call('GET', `/v1/incidents?model=${model}&status=resolved`, token.viewer)).json()).toEqual([]);
    expect(problem(await api.call('GET', '/v1/incidents?status=closed', token.viewer))).toMatchObject({ status: 400, field: '/query/status' });

    const path = `/v1/incidents/${incident}`;
    // A viewer holds the role for no model at all: refused before the incident is looked up.
    expect(problem(await api.call('POST', `${path}/acknowledge`, token.viewer, {}))).toMatchObject({ status: 403, requiredRole: 'operator or admin' });
    expect(problem(await api.call('POST', `${path}/acknowledge`, token.otherOperator, {}))).toMatchObject({ status: 403, requiredRole: `operator or admin (for model ${model} or globally)` });
    const acked = await api.call('POST', `${path}/acknowledge`, token.operator, {});
    expect(acked.statusCode, acked.body).toBe(200);
    expect(acked.json()).toMatchObject({ status: 'acknowledged', commander: 'otto' });
    expect(problem(await api.call('POST', `${path}/acknowledge`, token.operator, {}))).toMatchObject({ status: 400, detail: expect.stringContaining('already acknowledged') });

    expect(problem(await api.call('POST', `${path}/steps`, token.operator, { step: 'pray' }))).toMatchObject({ status: 400, field: '/body/step' });
    expect(problem(await api.call('POST', `${path}/steps`, token.operator, { note: 'no step' }))).toMatchObject({ status: 400, field: '/body/step' });
    const stepped = await api.call('POST', `${path}/steps`, token.operator, { step: 'assess impact', note: 'two empty windows' });
    expect(stepped.statusCode, stepped.body).toBe(200);
    expect(stepped.json().steps).toContainEqual(expect.objectContaining({ name: 'assess impact', status: 'done', by: 'otto', note: 'two empty windows' }));

    expect(problem(await api.call('POST', `${path}/resolve`, token.operator, { resolution: '  ' }))).toMatchObject({ status: 400, field: '/body/resolution' });
    const resolved = await api.call('POST', `${path}/resolve`, token.operator, { resolution: 'budget raised after review' });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(resolved.json()).toMatchObject({ status: 'resolved', resolution: 'budget raised after review' });
    expect((await api.call('GET', path, token.viewer)).json()).toMatchObject({ id: incident, status: 'resolved', timeline: expect.arrayContaining([expect.objectContaining({ kind: 'resolved', actor: 'otto' })]) });
    await until(async () => ((await api.call('GET', `/v1/incidents?model=${model}&status=resolved`, token.viewer)).json() as unknown[]).length === 1 || undefined, 'the resolved row');

    const postmortem = await api.call('GET', `${path}/postmortem`, token.viewer);
    expect(postmortem.statusCode, postmortem.body).toBe(200);
    const pm = postmortem.json() as { status: string; markdown: string; html: string };
    expect(pm.status).toBe('resolved');
    expect(pm.markdown).toContain('error rate above budget in windows 0 and 1');
    expect(pm.markdown).toMatch(/\[x\] assess impact \(manual\) by otto: two empty windows/);
    expect(pm.html).toMatch(/^<!doctype html>/i);

    expect(problem(await api.call('GET', '/v1/incidents/incident-nope', token.viewer))).toMatchObject({ status: 404, failureType: 'NotFound' });
    // A workflow that is not an incident (the monitor) is not one here either.
    expect(problem(await api.call('GET', `/v1/incidents/monitor-${model}`, token.viewer))).toMatchObject({ status: 404 });
    // Refused before the incident is looked up: a viewer may not act on any incident.
    expect(problem(await api.call('POST', '/v1/incidents/incident-nope/resolve', token.viewer, { resolution: 'x' }))).toMatchObject({ status: 403 });
  }, 60_000);

  it('serves the same resources to the CLI through --api, the principal from the token', async () => {
    const out = mkdtempSync(join(tmpdir(), 'steward-api-monitoring-'));
    async function steward(tokenValue: string, ...argv: string[]) {
      let stdout = '';
      let stderr = '';
      const code = await runCli(argv, { env: { STEWARD_API: api.url, STEWARD_TOKEN: tokenValue, STEWARD_HOME: out }, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
      return { code, stdout, stderr };
    }
    const list = await steward(token.viewer, 'incident', 'list', model, '--json');
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: incident, status: 'resolved' })]);
    const pm = await steward(token.viewer, 'incident', 'postmortem', incident, '--out', out);
    expect(pm.code, pm.stderr).toBe(0);
    expect(readFileSync(join(out, 'postmortem.md'), 'utf8')).toContain('budget raised after review');
    const status = await steward(token.viewer, 'monitor', 'status', model, '--json');
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'stopped', stoppedBy: 'otto' });
    const windows = await steward(token.viewer, 'monitor', model, '--last', '2', '--json');
    expect(JSON.parse(windows.stdout)).toMatchObject({ model, windows: [{ index: expect.any(Number) }, { index: expect.any(Number) }] });
    const refused = await steward(token.viewer, 'monitor', 'start', model, '--window', '2s');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('needs operator or admin');
    const asFlag = await steward(token.operator, 'incident', 'ack', incident, '--as', 'mallory');
    expect(asFlag.code).not.toBe(0);
    expect(asFlag.stderr).toContain('--as');
  }, 60_000);

  it('documents the monitor and incident resources in a valid OpenAPI 3.1 document', async () => {
    const doc = (await api.call('GET', '/openapi.json', undefined)).json();
    const result = await validate(structuredClone(doc));
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    for (const path of ['/v1/models/{model}/monitor', '/v1/models/{model}/monitor/windows', '/v1/models/{model}/monitor/stop', '/v1/incidents', '/v1/incidents/{id}', '/v1/incidents/{id}/acknowledge', '/v1/incidents/{id}/steps', '/v1/incidents/{id}/resolve', '/v1/incidents/{id}/postmortem']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.paths['/v1/models/{model}/monitor/stop'].post.responses['403'].content['application/problem+json']).toBeDefined();
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['MonitorState', 'MonitorWindow', 'IncidentState', 'IncidentSummary', 'Postmortem']));
  });
});
