/**
 * A control worker (workflows and control activities) in its own process, so a test can kill it
 * with SIGKILL in the middle of a rollout the way a machine dies. Args: <temporal address>
 * <database url> <artifacts dir> <workflow bundle>. Prints "ready" once polling.
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { openDatabase } from '../../db/client';
import { localArtifactStore } from '../../lib/runtime/artifacts';
import { createComputePool, createControlWorker } from '../../workers';

const [address, databaseUrl, artifactsDir, workflowBundlePath] = process.argv.slice(2);
Runtime.install({ logger: new DefaultLogger('WARN') });
const connection = await NativeConnection.connect({ address });
const database = await openDatabase(databaseUrl);
const worker = await createControlWorker({ connection, namespace: 'default', workflowBundlePath, deps: { db: database.db, artifacts: localArtifactStore(artifactsDir), compute: createComputePool(), codeVersion: 'test' } });
const running = worker.run();
console.log('ready');
await running;
