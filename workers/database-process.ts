/**
 * The embedded database in a process of its own. PGlite runs every query synchronously inside its
 * WebAssembly module, on the thread that owns it: owned by the stack's main thread, a burst of
 * queries (a dozen releases starting at once) held up the workflow tasks, queries and sign-off
 * Updates that thread delivers, and its memory (about 200 MB of WebAssembly memory) counted as the
 * workers'. A child process opens the database (migrations, the folder lock) and serves it on a
 * loopback port; the stack's workers connect to it as every CLI process does, through the
 * PostgreSQL client, as they would to a PostgreSQL server in a deployment.
 *
 * The child never outlives the stack: it exits when its IPC channel to the parent closes, which
 * happens however the parent ends (kill -9 included).
 *
 * @example
 *   const db = await startEmbeddedDatabaseProcess('.steward/pgdata');
 *   const database = await openDatabase(db.url); ...; await database.close(); await db.stop();
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { fromPlainError, type PlainStewardError } from '../lib/core/errors';

export interface EmbeddedDatabaseProcess {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  pid: number;
  /** The process's memory (`process.memoryUsage()` there) and PGlite's WebAssembly memory, in bytes (diagnostics). */
  memory(): Promise<DatabaseProcessMemory>;
  /** Stops serving, closes the database (its folder lock too) and waits for the process to end. */
  stop(): Promise<void>;
}

export interface DatabaseProcessMemory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  wasmBytes: number;
}

/** Messages from the child (database-owner.ts). */
export type OwnerMessage =
  | { type: 'ready'; port: number }
  | { type: 'failed'; error: PlainStewardError | { type?: undefined; reason: string }; exited?: true }
  | ({ type: 'memory' } & DatabaseProcessMemory)
  | { type: 'stopped' };

const entry = fileURLToPath(new URL('./database-process.mjs', import.meta.url));

/** The next message of `type` (or a failure) from `child`; a child that exits first is a failure. */
function reply(child: ChildProcess, type: OwnerMessage['type']): Promise<OwnerMessage> {
  return new Promise((resolve) => {
    const onMessage = (m: OwnerMessage) => {
      if (m.type !== type && m.type !== 'failed') return;
      done();
      resolve(m);
    };
    const onExit = (code: number | null, signal: string | null) => {
      done();
      resolve({ type: 'failed', error: { reason: `the database process exited (${signal ?? `code ${code}`})` }, exited: true });
    };
    const done = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Opens `dir` (a folder, or 'memory://') in a child process and serves it on a free loopback port. */
export async function startEmbeddedDatabaseProcess(dir: string): Promise<EmbeddedDatabaseProcess> {
  // Plain node (the entry registers tsx itself); stderr shared so a crash is seen; no stdin.
  const child = fork(entry, [dir], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const first = await reply(child, 'ready');
  if (first.type === 'failed') {
    child.kill('SIGKILL');
    const e = first.error;
    throw e.type ? fromPlainError(e) : new Error(`embedded database: ${e.reason}`);
  }
  const port = (first as { port: number }).port;
  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pid: child.pid!,
    async memory() {
      const answer = reply(child, 'memory');
      child.send('memory');
      const m = await answer;
      if (m.type === 'failed') throw new Error(`embedded database: ${m.error.reason}`);
      const { type: _type, ...memory } = m as Extract<OwnerMessage, { type: 'memory' }>;
      return memory;
    },
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        const answer = reply(child, 'stopped');
        child.send('stop');
        const m = await answer;
        await exited;
        // A process that ended before answering has nothing left to close.
        if (m.type === 'failed' && !m.exited) throw new Error(`embedded database: ${m.error.reason}`);
      })();
      return stopping;
    },
  };
}
