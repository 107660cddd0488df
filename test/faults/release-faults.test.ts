/**
 * The durable core under kill -9: the control worker mid-evaluation, the Temporal server mid-training
 * (restarted on the same state), PostgreSQL at the start of a release and while it awaits sign-off,
 * and the embedded stack process itself. Every release still ends promoted with exactly one version,
 * one recorded decision per approver, and an intact audit chain.
 *
 * Workers run as the production entry point (`workers/main.ts`) in processes of their own, against
 * a Temporal dev server and a PostgreSQL cluster that belong to this file alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../db/client';
import { approvals, modelVersions } from '../../db/schema';
import { decideRelease, startRelease, waitForStage } from '../../lib/release/client';
import { statusQuery } from '../../lib/release/messages';
import type { ReleaseStage, ReleaseState } from '../../lib/release/types';
import { verifyAuditChain } from '../../lib/registry/audit';
import { registerModel } from '../../lib/registry/models';
import { startDevServer, type DevServer } from '../../lib/runtime/dev-server';
import { freePort } from '../../lib/runtime/net';
import { projectRoot } from '../../lib/runtime/paths';
import { adultTrainingSlice, testPolicy } from '../support/fixtures';
import { startTestPostgres, type TestPostgres } from '../support/postgres';

const dir = mkdtempSync(join(tmpdir(), 'steward-faults-'));
/** Every process a test started (killed at the end), with its output so far for the message of a step that does not finish in time. */
const outputs = new Map<ChildProcess, { args: string[]; out: string }>();

/** A process of ours, its output collected; resolves once `ready` appears in it. */
function launch(args: string[], env: NodeJS.ProcessEnv, ready: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd: projectRoot, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const record = { args, out: '' };
  outputs.set(child, record);
  return new Promise((resolveReady, reject) => {
    const seen = (d: Buffer) => {
      record.out += d;
      if (record.out.includes(ready)) resolveReady(child);
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before "${ready}":\n${record.out.slice(-2000)}`)));
  });
}

/** kill -9 of a process and everything it started (its process group). */
function kill9(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
  return exited;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * `step`, or after `ms` an error that says where the release is stuck: its pending activities (attempt,
 * last failure) and the end of each worker's output. A step that hangs must not end as a bare test
 * timeout followed by "Channel has been shut down" when the client closes.
 */
async function within<T>(step: Promise<T>, what: string, client: Client, id: string, ms = 150_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void (async () => {
        const described = await client.workflow.getHandle(id).describe().catch((e: Error) => ({ raw: { pendingActivities: [] }, error: e.message }));
        const pending = (described.raw.pendingActivities ?? []).map((a) => `${a.activityType?.name} attempt ${a.attempt} state ${a.state} last failure: ${a.lastFailure?.message ?? '-'}`);
        const logs = [...outputs.values()].filter((o) => o.args.includes('workers/main.ts')).map((o) => `--- ${o.args.at(-1)} worker:\n${o.out.slice(-1500)}`);
        reject(new Error(`${what} did not finish within ${ms} ms; release ${id}: ${'error' in described ? described.error : ''}\npending: ${pending.join('\n  ') || 'none'}\n${logs.join('\n')}`));
      })();
    }, ms);
  });
  try {
    return await Promise.race([step, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('a release survives kill -9 of its components', () => {
  let pg: TestPostgres;
  let server: DevServer;
  let client: Client;
  let database: Database;
  let dbUrl: string;
  let temporalPort: number;
  const dbFile = join(dir, 'temporal.db');
  const artifactsDir = join(dir, 'artifacts');
  const workerEnv = () => ({ TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`, DATABASE_URL: dbUrl, STEWARD_ARTIFACTS: artifactsDir, STEWARD_LOG_LEVEL: 'info' });
  const worker = (role: 'control' | 'training') => launch(['--import', 'tsx', 'workers/main.ts', role], workerEnv(), `${role} worker polling`);
  const stage = async (id: string, wanted: ReleaseStage) => until(async () => ((await client.workflow.getHandle(id).query(statusQuery)).stage === wanted ? true : undefined), `stage ${wanted}`);

  /** What every scenario ends with: promoted, one version, one decision, an intact chain. */
  async function expectCleanOutcome(id: string, model: string) {
    const final: ReleaseState = await client.workflow.getHandle(id).result();
    expect(final.status).toBe('promoted');
    expect(await database.db.select().from(modelVersions).where(eq(modelVersions.model, model))).toHaveLength(1);
    expect(await database.db.select().from(approvals).where(eq(approvals.releaseId, id))).toHaveLength(1);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
  }

  beforeAll(async () => {
    pg = await startTestPostgres();
    const admin = postgres(pg.url, { max: 1, onnotice: () => {} });
    await admin.unsafe('create database steward_faults');
    await admin.end();
    dbUrl = pg.url.replace(/\/[^/]*$/, '/steward_faults');
    database = await openDatabase(dbUrl);
    temporalPort = await freePort();
    server = await startDevServer({ dbFile, port: temporalPort, ui: false });
    client = new Client({ connection: await Connection.connect({ address: server.address }), namespace: 'default' });
  });

  afterAll(async () => {
    for (const c of outputs.keys()) await kill9(c);
    await client?.connection.close();
    await database?.close();
    await server?.stop();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('completes after the control worker is killed mid-evaluation', async () => {
    const policy = testPolicy('fault-control', { evaluationRows: 6000 });
    policy.compute.heartbeatTimeout = 10_000;
    await registerModel(database.db, policy);
    let control = await worker('control');
    const training = await worker('training');
    const id = await startRelease(client, { model: policy.model, dataFile: adultTrainingSlice(2000), requestedBy: 'alice' });
    await stage(id, 'evaluating');
    await kill9(control);
    control = await worker('control');
    await waitForStage(client, id, 'awaiting-approval', 180_000);
    await decideRelease(client, id, 'approve', { principal: 'bob' });
    await expectCleanOutcome(id, policy.model);
    await kill9(control);
    await kill9(training);
  });

  it('completes after the Temporal server is killed mid-training and restarted on the same state', async () => {
    const policy = testPolicy('fault-temporal');
    policy.training = { ...policy.training, epochs: 15 };
    await registerModel(database.db, policy);
    const control = await worker('control');
    const training = await worker('training');
    const id = await startRelease(client, { model: policy.model, dataFile: adultTrainingSlice(3000, 500), requestedBy: 'alice' });
    await stage(id, 'training');
    server.crash();
    server = await startDevServer({ dbFile, port: temporalPort, ui: false });
    await waitForStage(client, id, 'awaiting-approval', 180_000);
    await decideRelease(client, id, 'approve', { principal: 'carol' });
    await expectCleanOutcome(id, policy.model);
    await kill9(control);
    await kill9(training);
  });

  it('completes after PostgreSQL is killed as the release starts and again while it awaits sign-off', async () => {
    const policy = testPolicy('fault-postgres');
    await registerModel(database.db, policy);
    const control = await worker('control');
    const training = await worker('training');
    const id = await startRelease(client, { model: policy.model, dataFile: adultTrainingSlice(1500, 1000), requestedBy: 'alice' });
    pg.crash();
    await new Promise((r) => setTimeout(r, 3000));
    pg.restart();
    await waitForStage(client, id, 'awaiting-approval', 180_000);
    pg.crash();
    const decided = decideRelease(client, id, 'approve', { principal: 'bob' });
    await new Promise((r) => setTimeout(r, 3000));
    pg.restart();
    await within(decided, 'the sign-off', client, id);
    await within(expectCleanOutcome(id, policy.model), 'the promotion', client, id);
    await kill9(control);
    await kill9(training);
  });

  it('completes after the embedded stack (steward dev) is killed mid-training and started again', async () => {
    const home = join(dir, 'embedded');
    const ports = [await freePort(), await freePort()];
    const env = { STEWARD_HOME: home };
    const dev = () => launch(['bin/steward.mjs', 'dev', '--port', String(ports[0]), '--ui-port', String(ports[1])], env, 'Press Ctrl-C');
    const cli = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolveRun) => {
        const child = spawn(process.execPath, ['bin/steward.mjs', ...args], { cwd: projectRoot, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('exit', (code) => resolveRun({ code: code ?? -1, stdout, stderr }));
      });
    let stack = await dev();
    const policy = testPolicy('fault-stack');
    policy.training = { ...policy.training, epochs: 15 };
    const policyFile = join(dir, 'fault-stack.json');
    writeFileSync(policyFile, JSON.stringify(policy));
    expect((await cli('register', policyFile)).code).toBe(0);
    const released = await cli('release', 'fault-stack', '--data', adultTrainingSlice(3000, 3000), '--as', 'alice', '--json');
    const { releaseId } = JSON.parse(released.stdout) as { releaseId: string };
    await until(async () => {
      const s = JSON.parse((await cli('status', releaseId, '--json')).stdout) as ReleaseState;
      return s.stage === 'training' ? true : undefined;
    }, 'training');
    await kill9(stack);
    stack = await dev(); // the dev server it left behind is stopped, the database lock taken over
    const waiting = await until(async () => {
      const s = JSON.parse((await cli('status', releaseId, '--json')).stdout) as ReleaseState;
      return s.stage === 'awaiting-approval' ? s : undefined;
    }, 'sign-off');
    expect(waiting.version).toBe(1);
    expect((await cli('approve', releaseId, '--as', 'bob')).code).toBe(0);
    const promoted = await until(async () => {
      const s = JSON.parse((await cli('status', releaseId, '--json')).stdout) as ReleaseState;
      return s.status === 'promoted' ? s : undefined;
    }, 'promotion');
    expect(promoted.approvals.map((a) => a.principal)).toEqual(['bob']);
    const audit = await cli('audit', 'verify', '--json');
    expect(JSON.parse(audit.stdout)).toMatchObject({ ok: true });
    const versions = JSON.parse((await cli('versions', 'fault-stack', '--json')).stdout) as unknown[];
    expect(versions).toHaveLength(1);
    stack.kill('SIGINT');
  });
});
