/**
 * The monitoring loop end to end on a real concept-drift stream: a model trained on the first half of
 * Elec2 serves the second half through the gateway, a fortnight per window, with each fortnight's
 * labels arriving a window late. The monitor's DDM detector on the live error stream fires retrains,
 * which train on the latest labelled predictions of the log through the normal release (the same
 * gates and sign-off as any candidate); the accuracy floor opens an incident, which is acknowledged,
 * resolved and written up.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main';
import { auditEvents, datasets, modelVersions, monitorWindows } from '../../db/schema';
import { monitorState, startMonitor, stopMonitor } from '../../lib/monitoring/client';
import { parseMonitoringPolicy } from '../../lib/monitoring/policy';
import type { WindowResult } from '../../lib/monitoring/window';
import { loadPolicyFile } from '../../lib/policy/load';
import { decideRelease, releaseState } from '../../lib/release/client';
import { registerModel } from '../../lib/registry/models';
import { validateDataFile } from '../../lib/release/steps';
import { projectRoot, sharedDataDir } from '../../lib/runtime/paths';
import type { Gateway } from '../../serving/gateway';
import { startHarness, type Harness } from '../support/harness';
import { predictOver, registerTrainedVersion, startTestGateway, testLogSecret } from '../support/serving';
import { until as poll } from '../support/until';

/** The shared poll, with this file's patience (60 s) and pace (50 ms). */
const until = <T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 60000) => poll(check, what, { timeoutMs, intervalMs: 50 });

/** Two weeks of half-hourly records. */
const FORTNIGHT = 672;

describe('monitoring Elec2 in production', () => {
  let h: Harness;
  let gw: Gateway;
  const home = mkdtempSync(join(tmpdir(), 'steward-elec2-'));
  const lines = readFileSync(join(sharedDataDir(), 'elec2', 'electricity-normalized.csv'), 'utf8').trim().split('\n');
  const header = lines[0]!.split(',');
  const records = lines.slice(1);
  const half = Math.floor(records.length / 2);
  const file = (name: string, rows: string[]) => {
    const path = join(home, name);
    writeFileSync(path, `${[lines[0], ...rows].join('\n')}\n`);
    return path;
  };
  const policy = loadPolicyFile(resolve(projectRoot, 'policies/elec2.json'));
  policy.model = 'elec2-watched';
  // Judged on the latest months of the stream: where a model of the recent past should do better.
  policy.data.evaluationFile = file('evaluation.csv', records.slice(records.length - 3000));
  policy.approvals.approvers = ['lena.mllead'];
  policy.compute.gpu = 'never';
  policy.training = { ...policy.training, hiddenUnits: [16], epochs: 4 };
  policy.budgets = { ...policy.budgets, singleRowP99Ms: 1000 };
  policy.monitoring = parseMonitoringPolicy({
    triggers: [
      { name: 'error-rate-change', when: { detector: 'ddm', series: 'error' }, cooldown: '20s', maxActions: { count: 2, per: '365d' }, action: { type: 'retrain' } },
      { name: 'accuracy-below-floor', when: { metric: 'accuracy', op: '<', value: 0.7 }, for: 2, cooldown: '365d', action: { type: 'open-incident', severity: 'SEV3' } },
    ],
  });

  async function steward(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, {
      env: { DATABASE_URL: h.databaseUrl, STEWARD_ARTIFACTS: h.artifactsDir, STEWARD_HOME: home, STEWARD_LOG_KEY: testLogSecret.toString('utf8'), STEWARD_USER: 'ravi', TEMPORAL_ADDRESS: h.temporalAddress },
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
    });
    return { code, stdout, stderr };
  }

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres' });
    const db = h.database.db;
    await registerModel(db, policy);
    // Version 1: trained on the first half of the stream (1996-1997), in production.
    const trainingFile = file('first-half.csv', records.slice(0, half));
    const version = await registerTrainedVersion(db, h.artifacts, policy, { file: trainingFile, promote: true, hiddenUnits: [16] });
    const [row] = await db.select().from(modelVersions).where(and(eq(modelVersions.model, policy.model), eq(modelVersions.version, version)));
    const { profile } = await validateDataFile(trainingFile, policy, null);
    await db.insert(datasets).values({ sha256: row!.dataSha256, sourcePath: trainingFile, rows: profile.rows, bytes: 0, profile }).onConflictDoNothing();
    gw = await startTestGateway(db, h.artifacts, { maxRows: FORTNIGHT });
  }, 180_000);

  afterAll(async () => {
    await gw?.close();
    await h?.close();
  });

  it('detects the drift of the second half, retrains on the labelled log through the release gates, and runs the incident to its postmortem', async () => {
    const label = header.indexOf('class');
    const instance = (record: string) => {
      const cells = record.split(',');
      return Object.fromEntries(header.flatMap((c, i) => (i === label ? [] : [[c, c === 'day' ? Number(cells[i]) : Number(cells[i])]])));
    };
    const retrainReleases = async () =>
      (await h.database.db.select().from(auditEvents).where(and(eq(auditEvents.model, policy.model), eq(auditEvents.action, 'monitor.trigger.retrain'))).orderBy(auditEvents.seq)).map(
        (e) => (e.payload as { evidence: { releaseId: string } }).evidence.releaseId,
      );
    await startMonitor(h.client, { model: policy.model, requestedBy: 'ravi', settings: { window: '1h', windowPredictions: FORTNIGHT, countCheck: 100, lag: 50, labelHorizon: 4 } });
    const second = records.slice(half);
    const windows = Math.floor(second.length / FORTNIGHT);
    let pending: Array<{ prediction_id: string; label: string }> = [];
    for (let w = 0; w < windows; w++) {
      const batch = second.slice(w * FORTNIGHT, (w + 1) * FORTNIGHT);
      const res = await predictOver(gw.url, policy.model, batch.map(instance), { key: `fortnight-${w}` });
      expect(res.status).toBe(200);
      await gw.log.flush();
      await until(async () => ((await monitorState(h.client, policy.model)).nextIndex > w ? true : undefined), `window ${w}`);
      // Last fortnight's outcomes are known now.
      if (pending.length > 0) {
        const posted = await fetch(`${gw.url}/v1/models/${policy.model}/labels`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ labels: pending }) });
        expect(await posted.json()).toMatchObject({ recorded: pending.length, unknown: 0 });
      }
      pending = res.body.prediction_ids!.map((id, i) => ({ prediction_id: id, label: batch[i]!.split(',')[label]! }));
    }
    const state = await stopMonitor(h.client, policy.model, { principal: 'ravi', reason: 'stream replayed' });
    expect(state.status).toBe('stopped');
    const db = h.database.db;
    const stored = await db.select().from(monitorWindows).where(eq(monitorWindows.model, policy.model)).orderBy(monitorWindows.index);
    expect(stored.map((s) => s.index)).toEqual(Array.from({ length: windows }, (_, i) => i));
    expect(stored.every((s) => s.predictions === FORTNIGHT)).toBe(true);
    // Every label landed in its own prediction's window, refreshed at the next window (the last
    // fortnight's labels were never sent; the one before had no next window to refresh it).
    expect(stored.slice(0, -2).every((s) => (s.result as WindowResult).counts.labelled === FORTNIGHT)).toBe(true);

    // DDM on the live error stream saw the change and asked for a retrain on the labelled log.
    const retrains = await db.select().from(auditEvents).where(and(eq(auditEvents.model, policy.model), eq(auditEvents.action, 'monitor.trigger.retrain')));
    const retrain = retrains[0];
    const evidence = (retrain!.payload as { reason: string; evidence: { data: string; source: string; releaseId: string } }).evidence;
    expect((retrain!.payload as { reason: string }).reason).toMatch(/^error-rate-change held 1 window\(s\): ddm on error: changes? at values? \d+(, \d+)* of \d+$/);
    expect(evidence.source).toMatch(/^prediction log: latest \d+ labelled predictions$/);
    const exported = readFileSync(evidence.data, 'utf8').trim().split('\n');
    expect(exported[0]).toBe(policy.contract.columns.map((c) => c.name).join(','));
    expect(exported.length - 1).toBe(Number(evidence.source.match(/\d+/)![0]));
    // The exported rows are served ones with their outcomes (the log keeps Elec2's columns as sent).
    const normal = (line: string) => line.split(',').map((v, i) => (header[i] === 'class' ? v : String(Number(v)))).join(',');
    const streamed = new Set(second.map(normal));
    expect(exported.slice(1).filter((line) => !streamed.has(normal(line)))).toEqual([]);

    // Each retrain went through the normal release, requested by the monitor, and met the same gates
    // as any candidate. Trained on the newest labels alone (one fortnight, then seven months), neither
    // matched the production model on the evaluation months: the regression gate stopped both before
    // anyone was asked to sign off, and production stayed on version 1.
    const states = await until(async () => {
      const all = await Promise.all((await retrainReleases()).map((id) => releaseState(h.client, id)));
      return all.every((r) => r.stage === 'done') ? all : undefined;
    }, 'the retrain releases to end', 180_000);
    expect(states.map((r) => r.releaseId)).toEqual([evidence.releaseId, expect.stringMatching(new RegExp(`^release-${policy.model}-\\d{8}-w\\d+$`))]);
    for (const r of states) {
      expect(r).toMatchObject({ requestedBy: `monitor-${policy.model}`, status: 'failed', approvals: [] });
      expect(r.reason).toMatch(/^evaluation gate: regression vs production v1: overall: .*accuracy 0\.\d+ -> 0\.\d+/);
    }
    expect(states[1]!.data!.rows).toBeGreaterThan(states[0]!.data!.rows);
    const [production] = await db.select().from(modelVersions).where(and(eq(modelVersions.model, policy.model), eq(modelVersions.status, 'production')));
    expect(production!.version).toBe(1);
    expect(stored.every((s) => s.version === 1)).toBe(true);

    // Two fortnights under the accuracy floor opened an incident: acknowledged, resolved, written up.
    const [opened] = await db.select().from(auditEvents).where(and(eq(auditEvents.model, policy.model), eq(auditEvents.action, 'monitor.trigger.open-incident')));
    const window = (opened!.payload as { window: number }).window;
    const id = `incident-${policy.model}-w${window}`;
    expect(JSON.parse((await steward('incident', 'ack', id, '--json')).stdout)).toMatchObject({ status: 'acknowledged', commander: 'ravi' });
    expect((await steward('incident', 'resolve', id, '--resolution', 'seasonal price regime; retrains on the log alone were refused by the gate', '--json')).code).toBe(0);
    const out = join(home, 'postmortem');
    expect((await steward('incident', 'postmortem', id, '--out', out)).code).toBe(0);
    const md = readFileSync(join(out, 'postmortem.md'), 'utf8');
    expect(md).toMatch(/accuracy-below-floor held 2 window\(s\): accuracy = 0\.\d+/);
    expect(md).toContain('seasonal price regime');
  }, 600_000);
});
