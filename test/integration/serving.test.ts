import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, modelVersions, predictionLog } from '../../db/schema';
import { runCli } from '../../cli/main';
import { predictProba } from '../../lib/model/predict';
import { loadModel } from '../../lib/model/serialize';
import { registerModel } from '../../lib/registry/models';
import { verifyAuditChain } from '../../lib/registry/audit';
import { replaceRoutes } from '../../lib/serving/routes';
import { hashRequestKey } from '../../lib/serving/privacy';
import { ensureLogRetentionSchedule } from '../../lib/serving/schedule';
import { logRetention, taskQueues } from '../../lib/core/names';
import type { Gateway } from '../../serving/gateway';
import { testPolicy } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';
import { findBinDir } from '../support/postgres';
import { adultInstances, predictOver, registerTrainedVersion, startTestGateway, testLogSecret } from '../support/serving';

/** Runs the CLI in this process against the harness's database and artifacts. */
async function steward(h: Harness, home: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env: { DATABASE_URL: h.databaseUrl, STEWARD_ARTIFACTS: h.artifactsDir, STEWARD_HOME: home, STEWARD_LOG_KEY: testLogSecret.toString('utf8'), STEWARD_USER: 'dora.dpo' },
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('serving gateway', () => {
  let h: Harness;
  let gw: Gateway;
  const home = mkdtempSync(join(tmpdir(), 'steward-serving-home-'));
  const policy = testPolicy('income-served');

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres', trainingWorker: false });
    await registerModel(h.database.db, policy);
    await registerTrainedVersion(h.database.db, h.artifacts, policy, { rows: 2000, promote: true, hiddenUnits: [32, 16] });
    gw = await startTestGateway(h.database.db, h.artifacts);
  });
  afterAll(async () => {
    await gw?.close();
    await h?.close();
  });

  it('serves 1,000 Adult rows with the scores `steward predict` gives offline, within 1e-6 of TF.js', async () => {
    const { file, instances, table } = await adultInstances(policy, 1000);
    const served: number[] = [];
    for (let i = 0; i < instances.length; i += 100) {
      const res = await predictOver(gw.url, policy.model, instances.slice(i, i + 100));
      expect(res.status).toBe(200);
      expect(res.body.model_version).toBe('1');
      expect(res.body.prediction_ids).toHaveLength(Math.min(100, instances.length - i));
      served.push(...res.body.predictions!);
    }
    // Single-row requests score alike.
    for (const i of [0, 17, 999]) expect((await predictOver(gw.url, policy.model, [instances[i]])).body.predictions).toEqual([served[i]]);

    const out = join(home, 'scores.csv');
    const run = await steward(h, home, 'predict', policy.model, '--data', file, '--out', out);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const offline = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
    expect(offline).toHaveLength(1000);
    expect(served).toEqual(offline);

    const [v1] = await h.database.db.select().from(modelVersions).where(and(eq(modelVersions.model, policy.model), eq(modelVersions.version, 1)));
    const tfjs = await loadModel(await h.artifacts.get(v1.modelSha256));
    const reference = predictProba(tfjs.model, tfjs.pipeline, table);
    tfjs.model.dispose();
    expect(Math.max(...served.map((s, i) => Math.abs(s - reference[i])))).toBeLessThan(1e-6);
  });

  it('refuses bad requests with 400 naming the field and the reason, 413 for an oversized body, 404 for an unknown model, and keeps serving', async () => {
    const { instances } = await adultInstances(policy, 3);
    const good = instances[0];
    const cases: [unknown, string, RegExp][] = [
      [[good, good, { ...good, nickname: 'x' }], 'instances[2].nickname', /unknown column/],
      [[good, { ...good, age: 'forty' }], 'instances[1].age', /wrong type: expected an integer, got the string "forty"/],
      [[good, { ...good, age: 39.5 }], 'instances[1].age', /wrong type: expected an integer, got 39.5/],
      [[(({ education: _e, ...rest }) => rest)(good)], 'instances[0].education', /missing feature/],
      [[{ ...good, age: null }], 'instances[0].age', /no missing age/],
      [[{ ...good, income: '>50K' }], 'instances[0].income', /is the label column/],
      [[], 'instances', /at least one instance/],
      [[[1, 2]], 'instances[0]', /./],
    ];
    for (const [body, field, message] of cases) {
      const res = await predictOver(gw.url, policy.model, body);
      expect(res.status, field).toBe(400);
      expect(res.body.field).toBe(field);
      expect(res.body.error).toMatch(message);
    }
    const tooMany = await predictOver(gw.url, policy.model, Array.from({ length: 1001 }, () => good));
    expect(tooMany).toMatchObject({ status: 400, body: { field: 'instances', error: expect.stringMatching(/too many rows: at most 1000/) } });
    const notJson = await predictOver(gw.url, policy.model, undefined, { rawBody: '{"instances": [' });
    expect(notJson.status).toBe(400);
    const huge = await predictOver(gw.url, policy.model, undefined, { rawBody: JSON.stringify({ instances: [{ ...good, workclass: 'x'.repeat(1_100_000) }] }) });
    expect(huge).toMatchObject({ status: 413, body: { error: expect.stringMatching(/body too large/) } });
    const unknown = await predictOver(gw.url, 'no-such-model', [good]);
    expect(unknown).toMatchObject({ status: 404, body: { type: 'NotFound' } });
    expect((await predictOver(gw.url, policy.model, [good])).status).toBe(200);
  });

  it('follows route changes within a second: a sticky split by request key, shadow versions logged and never returned', async () => {
    const db = h.database.db;
    const v2 = await registerTrainedVersion(db, h.artifacts, policy, { rows: 1500, skip: 2000 });
    const v3 = await registerTrainedVersion(db, h.artifacts, policy, { rows: 1500, skip: 4000 });
    const changedAt = Date.now();
    const generation = await db.transaction((tx) =>
      replaceRoutes(tx, {
        model: policy.model,
        routes: [
          { version: 1, weight: 70, mode: 'serve' },
          { version: v2, weight: 30, mode: 'serve' },
          { version: v3, weight: 0, mode: 'shadow' },
        ],
        owner: 'test',
        reason: 'test split',
      }),
    );
    const described = await until(async () => {
      const body = (await (await fetch(`${gw.url}/v1/models/${policy.model}`)).json()) as { generation: number; versions: { version: string; traffic_percent: number; mode: string }[] };
      return body.generation === generation ? body : undefined;
    }, 'the gateway to serve the new routes');
    expect(Date.now() - changedAt).toBeLessThan(1000);
    expect(described.versions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ version: '1', traffic_percent: 70, mode: 'serve' }),
        expect.objectContaining({ version: String(v2), traffic_percent: 30, mode: 'serve' }),
        expect.objectContaining({ version: String(v3), mode: 'shadow' }),
      ]),
    );

    const { instances } = await adultInstances(policy, 1);
    const answered = new Map<string, string>();
    for (let k = 0; k < 60; k++) {
      const key = `customer-${k}`;
      const first = await predictOver(gw.url, policy.model, instances, { key });
      expect(first.status).toBe(200);
      expect(first.body.model_version).not.toBe(String(v3));
      answered.set(key, first.body.model_version!);
      // The same key lands on the same version every time.
      expect((await predictOver(gw.url, policy.model, instances, { key })).body.model_version).toBe(first.body.model_version);
    }
    const shares = [...answered.values()];
    expect(shares.filter((v) => v === String(v2)).length).toBeGreaterThan(5);
    expect(shares.filter((v) => v === '1').length).toBeGreaterThan(25);

    await gw.log.flush();
    const shadow = await until(async () => {
      const rows = await db.select().from(predictionLog).where(and(eq(predictionLog.model, policy.model), eq(predictionLog.version, v3)));
      return rows.length >= 120 ? rows : undefined;
    }, 'shadow predictions in the log');
    expect(shadow.every((r) => r.mode === 'shadow' && r.score !== null)).toBe(true);

    // Back to production alone for the next tests.
    await db.transaction((tx) => replaceRoutes(tx, { model: policy.model, routes: [], owner: null, reason: 'test done' }));
  });

  it('keeps the previous routes serving when a version fails to load, and says why', async () => {
    const db = h.database.db;
    // Production alone serves (the previous test's last change has reached the gateway).
    await until(async () => (gw.catalog.get(policy.model)?.routes.length === 1 ? true : undefined), 'production alone to serve');
    const broken = await registerTrainedVersion(db, h.artifacts, policy, { rows: 1200 });
    await db.update(modelVersions).set({ modelSha256: 'f'.repeat(64) }).where(and(eq(modelVersions.model, policy.model), eq(modelVersions.version, broken)));
    await db.transaction((tx) => replaceRoutes(tx, { model: policy.model, routes: [{ version: broken, weight: 100, mode: 'serve' }], owner: 'test', reason: 'broken' }));
    const described = await until(async () => {
      const body = (await (await fetch(`${gw.url}/v1/models/${policy.model}`)).json()) as { load_error: string | null; versions: { version: string }[] };
      return body.load_error ? body : undefined;
    }, 'the load failure to be reported');
    expect(described.load_error).toMatch(new RegExp(`version ${broken} of ${policy.model} failed to load`));
    expect(described.versions.map((v) => v.version)).toEqual(['1']);
    const { instances } = await adultInstances(policy, 2);
    expect((await predictOver(gw.url, policy.model, instances)).body.model_version).toBe('1');
    expect(await (await fetch(`${gw.url}/metrics`)).text()).toMatch(new RegExp(`steward_model_load_failures_total\\{model="${policy.model}",version="${broken}"\\} [1-9]`));
    await db.transaction((tx) => replaceRoutes(tx, { model: policy.model, routes: [], owner: null, reason: 'test done' }));
  });

  it('exposes Prometheus metrics by model, version and code, with no request data in labels', async () => {
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(text).toMatch(new RegExp(`steward_predict_requests_total\\{model="${policy.model}",version="1",code="200"\\} \\d+`));
    expect(text).toMatch(new RegExp(`steward_predict_requests_total\\{model="${policy.model}",version="1",code="400"\\} \\d+`));
    expect(text).toMatch(/steward_predict_duration_seconds_bucket\{le="0.005",model="income-served",version="1"\} \d+/);
    expect(text).toMatch(/steward_predict_in_flight_requests\{model="income-served"\} 0/);
    expect(text).toMatch(/steward_prediction_log_shed_total/);
    expect(text).toMatch(/steward_routes_generation\{model="income-served"\} \d+/);
    for (const leaked of ['customer-', 'no-such-model', 'forty', 'nickname']) expect(text).not.toContain(leaked);
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);

    // Capacity from a measured curve (as bench:serve writes it) and the peak rate in the log.
    const curve = join(home, 'capacity.json');
    writeFileSync(curve, JSON.stringify({ measuredAt: '2026-11-03T10:00:00Z', machine: 'test', points: [100, 500, 1000].map((r, i) => ({ offeredRps: r, achievedRps: r, p99Ms: [1.5, 2.5, 4.5][i], non2xx: 0, errors: 0 })) }));
    await gw.log.flush();
    const planned = await steward(h, home, 'capacity', policy.model, '--rps', '2500', '--p99', '5', '--curve', curve, '--json');
    expect(planned.code).toBe(0);
    expect(JSON.parse(planned.stdout)).toMatchObject({ plan: { perReplicaRps: 1000, needed: 3, replicas: 4 }, observedPeak: { predictionsPerSecond: expect.any(Number) } });
    expect(JSON.parse(planned.stdout).observedPeak.predictionsPerSecond).toBeGreaterThan(0);
    expect(await (await fetch(`${gw.url}/readyz`)).json()).toMatchObject({ ready: true, models: { 'income-served': { productionVersion: 1 } } });
  });
});

describe('prediction log privacy', () => {
  let h: Harness;
  let gw: Gateway;
  const home = mkdtempSync(join(tmpdir(), 'steward-privacy-home-'));
  const spoolRoot = mkdtempSync(join(tmpdir(), 'steward-privacy-spool-'));
  const model = 'income-private';

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres', trainingWorker: false });
    const base = testPolicy(model);
    await registerModel(h.database.db, base);
    await registerTrainedVersion(h.database.db, h.artifacts, base, { rows: 1500, promote: true });
    // Clients also send an account e-mail (personal: hashed) next to the model's inputs.
    const policy = testPolicy(model);
    policy.contract.columns.push({ name: 'customer-email', type: 'categorical', required: false });
    policy.data.personal = ['customer-email'];
    policy.logging.columns = { 'customer-email': 'hash', age: { generalize: { width: 10 } }, 'native-country': { generalize: { keep: ['United-States', 'Mexico'], other: 'other' } } };
    await registerModel(h.database.db, policy);
    gw = await startTestGateway(h.database.db, h.artifacts, { spoolRoot });
  });
  afterAll(async () => {
    await gw?.close();
    await h?.close();
  });

  it('writes no personal value in clear text anywhere in the database (pg_dump) or the spool; erasure by key removes a person', async () => {
    const email = 'zelda.quintrell@example.org';
    const key = 'acct-88213377-quintrell';
    const country = 'Holand-Netherlands';
    const { instances } = await adultInstances(testPolicy(model), 20);
    const person = { ...instances[0], age: 97, 'native-country': country, sex: 'Female', race: 'Amer-Indian-Eskimo', 'customer-email': email };
    const res = await predictOver(gw.url, model, [person, { ...instances[1], 'customer-email': email }], { key });
    expect(res.status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await predictOver(gw.url, model, [instances[2 + i]], { key: `other-${i}` })).status).toBe(200);
    // While rows sit in the spool (before the flush), the spool holds only transformed values.
    const spooled = readdirSync(spoolRoot, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
      .join('\n');
    await gw.log.flush();

    const db = h.database.db;
    const [row] = await db.select().from(predictionLog).where(eq(predictionLog.id, res.body.prediction_ids![0]));
    expect(row.inputs).toMatchObject({ age: '90-99', 'native-country': 'other', 'customer-email': expect.stringMatching(/^hmac:[0-9a-f]{32}$/) });
    expect(row.inputs).not.toHaveProperty('sex');
    expect(row.inputs).not.toHaveProperty('race');
    expect(row.keyHash).toBe(hashRequestKey(testLogSecret, model, key));

    const dump = execFileSync(join(findBinDir(), 'pg_dump'), ['--data-only', h.databaseUrl!], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    expect(dump).toContain(row.id);
    for (const text of [spooled, dump]) {
      expect(text).not.toContain(email);
      expect(text).not.toContain(key);
      expect(text).not.toContain(country);
    }

    const forgot = await steward(h, home, 'forget', model, '--key', key, '--reason', 'erasure request 2026-114', '--json');
    expect(forgot.stderr).toBe('');
    expect(JSON.parse(forgot.stdout)).toMatchObject({ model, erased: 2 });
    expect(await db.select().from(predictionLog).where(eq(predictionLog.keyHash, row.keyHash!))).toEqual([]);
    expect((await db.select().from(predictionLog).where(eq(predictionLog.model, model))).length).toBe(10);
    const [event] = await db.select().from(auditEvents).where(eq(auditEvents.action, 'log.erased'));
    expect(event).toMatchObject({ actor: 'dora.dpo', model, payload: { predictions: 2, keyHash: row.keyHash, reason: 'erasure request 2026-114' } });
    expect(JSON.stringify(event)).not.toContain(key);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
  });

  it("deletes logged predictions past the policy's retention, from a daily Temporal Schedule, with an audit event", async () => {
    const db = h.database.db;
    const { instances } = await adultInstances(testPolicy(model), 3);
    expect((await predictOver(gw.url, model, instances)).status).toBe(200);
    await gw.log.flush();
    const old = new Date(Date.now() - 40 * 86_400_000);
    await db.update(predictionLog).set({ at: old }).where(eq(predictionLog.model, model));
    expect((await predictOver(gw.url, model, instances.slice(0, 1))).status).toBe(200);
    await gw.log.flush();

    expect(await ensureLogRetentionSchedule(h.client)).toBe('created');
    expect(await ensureLogRetentionSchedule(h.client)).toBe('exists');
    const schedule = await h.client.schedule.getHandle(logRetention.scheduleId).describe();
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: logRetention.workflowType });
    // What the schedule starts each day, run now.
    const deleted = await h.client.workflow.execute(logRetention.workflowType, { taskQueue: taskQueues.control, workflowId: `retention-test-${Date.now()}`, args: [] });
    expect(deleted).toMatchObject({ [model]: 10 + 3 });
    const left = await db.select().from(predictionLog).where(eq(predictionLog.model, model));
    expect(left).toHaveLength(1);
    const [event] = await db.select().from(auditEvents).where(eq(auditEvents.action, 'log.pruned'));
    expect(event).toMatchObject({ model, payload: { predictions: 10 + 3 } });
    await h.client.schedule.getHandle(logRetention.scheduleId).delete();
  });
});

describe('serving on the embedded database', () => {
  let h: Harness;
  let gw: Gateway;
  const policy = testPolicy('income-embedded');

  beforeAll(async () => {
    h = await startHarness({ database: 'embedded', trainingWorker: false });
    await registerModel(h.database.db, policy);
    await registerTrainedVersion(h.database.db, h.artifacts, policy, { rows: 1200, promote: true });
    gw = await startTestGateway(h.database.db, h.artifacts);
  });
  afterAll(async () => {
    await gw?.close();
    await h?.close();
  });

  it('serves, logs in batches and follows route changes as on PostgreSQL', async () => {
    const db = h.database.db;
    const { instances } = await adultInstances(policy, 5);
    const res = await predictOver(gw.url, policy.model, instances, { key: 'k-1' });
    expect(res.status).toBe(200);
    await gw.log.flush();
    expect(await db.select().from(predictionLog).where(eq(predictionLog.model, policy.model))).toHaveLength(5);
    const v2 = await registerTrainedVersion(db, h.artifacts, policy, { rows: 1200, skip: 1200 });
    const generation = await db.transaction((tx) => replaceRoutes(tx, { model: policy.model, routes: [{ version: v2, weight: 100, mode: 'serve' }], owner: 'test', reason: 'switch' }));
    await until(async () => (gw.catalog.get(policy.model)?.generation === generation ? true : undefined), 'the switch', 1000);
    expect((await predictOver(gw.url, policy.model, instances)).body.model_version).toBe(String(v2));
  });
});
