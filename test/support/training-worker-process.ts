/**
 * A CPU training worker in its own process, so a test can kill it with SIGKILL mid-epoch the way a
 * machine dies. Args: <temporal address> <artifacts dir>. Prints "ready" once polling.
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { localArtifactStore } from '../../lib/runtime/artifacts';
import { createComputePool, createTrainingWorker } from '../../workers';

const [address, artifactsDir] = process.argv.slice(2);
Runtime.install({ logger: new DefaultLogger('WARN') });
const connection = await NativeConnection.connect({ address });
const { worker } = await createTrainingWorker({ connection, namespace: 'default', artifacts: localArtifactStore(artifactsDir), compute: createComputePool(), device: 'cpu' });
const running = worker.run();
console.log('ready');
await running;
