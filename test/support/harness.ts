/**
 * A real Steward for a test file: the run's Temporal dev server, a fresh database (a new database in
 * the run's PostgreSQL cluster, or an embedded in-memory PGlite), a temp artifact store, and real
 * control + training workers in this process.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import postgres from 'postgres';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../db/client';
import { createAuditAnchor, type AuditAnchor } from '../../lib/audit/anchor';
import { keyPairFromHex, type KeyPair } from '../../lib/identity/keys';
import { localArtifactStore, type ArtifactStore } from '../../lib/runtime/artifacts';
import { createComputePool, createControlWorker, createTrainingWorker, type ComputePool } from '../../workers';

export interface Harness {
  client: Client;
  database: Database;
  artifacts: ArtifactStore;
  /** The workers' compute threads (also for activities a test runs directly). */
  compute: ComputePool;
  artifactsDir: string;
  /** The test database's URL (PostgreSQL harnesses only), for out-of-process clients such as the CLI. */
  databaseUrl?: string;
  temporalAddress: string;
  /** The audit key the workers sign the chain's head with, and the anchor (in the artifact store). */
  auditKey: KeyPair;
  auditAnchor: AuditAnchor;
  /** Stops both workers (a worker crash, as far as Temporal can tell) and starts new ones. */
  restartWorkers(): Promise<void>;
  stopWorkers(): Promise<void>;
  startWorkers(): Promise<void>;
  close(): Promise<void>;
}

async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = inject('postgresUrl');
  const name = `steward_${Math.random().toString(36).slice(2, 10)}`;
  const sql = postgres(admin, { max: 1, onnotice: () => {} });
  await sql.unsafe(`create database ${name}`);
  await sql.end();
  const url = admin.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    drop: async () => {
      const s = postgres(admin, { max: 1, onnotice: () => {} });
      await s.unsafe(`drop database if exists ${name} with (force)`);
      await s.end();
    },
  };
}

let runtimeInstalled = false;

/**
 * @param options.requiredDecisionKey with auth on: the API's public key every release must carry.
 */
export async function startHarness(options: { database: 'postgres' | 'embedded'; trainingWorker?: boolean; requiredDecisionKey?: string }): Promise<Harness> {
  if (!runtimeInstalled) {
    // Worker lifecycle chatter at INFO drowns test output; warnings and errors still show.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const address = inject('temporalAddress');
  const workflowBundlePath = inject('workflowBundlePath');
  const pg = options.database === 'postgres' ? await freshPostgresDatabase() : undefined;
  const database = await openDatabase(pg ? pg.url : { embeddedDir: 'memory://' });
  const artifactsDir = mkdtempSync(join(tmpdir(), 'steward-artifacts-'));
  const artifacts = localArtifactStore(artifactsDir);
  const auditKey = keyPairFromHex('audit', randomBytes(32).toString('hex'), 'test audit key');
  const auditAnchor = createAuditAnchor(artifacts, auditKey);
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection, namespace: 'default' });
  const workerConnection = await NativeConnection.connect({ address });

  const compute = createComputePool();
  let workers: Worker[] = [];
  let runs: Promise<void>[] = [];
  const startWorkers = async () => {
    const control = await createControlWorker({
      connection: workerConnection,
      namespace: 'default',
      workflowBundlePath,
      deps: { db: database.db, artifacts, compute, codeVersion: 'test', auditAnchor, requiredDecisionKey: options.requiredDecisionKey },
    });
    workers = [control];
    if (options.trainingWorker !== false) {
      workers.push((await createTrainingWorker({ connection: workerConnection, namespace: 'default', artifacts, compute, device: 'cpu' })).worker);
    }
    runs = workers.map((w) => w.run());
  };
  const stopWorkers = async () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await Promise.all(runs);
    workers = [];
  };
  await startWorkers();

  return {
    client,
    database,
    artifacts,
    compute,
    artifactsDir,
    databaseUrl: pg?.url,
    temporalAddress: address,
    auditKey,
    auditAnchor,
    startWorkers,
    stopWorkers,
    restartWorkers: async () => {
      await stopWorkers();
      await startWorkers();
    },
    close: async () => {
      // Leave nothing running for the next test file: its workers would pick these up.
      for await (const wf of client.workflow.list({ query: 'ExecutionStatus="Running"' })) {
        await client.workflow.getHandle(wf.workflowId, wf.runId).terminate('test file finished').catch(() => {});
      }
      await stopWorkers();
      await compute.close();
      await workerConnection.close();
      await clientConnection.close();
      await database.close();
      await pg?.drop();
      rmSync(artifactsDir, { recursive: true, force: true });
    },
  };
}
