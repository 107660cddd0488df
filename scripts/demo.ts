/**
 * The demo: starts the embedded stack (or uses a running `steward dev`), registers the Adult income
 * model, releases a model trained on UCI Adult end to end, shows separation of duties refusing the
 * requester's own approval, approves as a second person, and prints the outcome and the Web UI link.
 * Then it serves the promoted version through a gateway (a few predictions, the model's routes, its
 * metrics). From the second run on, the approved version is rolled out as a canary against the
 * previous one while the demo sends it traffic (the policy's rollout interval is shortened to 4 s so
 * the demo stays short). `--keep` leaves the stack running afterwards so the release can be browsed
 * in the Web UI.
 */
import { join, resolve } from 'node:path';
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

const started = Date.now();
const keep = process.argv.includes('--keep');
const say = (line: string) => console.log(`[demo ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
const config = loadConfig();

const running = readStackInfo(config.home);
const stack = running ? undefined : await startStack({ config, log: say });
const info = running ?? stack!.info;
if (running) say(`using the running Steward stack (pid ${running.pid})`);
const database = stack?.database ?? (await openDatabase(config.databaseUrl ?? running!.databaseUrl ?? { embeddedDir: join(config.home, 'pgdata') }));
const client = await connectClient(config.temporal, info.temporalAddress);

let exitCode = 1;
let gateway: Gateway | undefined;
try {
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
  }
  if (link) say(`Web UI: ${link}${keep || running ? '' : ' (live while the stack runs: rerun with --keep, or start `npx steward dev`)'}`);
  exitCode = final.status === 'promoted' ? 0 : 1;
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
