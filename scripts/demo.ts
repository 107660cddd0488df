/**
 * The demo: starts the embedded stack (or uses a running `steward dev`), registers the Adult income
 * model, releases a model trained on UCI Adult end to end, shows separation of duties refusing the
 * requester's own approval, approves as a second person, and prints the outcome and the Web UI link.
 * `--keep` leaves the stack running afterwards so the release can be browsed in the Web UI.
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
import { registerModel } from '../lib/registry/models';
import { projectRoot, sharedDataDir } from '../lib/runtime/paths';
import { readStackInfo, startStack } from '../workers/stack';
import { connectClient } from '../lib/runtime/temporal';
import { openDatabase } from '../db/client';
import { formatState } from '../cli/format';
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

/** The binary classifier's release (the default demo). */
async function incomeDemo(c: Client): Promise<number> {
  const policy = loadPolicyFile(resolve(projectRoot, 'policies/adult-income.json'));
  const reg = await registerModel(database.db, policy);
  say(`model ${reg.name} registered (policy ${reg.policyHash.slice(0, 12)}); approvers: ${policy.approvals.approvers.join(', ')}`);

  const requester = 'maria.engineer';
  const approver = policy.approvals.approvers[0];
  const dataFile = join(sharedDataDir(), 'adult', 'adult.data');
  const releaseId = await startRelease(c, { model: policy.model, dataFile, requestedBy: requester });
  const link = info.uiUrl ? `${info.uiUrl}/namespaces/${info.namespace}/workflows/${releaseId}` : undefined;
  say(`release ${releaseId} started by ${requester}`);
  if (link) say(`follow it in the Temporal Web UI: ${link}`);

  const waiting = await waitForStage(c, releaseId, 'awaiting-approval', 15 * 60_000);
  if (waiting.stage !== 'awaiting-approval') throw new Error(`release ended before sign-off: ${waiting.status} ${waiting.reason ?? ''}`);
  say('candidate ready for sign-off:');
  console.log(formatState(waiting).replace(/^/gm, '    '));

  try {
    await decideRelease(c, releaseId, 'approve', { principal: requester, comment: 'looks good to me' });
    throw new Error('separation of duties failed: the requester approved her own release');
  } catch (e) {
    if (!(e instanceof StewardError) || e.type !== 'UnauthorizedApprover') throw e;
    say(`refused as expected: ${e.message}`);
  }

  await decideRelease(c, releaseId, 'approve', { principal: approver, comment: 'Evidence reviewed: metrics, fairness and lineage.' });
  say(`approved by ${approver}`);
  const final = await c.workflow.getHandle(releaseId).result();
  console.log(formatState(final).replace(/^/gm, '    '));
  say(`outcome: ${final.status}${final.version !== undefined ? ` (${policy.model} v${final.version} is in production)` : ''}`);
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
  await client.connection.close();
  if (stack) await stack.stop();
  else await database.close();
}
say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(exitCode);
