/**
 * Standalone worker process for production: `npx tsx workers/main.ts control|training`.
 * Needs TEMPORAL_ADDRESS; DATABASE_URL for the control worker; STEWARD_ARTIFACTS shared by all.
 */
import { createControlWorker, createTrainingWorker } from './index';
import { openDatabase } from '../db/client';
import { localArtifactStore } from '../lib/registry/artifacts';
import { loadConfig } from '../lib/runtime/config';
import { connectWorker } from '../lib/runtime/temporal';
import { codeVersion } from '../lib/runtime/code-version';

const role = process.argv[2];
if (role !== 'control' && role !== 'training') {
  console.error('usage: tsx workers/main.ts control|training');
  process.exit(2);
}
const config = loadConfig();
if (!config.temporal.address) {
  console.error('TEMPORAL_ADDRESS is not set (for the embedded stack use `npx steward dev`)');
  process.exit(2);
}
const connection = await connectWorker(config.temporal, config.temporal.address);
const artifacts = localArtifactStore(config.artifactsDir);
if (role === 'control') {
  if (!config.databaseUrl) {
    console.error('DATABASE_URL is not set: a control worker needs the shared PostgreSQL');
    process.exit(2);
  }
  const database = await openDatabase(config.databaseUrl);
  const worker = await createControlWorker({ connection, namespace: config.temporal.namespace, deps: { db: database.db, artifacts, codeVersion: codeVersion() } });
  const { Client } = await import('@temporalio/client');
  const { ensureLogRetentionSchedule } = await import('../lib/serving/schedule');
  await ensureLogRetentionSchedule(new Client({ connection, namespace: config.temporal.namespace }));
  console.log(`control worker polling ${config.temporal.address}`);
  await worker.run();
  await database.close();
} else {
  const { worker, taskQueue } = await createTrainingWorker({ connection, namespace: config.temporal.namespace, artifacts });
  console.log(`training worker polling ${taskQueue}`);
  await worker.run();
}
await connection.close();
