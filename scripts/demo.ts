/**
 * The demo: starts the embedded stack (or uses a running `steward dev`), registers the Adult income
 * model, releases a model trained on UCI Adult end to end, shows separation of duties refusing the
 * requester's own approval, approves as a second person, and prints the outcome and the Web UI link.
 * `--keep` leaves the stack running afterwards so the release can be browsed in the Web UI.
 */
import { join, resolve } from 'node:path';
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
try {
  const policy = loadPolicyFile(resolve(projectRoot, 'policies/adult-income.json'));
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

  await decideRelease(client, releaseId, 'approve', { principal: approver, comment: 'Evidence reviewed: metrics, fairness and lineage.' });
  say(`approved by ${approver}`);
  const final = await client.workflow.getHandle(releaseId).result();
  console.log(formatState(final).replace(/^/gm, '    '));
  say(`outcome: ${final.status}${final.version !== undefined ? ` (${policy.model} v${final.version} is in production)` : ''}`);
  if (link) say(`Web UI: ${link}${keep || running ? '' : ' (live while the stack runs: rerun with --keep, or start `npx steward dev`)'}`);
  exitCode = final.status === 'promoted' ? 0 : 1;
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
