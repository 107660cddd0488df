/**
 * Monitoring end to end against the real Temporal dev server and PostgreSQL: a served model, traffic
 * through the gateway, delayed labels by prediction id and by request key (API and CLI), and the
 * monitor workflow computing windows from the log: no drift on traffic like the training data, feature
 * and prediction drift on shifted traffic (with the trigger firing in the audit record), late labels
 * refreshing an earlier window, workers restarted mid-monitor without a window lost or counted twice,
 * `steward monitor` (JSON and the HTML report), the gateway's gauges, and the incident the drift opened:
 * acknowledged, a runbook step done, resolved and written up as a postmortem.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main';
import { verifyAuditRecord } from '../../lib/audit/verify';
import { auditEvents, datasets, incidents, modelVersions, monitorWindows } from '../../db/schema';
import { calibrationCurve } from '../../lib/metrics/classification';
import { monitorState, startMonitor } from '../../lib/monitoring/client';
import { monitorWorkflowId } from '../../lib/monitoring/messages';
import { parseMonitoringPolicy } from '../../lib/monitoring/policy';
import type { WindowResult } from '../../lib/monitoring/window';
import { registerModel } from '../../lib/registry/models';
import { validateDataFile } from '../../lib/release/steps';
import type { Gateway } from '../../serving/gateway';
import { adultTrainingSlice, testPolicy } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';
import { recordHistory } from '../support/histories';
import { adultInstances, predictOver, registerTrainedVersion, startTestGateway, testLogSecret } from '../support/serving';
import { until as poll } from '../support/until';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The shared poll, with this file's patience (30 s) and pace (100 ms). */
const until = <T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30000) => poll(check, what, { timeoutMs, intervalMs: 100 });

describe('monitoring a served model', () => {
  let h: Harness;
  let gw: Gateway;
  const home = mkdtempSync(join(tmpdir(), 'steward-monitoring-home-'));
  const policy = testPolicy('income-watched');
  // The policy's trigger rule (lib/monitoring/triggers.ts): an incident when most features drifted.
  policy.monitoring = parseMonitoringPolicy({ triggers: [{ name: 'feature-drift', when: { metric: 'featureDriftShare', op: '>=', value: 0.5 }, action: { type: 'open-incident', severity: 'SEV3' } }] });
  let instances: Record<string, string | number | null>[];
  let labelsOf: string[];

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

  async function postLabels(body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${gw.url}/v1/models/${policy.model}/labels`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** Sends rows in requests of 50 (request keys `<prefix>-<i>`); returns the prediction ids in order. */
  async function send(rows: Record<string, unknown>[], prefix: string): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < rows.length; i += 50) {
      const res = await predictOver(gw.url, policy.model, rows.slice(i, i + 50), { key: `${prefix}-${i / 50}` });
      expect(res.status).toBe(200);
      ids.push(...res.body.prediction_ids!);
    }
    return ids;
  }

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres', trainingWorker: false });
    const db = h.database.db;
    await registerModel(db, policy);
    const trainingFile = adultTrainingSlice(2000);
    const version = await registerTrainedVersion(db, h.artifacts, policy, { rows: 2000, promote: true });
    // What a release stores: the training profile (drift reference) and the evaluation report (its reliability curve).
    const [row] = await db.select().from(modelVersions).where(and(eq(modelVersions.model, policy.model), eq(modelVersions.version, version)));
    const { profile } = await validateDataFile(trainingFile, policy, null);
    await db.insert(datasets).values({ sha256: row.dataSha256, sourcePath: trainingFile, rows: profile.rows, bytes: 0, profile }).onConflictDoNothing();
    gw = await startTestGateway(db, h.artifacts);
    const evaluation = await adultInstances(policy, 1000);
    instances = evaluation.instances;
    labelsOf = (evaluation.table.income as string[]).map(String);
    const scores: number[] = [];
    for (let i = 0; i < instances.length; i += 200) scores.push(...(await predictOver(gw.url, policy.model, instances.slice(i, i + 200))).body.predictions!);
    const points = calibrationCurve(Uint8Array.from(labelsOf, (l) => (l === '>50K' ? 1 : 0)), scores, 10);
    const reportSha256 = await h.artifacts.put(Buffer.from(JSON.stringify({ evaluation: { metrics: { calibration: { bins: 10, points } } } })));
    await db.update(modelVersions).set({ reportSha256 }).where(and(eq(modelVersions.model, policy.model), eq(modelVersions.version, version)));
  }, 180_000);

  afterAll(async () => {
    await gw?.close();
    await h?.close();
  });

  it('takes delayed labels by prediction id or request key, counts unknown ones and ignores re-sends', async () => {
    const ids = await send(instances.slice(0, 200), 'early');
    await gw.log.flush();
    const byId = ids.slice(0, 100).map((id, i) => ({ prediction_id: id, label: labelsOf[i] }));
    const first = await postLabels({ labels: [...byId, { request_key: 'early-2', label: '>50K' }, { prediction_id: 'no-such-prediction', label: '>50K' }, { request_key: 'no-such-key', label: '<=50K' }] });
    expect(first.status).toBe(200);
    // 100 by id, and the 50 rows of request early-2 by key.
    expect(first.body).toEqual({ recorded: 150, unchanged: 0, unknown: 2, unknown_references: ['no-such-prediction', 'no-such-key'] });
    const again = await postLabels({ labels: byId });
    expect(again.body).toMatchObject({ recorded: 0, unchanged: 100, unknown: 0 });

    const bad = await postLabels({ labels: [{ prediction_id: ids[0], request_key: 'early-0', label: 'x' }] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ type: 'InvalidInput', field: 'labels[0].prediction_id' });
    expect((await postLabels({ labels: [{ prediction_id: ids[0] }] })).body).toMatchObject({ field: 'labels[0].label' });
    expect((await postLabels({ labels: [] })).status).toBe(400);

    const file = join(home, 'outcomes.csv');
    writeFileSync(file, ['prediction,outcome', ...ids.slice(150, 200).map((id, i) => `${id},${labelsOf[150 + i]}`), 'missing-1,>50K', 'missing-2,<=50K'].join('\n'));
    const cli = await steward('labels', policy.model, file, '--id-column', 'prediction', '--label-column', 'outcome', '--json');
    expect(cli.stderr).toBe('');
    expect(JSON.parse(cli.stdout)).toMatchObject({ rows: 52, recorded: 50, unchanged: 0, unknown: 2, unknownReferences: ['missing-1', 'missing-2'] });
    expect(JSON.parse((await steward('labels', policy.model, file, '--id-column', 'prediction', '--label-column', 'outcome', '--json')).stdout)).toMatchObject({ recorded: 0, unchanged: 50 });
    const byKey = join(home, 'by-key.csv');
    writeFileSync(byKey, 'customer,income\nearly-3,>50K\n');
    // Request early-3 holds rows 150-199, labelled above: only those whose label was not already >50K change.
    const changed = 50 - labelsOf.slice(150, 200).filter((l) => l === '>50K').length;
    expect(JSON.parse((await steward('labels', policy.model, byKey, '--id-column', 'customer', '--label-column', 'income', '--by', 'key', '--json')).stdout)).toMatchObject({ recorded: changed, unchanged: 50 - changed, unknown: 0 });
  });

  it('computes windows from the log, detects drift, takes late labels and survives a worker restart', async () => {
    const W = 3000;
    const t0 = Date.now() + 200;
    await sleep(t0 - Date.now());
    // Window 0: traffic like the training data. Window 1: shifted inputs.
    const normal = await send(instances.slice(200, 500), 'normal');
    await sleep(t0 + W + 100 - Date.now());
    const shifted = instances.slice(500, 800).map((x) => ({ ...x, education: 'Doctorate', 'education-num': 16, 'marital-status': 'Never-married', occupation: 'Prof-specialty', relationship: 'Own-child', workclass: 'Self-emp-inc', 'hours-per-week': 80, 'capital-gain': 15024 }));
    await send(shifted, 'shifted');
    await gw.log.flush();
    // Some labels of window 0 arrive before the monitor looks at it.
    await postLabels({ labels: normal.slice(0, 100).map((id, i) => ({ prediction_id: id, label: labelsOf[200 + i] })) });

    await startMonitor(h.client, { model: policy.model, requestedBy: 'ravi', origin: new Date(t0).toISOString(), settings: { window: W, lag: 500, budgets: { latencyP99Ms: 10_000, errorRate: 0.01 } } });
    const stored = async (index: number) => (await h.database.db.select().from(monitorWindows).where(and(eq(monitorWindows.model, policy.model), eq(monitorWindows.index, index))))[0]?.result as WindowResult | undefined;
    const w1 = await until(() => stored(1), 'window 1');
    const w0 = (await stored(0))!;

    expect(w0.volume).toBe(300);
    expect(w0.featureDrift?.dataset.drifted).toBe(false);
    expect(w0.predictionDrift?.drifted).toBe(false);
    expect(w0.performance?.labelled).toBe(100);
    expect(w0.estimated?.calibration).toBe('reference');
    expect(Math.abs(w0.estimated!.accuracy - w0.performance!.accuracy.value)).toBeLessThan(0.15);

    expect(w1.volume).toBe(300);
    expect(w1.featureDrift?.dataset.drifted).toBe(true);
    expect(w1.featureDrift?.columns.filter((c) => c.drifted).map((c) => c.column)).toEqual(expect.arrayContaining(['education-num', 'hours-per-week', 'occupation', 'relationship']));
    expect(w1.breaches).toEqual([]);
    expect(w1.notes.join('\n')).toMatch(/not tested for drift \(logged generalised or hashed\): age, native-country/);
    const alerts = await until(async () => {
      const rows = await h.database.db.select().from(auditEvents).where(and(eq(auditEvents.model, policy.model), eq(auditEvents.action, 'monitor.trigger.open-incident')));
      return rows.length > 0 ? rows : undefined;
    }, 'the drift trigger');
    expect(alerts.find((a) => a.payload.trigger === 'feature-drift')?.payload).toMatchObject({ window: 1, action: 'open-incident' });

    // The rest of window 0's labels arrive late: the monitor refreshes window 0 at its next window.
    await postLabels({ labels: normal.slice(100).map((id, i) => ({ prediction_id: id, label: labelsOf[300 + i] })) });
    // Workers go away for a couple of windows and come back: the monitor resumes from its history.
    await h.stopWorkers();
    await sleep(2 * W);
    await h.startWorkers();
    const refreshed = await until(async () => ((await stored(0))?.performance?.labelled === 300 ? (await stored(0))! : undefined), 'late labels in window 0');
    expect(refreshed.performance!.accuracy.value).toBeGreaterThan(0.6);
    const state = await until(async () => {
      const s = await monitorState(h.client, policy.model);
      return s.nextIndex >= 5 ? s : undefined;
    }, 'five windows');
    const rows = await h.database.db.select().from(monitorWindows).where(eq(monitorWindows.model, policy.model));
    const indexes = rows.map((r) => r.index).sort((a, b) => a - b);
    expect(indexes.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    const byIndex = new Map(rows.map((r) => [r.index, r]));
    for (let i = 1; i < 5; i++) expect(byIndex.get(i)!.start.getTime()).toBe(byIndex.get(i - 1)!.end.getTime());
    expect(state.firings).toBeGreaterThanOrEqual(1);

    const shown = await steward('monitor', policy.model, '--json', '--html', join(home, 'report.html'));
    expect(shown.code).toBe(0);
    expect((JSON.parse(shown.stdout).windows as WindowResult[]).map((w) => w.index).slice(0, 2)).toEqual([0, 1]);
    const html = readFileSync(join(home, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Accuracy: realised (labels) and estimated (CBPE)');
    const table = await steward('monitor', policy.model);
    expect(table.stdout).toMatch(/feature drift \(/);

    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`steward_monitor_window_index\\{model="${policy.model}"\\} \\d+`));
    expect(metrics).toMatch(new RegExp(`steward_monitor_predictions\\{model="${policy.model}"\\} \\d+`));

    const stopped = await steward('monitor', 'stop', policy.model, '--reason', 'test done', '--json');
    expect(stopped.stderr).toBe('');
    expect(JSON.parse(stopped.stdout)).toMatchObject({ status: 'stopped', stoppedBy: 'ravi' });
    await recordHistory(h.client, monitorWorkflowId(policy.model), 'monitor-stopped');

    // The drift opened an incident for window 1: acknowledged, worked through, resolved, written up.
    const id = `incident-${policy.model}-w1`;
    // The monitor starts the incident's workflow; its first activity records it, a moment later.
    const listed = await until(async () => {
      const rows = JSON.parse((await steward('incident', 'list', policy.model, '--json')).stdout) as Array<{ id: string; severity: string }>;
      return rows.some((i) => i.id === id) ? rows : undefined;
    }, `incident ${id} listed`).catch(async () => JSON.parse((await steward('incident', 'list', policy.model, '--json')).stdout) as Array<{ id: string; severity: string }>);
    expect(listed.map((i) => i.id)).toContain(id);
    expect(JSON.parse((await steward('incident', 'ack', id, '--json')).stdout)).toMatchObject({ status: 'acknowledged', commander: 'ravi' });
    expect((await steward('incident', 'step', id, 'assess impact', '--note', '300 requests in window 1')).code).toBe(0);
    const resolved = await steward('incident', 'resolve', id, '--resolution', 'traffic from a new segment; retrain scheduled', '--json');
    expect(resolved.stderr).toBe('');
    expect(JSON.parse(resolved.stdout)).toMatchObject({ status: 'resolved' });
    const out = join(home, 'postmortem');
    expect((await steward('incident', 'postmortem', id, '--out', out)).code).toBe(0);
    const md = readFileSync(join(out, 'postmortem.md'), 'utf8');
    expect(md).toContain(`# Postmortem: ${id}`);
    expect(md).toMatch(/300 served predictions in 1 affected monitor window/);
    expect(md).toMatch(/feature drift detected: \d+ of \d+ columns drifted/);
    expect(md).toMatch(/\| ravi \| acknowledged; commander ravi \|/);
    expect(md).toMatch(/\[audit\] monitor.trigger.open-incident: feature-drift held 1 window\(s\): featureDriftShare = 0\.\d+/);
    expect(md).toContain('traffic from a new segment; retrain scheduled');
    expect(md).toMatch(/\[x\] assess impact \(manual\) by ravi: 300 requests in window 1/);
    expect(readFileSync(join(out, 'postmortem.html'), 'utf8')).toContain('<table>');
    const row = (await h.database.db.select().from(incidents).where(eq(incidents.id, id)))[0];
    expect(row).toMatchObject({ status: 'resolved', commander: 'ravi', severity: 'SEV3' });
    await recordHistory(h.client, id, 'incident-resolved');
    // The incident row is what its audit events say; an edit outside Steward is found.
    const incidentChecks = async () => (await verifyAuditRecord(h.database.db)).problems.filter((p) => p.check === 'incidents' || p.check === 'chain');
    expect(await incidentChecks()).toEqual([]);
    await h.database.db.update(incidents).set({ severity: 'SEV5' }).where(eq(incidents.id, id));
    expect(await incidentChecks()).toEqual([expect.objectContaining({ check: 'incidents', message: expect.stringMatching(/differs from its events in severity/) })]);
    await h.database.db.update(incidents).set({ severity: 'SEV3' }).where(eq(incidents.id, id));
  }, 120_000);
});
