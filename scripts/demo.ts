/**
 * The demo: starts the embedded stack (or uses a running `steward dev`), registers the Adult income
 * model, releases a model trained on UCI Adult end to end, shows separation of duties refusing the
 * requester's own approval, approves as a second person, and prints the outcome and the Web UI link.
 * Then it serves the promoted version through a gateway (a few predictions, the model's routes, its
 * metrics). From the second run on, the approved version is rolled out as a canary against the
 * previous one while the demo sends it traffic (the policy's rollout interval is shortened to 4 s so
 * the demo stays short). `--keep` leaves the stack running afterwards so the release can be browsed
 * in the Web UI.
 *
 * `--regression` runs the regressor instead (policies/bike-sharing.json, UCI Bike Sharing hourly
 * counts): v1 trained on 2011 and judged on 2012, where the service had grown; then a candidate
 * trained on the first half of 2012, whose data drifts from v1's, judged against v1 on the second half.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import { loadConfig } from '../lib/runtime/config';
import { StewardError } from '../lib/core/errors';
import { loadPolicyFile } from '../lib/policy/load';
import { decideRelease, startRelease, waitForStage } from '../lib/release/client';
import { statusQuery } from '../lib/release/messages';
import { registerModel } from '../lib/registry/models';
import { projectRoot, sharedDataDir } from '../lib/runtime/paths';
import { readStackInfo, startStack } from '../workers/stack';
import { connectClient } from '../lib/runtime/temporal';
import { openDatabase } from '../db/client';
import { formatState } from '../cli/format';
import { logSecret } from '../lib/serving/secret';
import { localArtifactStore } from '../lib/runtime/artifacts';
import { startGateway, type Gateway } from '../serving/gateway';
import { startMonitor, stopMonitor } from '../lib/monitoring/client';
import type { Policy } from '../lib/policy/schema';
import { datasetsDir, deriveBikeSharing } from './datasets';
import type { ReleaseState } from '../lib/release/types';

const started = Date.now();
const keep = process.argv.includes('--keep');
const regression = process.argv.includes('--regression');
const say = (line: string) => console.log(`[demo ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
const config = loadConfig();

const running = readStackInfo(config.home);
const stack = running ? undefined : await startStack({ config, log: say });
const info = running ?? stack!.info;
if (running) say(`using the running Steward stack (pid ${running.pid})`);
const database = stack?.database ?? (await openDatabase(config.databaseUrl ?? running!.databaseUrl ?? { embeddedDir: join(config.home, 'pgdata') }));
const client = await connectClient(config.temporal, info.temporalAddress);

let gateway: Gateway | undefined;

/** Starts a release, waits for sign-off, shows the candidate, approves it, and returns the outcome. */
async function releaseAndApprove(c: Client, model: string, request: { dataFile: string; evaluationFile?: string }, approver: string, why: string): Promise<ReleaseState> {
  const releaseId = await startRelease(c, { model, ...request, requestedBy: 'maria.engineer' });
  say(`release ${releaseId} started by maria.engineer`);
  if (info.uiUrl) say(`follow it in the Temporal Web UI: ${info.uiUrl}/namespaces/${info.namespace}/workflows/${releaseId}`);
  const waiting = await waitForStage(c, releaseId, 'awaiting-approval', 15 * 60_000);
  if (waiting.stage !== 'awaiting-approval') throw new Error(`release ended before sign-off: ${waiting.status} ${waiting.reason ?? ''}`);
  say('candidate ready for sign-off:');
  console.log(formatState(waiting).replace(/^/gm, '    '));
  await decideRelease(c, releaseId, 'approve', { principal: approver, comment: why });
  say(`approved by ${approver}`);
  return c.workflow.getHandle(releaseId).result();
}

/** The regressor's two releases (see the module comment). */
async function regressionDemo(c: Client): Promise<number> {
  const files = deriveBikeSharing(datasetsDir);
  const [header, ...hours] = readFileSync(files.evaluation, 'utf8').trim().split('\n');
  const half = (name: string, rows: string[]) => {
    const file = join(datasetsDir, name);
    writeFileSync(file, `${[header, ...rows].join('\n')}\n`);
    return file;
  };
  // dteday is the second column: January to June, then July to December.
  const firstHalf = half('bike-sharing-2012-h1.csv', hours.filter((l) => l.split(',')[1]! < '2012-07-01'));
  const secondHalf = half('bike-sharing-2012-h2.csv', hours.filter((l) => l.split(',')[1]! >= '2012-07-01'));
  const policy = loadPolicyFile(resolve(projectRoot, 'policies/bike-sharing.json'));
  const reg = await registerModel(database.db, policy);
  const approver = policy.approvals.approvers[0]!;
  say(`model ${reg.name} registered (task ${policy.task}, policy ${reg.policyHash.slice(0, 12)})`);

  say('act 1: v1 learns 2011 and is judged on 2012 (mean hourly count 143.8 in 2011, 234.7 in 2012)');
  const first = await releaseAndApprove(c, policy.model, { dataFile: files.train }, approver, 'Errors per hour reviewed; the under-prediction of 2012 is known growth.');
  say(`outcome: ${first.status}. A positive mean residual (actual - predicted) is the growth v1 never saw: it under-predicts 2012.`);

  say('act 2: a candidate trained on January-June 2012, judged against v1 on July-December 2012');
  say('  expect drift: its data (2012) is not v1\'s training data (2011), the count and the year column moved');
  say('  the gate compares the per-row errors of both models on the same hours (paired bootstrap): MAE and RMSE may not rise by more than 5%');
  const second = await releaseAndApprove(c, policy.model, { dataFile: firstHalf, evaluationFile: secondHalf }, approver, 'Drift explained by growth; the gate shows lower errors than v1 on the same hours.');
  console.log(formatState(second).replace(/^/gm, '    '));
  say(`outcome: ${second.status}${second.version !== undefined ? ` (${policy.model} v${second.version} is in production)` : ''}`);
  return second.status === 'promoted' ? 0 : 1;
}

/**
 * Monitoring act: the model's monitor cuts the prediction log into 6-second windows; the first gets
 * ordinary adult.test traffic, the second only people aged 60 or more (an input drift), each with its
 * labels sent back at once (in production they come days later), and the table shows drift,
 * accuracy on the labels and the label-free estimate beside it.
 */
async function monitorAct(c: Client, policy: Policy, gw: Gateway): Promise<void> {
  const columns = policy.contract.columns.filter((col) => col.name !== policy.training.features.label.column);
  const label = policy.training.features.label.column;
  const labelAt = policy.contract.columns.findIndex((col) => col.name === label);
  const people = readFileSync(join(sharedDataDir(), 'adult', 'adult.test'), 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.split(', '))
    .filter((f) => f.length === policy.contract.columns.length && !f.includes('?'))
    .map((f) => ({
      row: Object.fromEntries(columns.map((col) => [col.name, col.type === 'categorical' ? f[policy.contract.columns.indexOf(col)] : Number(f[policy.contract.columns.indexOf(col)])])),
      label: f[labelAt]!.replace(/\.$/, ''),
    }));
  const send = async (batch: typeof people) => {
    const labels: { prediction_id: string; label: string }[] = [];
    for (let i = 0; i < batch.length; i += 20) {
      const part = batch.slice(i, i + 20);
      const res = await fetch(`${gw.url}/v1/models/${policy.model}:predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: part.map((p) => p.row) }) });
      const { prediction_ids: ids } = (await res.json()) as { prediction_ids: string[] };
      labels.push(...ids.map((id, k) => ({ prediction_id: id, label: part[k]!.label })));
    }
    // Labels join logged predictions: the log is written off the request path, so flush it first.
    await gw.log.flush();
    await fetch(`${gw.url}/v1/models/${policy.model}/labels`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ labels }) });
  };
  const { listWindows } = await import('../lib/registry/monitoring');
  // A monitor started again continues the numbering of the windows stored by earlier runs.
  const firstIndex = ((await listWindows(database.db, policy.model, { last: 1 }))[0]?.index ?? -1) + 1;
  const windowMs = 6_000;
  const origin = Date.now();
  try {
    await startMonitor(c, { model: policy.model, requestedBy: policy.approvals.approvers[0]!, origin: new Date(origin).toISOString(), settings: { window: windowMs, lag: 500 } });
  } catch (e) {
    if (!(e instanceof StewardError && e.type === 'MonitorConflict')) throw e;
    await stopMonitor(c, policy.model, { principal: policy.approvals.approvers[0]!, reason: 'the demo starts a fresh one' });
    await startMonitor(c, { model: policy.model, requestedBy: policy.approvals.approvers[0]!, origin: new Date(origin).toISOString(), settings: { window: windowMs, lag: 500 } });
  }
  say(`monitor-${policy.model} started: windows of ${windowMs / 1000} s; window ${firstIndex} gets 200 ordinary requests, window ${firstIndex + 1} only people aged 60+ (labels sent back at once)`);
  await send(people.slice(0, 200));
  await new Promise((r) => setTimeout(r, Math.max(0, origin + windowMs + 200 - Date.now())));
  await send(people.filter((p) => (p.row.age as number) >= 60).slice(0, 200));
  let windows: Awaited<ReturnType<typeof listWindows>> = [];
  for (let i = 0; i < 120 && windows.length < 2; i++) {
    await new Promise((r) => setTimeout(r, 250));
    windows = await listWindows(database.db, policy.model, { fromIndex: firstIndex });
  }
  const { formatWindowTable } = await import('../lib/monitoring/report');
  console.log(formatWindowTable(windows.map((w) => w.result)).replace(/^/gm, '    '));
  await stopMonitor(c, policy.model, { principal: policy.approvals.approvers[0]!, reason: 'end of the demo' });
  say(`monitor stopped; \`npx steward monitor ${policy.model} --html report.html\` draws these windows as charts`);
}

/** The binary classifier's release, served, and from the second run on rolled out as a canary (the default demo). */
async function incomeDemo(client: Client): Promise<number> {
  const policy = loadPolicyFile(resolve(projectRoot, 'policies/adult-income.json'));
  // A canary of minutes per step is right for production, not for a demo.
  policy.rollout = { ...policy.rollout, steps: [50, 100], interval: 4000, analysis: { ...policy.rollout.analysis, minRequests: 20 } };
  const reg = await registerModel(database.db, policy);
  say(`model ${reg.name} registered (policy ${reg.policyHash.slice(0, 12)}); approvers: ${policy.approvals.approvers.join(', ')}`);

  const requester = 'maria.engineer';
  const approver = policy.approvals.approvers[0];
  const dataFile = join(sharedDataDir(), 'adult', 'adult.data');
  const releaseId = await startRelease(client, { model: policy.model, dataFile, requestedBy: requester });
  const link = info.uiUrl ? `${info.uiUrl}/namespaces/${info.namespace}/workflows/${releaseId}` : undefined;
  say(`release ${releaseId} started by ${requester}`);
  if (link) say(`follow it in the Temporal Web UI: ${link}`);

  const waiting = await waitForStage(client, releaseId, 'awaiting-approval', 15 * 60_000);
  if (waiting.stage !== 'awaiting-approval') throw new Error(`release ended before sign-off: ${waiting.status} ${waiting.reason ?? ''}`);
  say('candidate ready for sign-off:');
  console.log(formatState(waiting).replace(/^/gm, '    '));

  try {
    await decideRelease(client, releaseId, 'approve', { principal: requester, comment: 'looks good to me' });
    throw new Error('separation of duties failed: the requester approved her own release');
  } catch (e) {
    if (!(e instanceof StewardError) || e.type !== 'UnauthorizedApprover') throw e;
    say(`refused as expected: ${e.message}`);
  }

  // A gateway over the same database and artifacts, for the serving act (and a rollout's traffic).
  gateway = await startGateway({ db: database.db, artifacts: localArtifactStore(config.artifactsDir), secret: logSecret(config), spoolRoot: join(config.home, 'spool'), port: 0, warn: () => {} });
  const rows = [
    { age: 39, workclass: 'State-gov', fnlwgt: 77516, education: 'Bachelors', 'education-num': 13, 'marital-status': 'Never-married', occupation: 'Adm-clerical', relationship: 'Not-in-family', race: 'White', sex: 'Male', 'capital-gain': 2174, 'capital-loss': 0, 'hours-per-week': 40, 'native-country': 'United-States' },
    { age: 50, workclass: 'Self-emp-not-inc', fnlwgt: 83311, education: 'Bachelors', 'education-num': 13, 'marital-status': 'Married-civ-spouse', occupation: 'Exec-managerial', relationship: 'Husband', race: 'White', sex: 'Male', 'capital-gain': 0, 'capital-loss': 0, 'hours-per-week': 13, 'native-country': 'United-States' },
    { age: 28, workclass: 'Private', fnlwgt: 338409, education: 'Bachelors', 'education-num': 13, 'marital-status': 'Married-civ-spouse', occupation: 'Prof-specialty', relationship: 'Wife', race: 'Black', sex: 'Female', 'capital-gain': 0, 'capital-loss': 0, 'hours-per-week': 40, 'native-country': 'Cuba' },
    { age: 52, workclass: 'Self-emp-inc', fnlwgt: 287927, education: 'HS-grad', 'education-num': 9, 'marital-status': 'Married-civ-spouse', occupation: 'Exec-managerial', relationship: 'Wife', race: 'White', sex: 'Female', 'capital-gain': 15024, 'capital-loss': 0, 'hours-per-week': 40, 'native-country': 'United-States' },
  ];
  const predict = async (row: (typeof rows)[number], key: string) => {
    const res = await fetch(`${gateway!.url}/v1/models/${policy.model}:predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-steward-key': key }, body: JSON.stringify({ instances: [row] }) });
    return (await res.json()) as { predictions: number[]; model_version: string; prediction_ids: string[] };
  };

  await decideRelease(client, releaseId, 'approve', { principal: approver, comment: 'Evidence reviewed: metrics, fairness and lineage.' });
  say(`approved by ${approver}`);
  // From the second version on, the release hands it to a canary rollout: give it traffic to judge.
  let sent = 0;
  for (;;) {
    const state = await client.workflow.getHandle(releaseId).query(statusQuery);
    if (state.stage === 'done') break;
    if (state.stage === 'rolling-out') {
      if (sent === 0) say(`v${state.version} handed to a canary rollout against production (steps 50%, 100%; analysis every 4 s); sending traffic through the gateway`);
      await Promise.all(Array.from({ length: 10 }, (_, i) => predict(rows[(sent + i) % rows.length], `demo-${sent + i}`)));
      sent += 10;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const final = await client.workflow.getHandle(releaseId).result();
  console.log(formatState(final).replace(/^/gm, '    '));
  say(`outcome: ${final.status}${final.version !== undefined ? ` (${policy.model} v${final.version} is in production)` : ''}`);
  if (final.rollout) say(`rollout ${final.rollout.status} after ${sent} requests${final.rollout.reason ? `: ${final.rollout.reason}` : ''}`);

  if (final.status === 'promoted') {
    // Serving act: the gateway follows the production pointer within a second.
    for (let i = 0; i < 20 && gateway.catalog.get(policy.model)?.productionVersion !== final.version; i++) await new Promise((r) => setTimeout(r, 100));
    say(`serving ${policy.model} at ${gateway.url}/v1/models/${policy.model}:predict`);
    for (const [i, row] of rows.entries()) {
      const p = await predict(row, `customer-${i}`);
      console.log(`    age ${String(row.age).padEnd(3)} ${row.occupation.padEnd(16)} -> P(>50K) = ${p.predictions[0].toFixed(3)}  (v${p.model_version}, prediction ${p.prediction_ids[0].slice(0, 8)}...)`);
    }
    await gateway.log.flush();
    const metrics = (await (await fetch(`${gateway.url}/metrics`)).text()).split('\n').filter((l) => /^steward_predict_requests_total|^steward_prediction_log_written_total|^steward_predict_duration_seconds_count/.test(l));
    say('gateway metrics (GET /metrics):');
    console.log(metrics.map((l) => `    ${l}`).join('\n'));
    await monitorAct(client, policy, gateway);
  }
  if (link) say(`Web UI: ${link}${keep || running ? '' : ' (live while the stack runs: rerun with --keep, or start `npx steward dev`)'}`);
  return final.status === 'promoted' ? 0 : 1;
}

let exitCode = 1;
try {
  exitCode = regression ? await regressionDemo(client) : await incomeDemo(client);
  if (keep && stack) {
    say('stack kept running; Ctrl-C to stop');
    await new Promise<void>((r) => process.once('SIGINT', () => r()));
  }
} finally {
  await gateway?.close();
  await client.connection.close();
  if (stack) await stack.stop();
  else await database.close();
}
say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(exitCode);
