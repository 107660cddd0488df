/**
 * The embedded stack for one machine: Temporal dev server (SQLite under the state folder, Web UI),
 * the database (PGlite under the state folder, in a child process serving it on loopback; or
 * DATABASE_URL), the control worker and a training worker in this process. Other processes (the CLI)
 * find it through `<home>/stack.json`.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from '@temporalio/worker';
import { openDatabase, type Database } from '../db/client';
import { localArtifactStore } from '../lib/runtime/artifacts';
import type { StewardConfig } from '../lib/runtime/config';
import { startDevServer, type DevServer } from '../lib/runtime/dev-server';
import type { EmbeddedDatabaseProcess } from './database-process';
import { connectWorker } from '../lib/runtime/temporal';
import { codeVersion } from '../lib/runtime/code-version';
import { readStackInfo, stackFile, type StackInfo } from '../lib/runtime/stack-file';

export { readStackInfo, type StackInfo } from '../lib/runtime/stack-file';

export interface Stack {
  info: StackInfo;
  database: Database;
  /** The embedded database's process (absent with DATABASE_URL). */
  databaseProcess?: EmbeddedDatabaseProcess;
  stop(): Promise<void>;
}

export interface StartStackOptions {
  config: StewardConfig;
  temporalPort?: number;
  uiPort?: number;
  log?: (line: string) => void;
}

/**
 * @example const stack = await startStack({ config: loadConfig() }); ...; await stack.stop();
 */
export async function startStack(o: StartStackOptions): Promise<Stack> {
  const log = o.log ?? ((l: string) => console.error(l));
  const cfg = o.config;
  mkdirSync(cfg.home, { recursive: true });
  const running = readStackInfo(cfg.home);
  if (running && running.pid !== process.pid) {
    throw new Error(`a Steward stack is already running (pid ${running.pid}, Temporal ${running.temporalAddress}); stop it first or use it`);
  }

  const { Runtime } = await import('@temporalio/worker');
  const { createLogger, temporalLogger } = await import('../lib/runtime/log');
  try {
    // The SDK's events as one JSON line each on stderr; worker life-cycle chatter only at info or below.
    Runtime.install({ logger: temporalLogger(createLogger({ level: process.env.STEWARD_LOG_LEVEL ?? 'warn' })) });
  } catch {
    // Already installed by the embedding process: keep its logger.
  }
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((e) => log(`shutdown: ${String(e)}`));
    rmSync(stackFile(cfg.home), { force: true });
  };
  try {
    // The Temporal dev server and the embedded database's process are independent: both start at once
    // (each takes a couple of seconds), and whichever started is stopped if the other fails.
    const [serverStart, databaseStart] = await Promise.allSettled([
      cfg.temporal.address
        ? undefined
        : startDevServer({
            dbFile: join(cfg.home, 'temporal.db'),
            port: o.temporalPort ?? 7233,
            uiPort: o.uiPort ?? 8233,
            logFile: join(cfg.home, 'temporal.log'),
          }),
      // The embedded database runs in a process of its own and is served on loopback: the workers
      // connect to it as every CLI process does, so its queries never run on the thread that
      // delivers workflow tasks, queries and sign-off Updates.
      cfg.databaseUrl ? undefined : import('./database-process').then(({ startEmbeddedDatabaseProcess }) => startEmbeddedDatabaseProcess(join(cfg.home, 'pgdata'))),
    ]);
    const server: DevServer | undefined = serverStart.status === 'fulfilled' ? serverStart.value : undefined;
    if (server) stops.push(() => server.stop());
    const databaseProcess: EmbeddedDatabaseProcess | undefined = databaseStart.status === 'fulfilled' ? databaseStart.value : undefined;
    if (databaseProcess) stops.push(() => databaseProcess.stop());
    if (serverStart.status === 'rejected') {
      // Both can fail at once (a taken port, a held folder): the second reason is not lost.
      if (databaseStart.status === 'rejected') log(`the embedded database did not start either: ${databaseStart.reason instanceof Error ? databaseStart.reason.message : String(databaseStart.reason)}`);
      throw serverStart.reason;
    }
    if (databaseStart.status === 'rejected') throw databaseStart.reason;
    const address = server?.address ?? cfg.temporal.address!;
    if (server) log(`Temporal dev server at ${address} (CLI from ${server.source}); Web UI ${server.uiUrl}`);
    const databaseUrl = databaseProcess?.url ?? cfg.databaseUrl!;
    const database = await openDatabase(databaseUrl);
    stops.push(() => database.close());

    const connection = await connectWorker(cfg.temporal, address);
    stops.push(() => connection.close());
    const artifacts = localArtifactStore(cfg.artifactsDir);
    const { createComputePool, createControlWorker, createTrainingWorker, workerSecurity } = await import('.');
    // One pool of compute threads for both workers: validation, evaluation and training never run on
    // the thread that delivers workflow tasks, queries and sign-off Updates.
    const compute = createComputePool();
    stops.push(() => compute.close());
    const control = await createControlWorker({
      connection,
      namespace: cfg.temporal.namespace,
      deps: { db: database.db, artifacts, compute, codeVersion: codeVersion(), ...workerSecurity(cfg, artifacts) },
      bundleCacheDir: join(cfg.home, 'cache'),
    });
    const training = await createTrainingWorker({ connection, namespace: cfg.temporal.namespace, artifacts, compute });
    const workers: Worker[] = [control, training.worker];
    const runs = workers.map((w) => w.run());
    stops.push(async () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.allSettled(runs);
    });
    log(`workers polling: control, ${training.taskQueue}`);
    const { Client } = await import('@temporalio/client');
    const { ensureLogRetentionSchedule } = await import('../lib/serving/schedule');
    await ensureLogRetentionSchedule(new Client({ connection, namespace: cfg.temporal.namespace }));

    const info: StackInfo = {
      pid: process.pid,
      temporalAddress: address,
      namespace: cfg.temporal.namespace,
      uiUrl: server?.uiUrl,
      databaseUrl,
      temporalSource: server?.source,
      auth: cfg.authOn,
    };
    writeFileSync(stackFile(cfg.home), JSON.stringify(info, null, 2));
    return { info, database, databaseProcess, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
