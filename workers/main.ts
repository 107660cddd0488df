/**
 * Standalone worker process for production: `npx tsx workers/main.ts control|training`.
 * Needs TEMPORAL_ADDRESS; DATABASE_URL for the control worker; STEWARD_ARTIFACTS shared by all.
 */
import { createComputePool, createControlWorker, createTrainingWorker, workerSecurity } from './index';
import { openDatabase } from '../db/client';
import { localArtifactStore } from '../lib/runtime/artifacts';
import { loadConfig } from '../lib/runtime/config';
import { connectWorker } from '../lib/runtime/temporal';
import { codeVersion } from '../lib/runtime/code-version';
import { createLogger, temporalLogger } from '../lib/runtime/log';
import { join } from 'node:path';
import { Runtime } from '@temporalio/worker';

const role = process.argv[2];
if (role !== 'control' && role !== 'training') {
  console.error('usage: tsx workers/main.ts control|training');
  process.exit(2);
}
// One JSON line per event on stderr. SIGTERM and SIGINT stop the worker gracefully (the SDK's
// shutdown signals): it takes no new tasks, lets running ones finish, then the process exits 0.
const log = createLogger();
Runtime.install({ logger: temporalLogger(log) });
const config = loadConfig();
if (!config.temporal.address) {
  console.error('TEMPORAL_ADDRESS is not set (for the embedded stack use `npx steward dev`)');
  process.exit(2);
}
const connection = await connectWorker(config.temporal, config.temporal.address);
const artifacts = localArtifactStore(config.artifactsDir);
const compute = createComputePool();
if (role === 'control') {
  if (!config.databaseUrl) {
    console.error('DATABASE_URL is not set: a control worker needs the shared PostgreSQL');
    process.exit(2);
  }
  const database = await openDatabase(config.databaseUrl);
  const worker = await createControlWorker({
    connection,
    namespace: config.temporal.namespace,
    deps: { db: database.db, artifacts, compute, codeVersion: codeVersion(), ...workerSecurity(config, artifacts) },
    bundleCacheDir: join(config.home, 'cache'),
  });
  const { Client } = await import('@temporalio/client');
  const { ensureLogRetentionSchedule } = await import('../lib/serving/schedule');
  await ensureLogRetentionSchedule(new Client({ connection, namespace: config.temporal.namespace }));
  log.info({ temporal: config.temporal.address, taskQueue: 'control' }, 'control worker polling');
  await worker.run();
  await database.close();
} else {
  const { worker, taskQueue } = await createTrainingWorker({ connection, namespace: config.temporal.namespace, artifacts, compute });
  log.info({ temporal: config.temporal.address, taskQueue }, 'training worker polling');
  await worker.run();
}
await compute.close();
await connection.close();
log.info('worker stopped');
