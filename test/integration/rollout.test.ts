import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main';
import { auditEvents, modelVersions, predictionLog, production, rollouts, routes } from '../../db/schema';
import { StewardError } from '../../lib/core/errors';
import { verifyAuditChain } from '../../lib/registry/audit';
import { registerModel } from '../../lib/registry/models';
import { decideRelease, startRelease, waitForStage } from '../../lib/release/client';
import type { ReleaseState } from '../../lib/release/types';
import { rollback, rolloutResult, startRollout } from '../../lib/rollout/client';
import { rolloutWorkflowId } from '../../lib/rollout/messages';
import { recordHistory } from '../support/histories';
import type { Policy } from '../../lib/policy/schema';
import type { Gateway } from '../../serving/gateway';
import { adultTrainingSlice, testPolicy } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';
import { adultInstances, predictOver, registerTrainedVersion, startTestGateway, startTraffic } from '../support/serving';

const model = 'income-rollout';

/** The test policy with short analysis windows (seconds, not minutes) and small traffic needs. */
function rolloutPolicy(): Policy {
  const policy = testPolicy(model);
  policy.operators = ['olga.oncall'];
  policy.rollout = {
    ...policy.rollout,
    strategy: 'canary',
    steps: [50, 100],
    interval: 2500,
    measurements: 1,
    bakeTime: 0,
    analysis: { ...policy.rollout.analysis, minRequests: 15, maxErrorRate: 0.05, maxLatencyP99Ms: 500, maxPredictionDrift: 5 },
  };
  return policy;
}

async function version(h: Harness, v: number) {
  const [row] = await h.database.db.select().from(modelVersions).where(and(eq(modelVersions.model, model), eq(modelVersions.version, v)));
  return row;
}

async function productionOf(h: Harness, name = model) {
  const [row] = await h.database.db.select().from(production).where(eq(production.model, name));
  return row?.version;
}

describe('rollouts and rollbacks against a live gateway', () => {
  let h: Harness;
  let gw: Gateway;
  let instances: Record<string, unknown>[];

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres', trainingWorker: false });
    const policy = rolloutPolicy();
    await registerModel(h.database.db, policy);
    await registerTrainedVersion(h.database.db, h.artifacts, policy, { rows: 1500, promote: true });
    await registerTrainedVersion(h.database.db, h.artifacts, policy, { rows: 1500, skip: 1500, approvedBy: 'bob' });
    await registerTrainedVersion(h.database.db, h.artifacts, policy, { rows: 1500, skip: 3000, approvedBy: 'bob' });
    // v3 passes offline evaluation like the others but fails 60% of its requests live.
    gw = await startTestGateway(h.database.db, h.artifacts, { faults: [{ model, version: 3, errorRate: 0.6 }] });
    instances = (await adultInstances(policy, 200)).instances;
  });
  afterAll(async () => {
    await gw?.close();
    await h?.close();
  });

  it('rolls a good version through the canary steps to 100%; production moves only when it completes', async () => {
    const traffic = startTraffic(gw.url, model, instances, 40);
    try {
      await startRollout(h.client, { model, version: 2, requestedBy: 'olga.oncall' });
      // Mid-rollout: v2 serves its share, production is still v1.
      await new Promise((r) => setTimeout(r, 1500));
      expect(await productionOf(h)).toBe(1);
      const split = await h.database.db.select().from(routes).where(eq(routes.model, model));
      expect(split.map((r) => [r.version, r.weight])).toEqual(expect.arrayContaining([[2, 50], [1, 50]]));
      const final = await rolloutResult(h.client, model);
      expect(final).toMatchObject({ status: 'completed', weight: 100, baselineVersion: 1 });
      expect(final.measurements.map((m) => m.verdict)).toEqual(['pass', 'pass']);
      expect(final.measurements[0].candidate!.predictions).toBeGreaterThanOrEqual(15);
      expect(final.measurements[0].drift).not.toBeNull();
    } finally {
      const sent = await traffic.stop();
      expect(sent.codes[200]).toBe(sent.sent);
    }
    expect(await productionOf(h)).toBe(2);
    expect((await version(h, 2)).status).toBe('production');
    expect((await version(h, 1)).status).toBe('retired');
    expect(await h.database.db.select().from(routes).where(eq(routes.model, model))).toEqual([]);
    await new Promise((r) => setTimeout(r, 600));
    expect((await predictOver(gw.url, model, [instances[0]])).body.model_version).toBe('2');
    const [row] = await h.database.db.select().from(rollouts).where(eq(rollouts.model, model));
    expect(row).toMatchObject({ version: 2, baselineVersion: 1, status: 'completed', requestedBy: 'olga.oncall' });
    await recordHistory(h.client, rolloutWorkflowId(model), 'rollout-completed');
  });

  it('rolls back by itself when the canary misbehaves live, and marks the version bad with the analysis as the reason', async () => {
    const traffic = startTraffic(gw.url, model, instances, 40);
    let final;
    try {
      await startRollout(h.client, { model, version: 3, requestedBy: 'bob' });
      final = await rolloutResult(h.client, model);
    } finally {
      await traffic.stop();
    }
    expect(final.status).toBe('rolled-back');
    await recordHistory(h.client, rolloutWorkflowId(model), 'rollout-rolled-back');
    expect(final.measurements.at(-1)).toMatchObject({ verdict: 'fail', candidate: { version: 3 } });
    expect(final.reason).toMatch(/error rate \d+\.\d+% of v3 \(\d+\/\d+\) is above the budget of 5.00%/);
    expect(await productionOf(h)).toBe(2);
    const v3 = await version(h, 3);
    expect(v3.status).toBe('bad');
    expect(v3.badReason).toMatch(/error rate/);
    expect(await h.database.db.select().from(routes).where(eq(routes.model, model))).toEqual([]);
    await new Promise((r) => setTimeout(r, 600));
    for (let i = 0; i < 5; i++) expect((await predictOver(gw.url, model, [instances[i]])).body.model_version).toBe('2');
    // The failed requests of v3 are in the log as errors (that is what the analysis read).
    const errors = await h.database.db.select().from(predictionLog).where(and(eq(predictionLog.model, model), eq(predictionLog.version, 3)));
    expect(errors.some((r) => r.error === 'injected fault')).toBe(true);

    let out = '';
    const code = await runCli(['versions', model], { env: { DATABASE_URL: h.databaseUrl, STEWARD_HOME: mkdtempSync(join(tmpdir(), 'steward-home-')) }, stdout: (t) => (out += t) });
    expect(code).toBe(0);
    expect(out).toMatch(/v3 bad[\s\S]*bad: rollout rollout-income-rollout\/[\w-]+: error rate/);
  });

  it('refuses to roll out or roll back to a bad version unless overridden with a reason, which is recorded', async () => {
    const rolloutRefused = await startRollout(h.client, { model, version: 3, requestedBy: 'bob' })
      .then(() => rolloutResult(h.client, model))
      .catch((e: unknown) => e);
    expect(rolloutRefused).toBeInstanceOf(StewardError);
    expect(rolloutRefused).toMatchObject({ type: 'BadVersion', message: expect.stringMatching(/v3 of income-rollout is marked bad/) });

    const refused = await rollback(h.client, { model, to: 3, requestedBy: 'olga.oncall', reason: 'try v3' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ type: 'BadVersion', message: expect.stringMatching(/v3 of income-rollout is marked bad \(rollout .*error rate/) });
    expect(await productionOf(h)).toBe(2);

    const stranger = await rollback(h.client, { model, requestedBy: 'mallory', reason: 'because' }).catch((e: unknown) => e);
    expect(stranger).toMatchObject({ type: 'UnauthorizedOperator' });

    const overridden = await rollback(h.client, { model, to: 3, requestedBy: 'olga.oncall', reason: 'v2 leaks; v3 errors were an upstream outage', overrideBad: true });
    expect(overridden).toMatchObject({ from: 2, to: 3, markedBad: 2, overrideBad: true });
    expect(await productionOf(h)).toBe(3);
    expect((await version(h, 2)).badReason).toMatch(/rolled back by olga.oncall: v2 leaks/);
    const [event] = await h.database.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'rollback'), eq(auditEvents.model, model)));
    expect(event.payload).toMatchObject({ to: 3, overrideBad: true, reason: 'v2 leaks; v3 errors were an upstream outage' });

    // Without a target: the last version that completed a rollout and is not bad (v1; v2 is bad now), from the CLI.
    let out = '';
    const code = await runCli(['rollback', model, '--as', 'olga.oncall', '--reason', 'back to the last good one', '--json'], {
      env: { DATABASE_URL: h.databaseUrl, TEMPORAL_ADDRESS: h.temporalAddress, STEWARD_HOME: mkdtempSync(join(tmpdir(), 'steward-home-')) },
      stdout: (t) => (out += t),
    });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ from: 3, to: 1, markedBad: 3 });
    await new Promise((r) => setTimeout(r, 600));
    expect((await predictOver(gw.url, model, [instances[0]])).body.model_version).toBe('1');
    expect(await verifyAuditChain(h.database.db)).toMatchObject({ ok: true });
  });
});

describe('a release handing its approved version to a canary', () => {
  let h: Harness;
  let gw: Gateway;
  const handover = 'income-handover';

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres' });
    const policy = testPolicy(handover);
    policy.rollout = { ...policy.rollout, onApproval: 'rollout', steps: [50, 100], interval: 2500, analysis: { ...policy.rollout.analysis, minRequests: 15, maxPredictionDrift: 5, maxLatencyP99Ms: 500 } };
    // Small networks on small slices: the regression gate is not what this test is about.
    policy.evaluation.regression.budgets = [{ metric: 'rocAuc', budget: 0.2, kind: 'absolute' }];
    await registerModel(h.database.db, policy);
    await registerTrainedVersion(h.database.db, h.artifacts, policy, { rows: 1500, promote: true });
    gw = await startTestGateway(h.database.db, h.artifacts);
  });
  afterAll(async () => {
    await gw?.close();
    await h?.close();
  });

  it('trains, evaluates, signs off, rolls out on live traffic and is promoted when the rollout completes', async () => {
    const id = await startRelease(h.client, { model: handover, dataFile: adultTrainingSlice(1500, 1500), requestedBy: 'alice' });
    await waitForStage(h.client, id, 'awaiting-approval');
    const { instances } = await adultInstances(testPolicy(handover), 100);
    const traffic = startTraffic(gw.url, handover, instances, 40);
    let final: ReleaseState;
    try {
      await decideRelease(h.client, id, 'approve', { principal: 'bob' });
      const rolling = await waitForStage(h.client, id, 'rolling-out', 30_000);
      expect(rolling.stage).toBe('rolling-out');
      expect(await productionOf(h, handover)).toBe(1);
      final = await h.client.workflow.getHandle(id).result();
    } finally {
      await traffic.stop();
    }
    expect(final).toMatchObject({ status: 'promoted', version: 2, rollout: { workflowId: `rollout-${handover}`, status: 'completed' } });
    expect(await productionOf(h, handover)).toBe(2);
    const [row] = await h.database.db.select().from(rollouts).where(eq(rollouts.model, handover));
    expect(row).toMatchObject({ releaseId: id, status: 'completed', requestedBy: 'alice' });
    const events = await h.database.db.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.releaseId, id));
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['release.approved', 'rollout.started', 'rollout.completed', 'version.promoted', 'release.promoted']));
    expect(await verifyAuditChain(h.database.db)).toMatchObject({ ok: true });
  });
});
