/**
 * The compute pool: worker threads that run the CPU-heavy release steps (data validation and
 * profiling, training, evaluation). The worker's main thread only waits for them, so it keeps
 * delivering workflow tasks, queries and sign-off Updates at once however heavy the releases in
 * flight are. One pool per process, shared by the control and training workers of that process.
 *
 * @example
 *   const compute = createComputePool();
 *   const result = await compute.run('validate', { file, policy, reference }, { signal });
 */
import { availableParallelism } from 'node:os';
import type { TransferListItem } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { fromPlainError, StewardError } from '../../lib/core/errors';
import type * as tasks from './tasks';
import type { SerializedError } from './tasks';

type Tasks = typeof tasks;
export type TaskName = 'validate' | 'evaluate' | 'train' | 'backtest' | 'monitorWindow';
type Result<N extends TaskName> = Exclude<Awaited<ReturnType<Tasks[N]>>, SerializedError>;

export interface ComputePool {
  /** Runs a task on a thread; `signal` aborts it (the thread is stopped, not asked). */
  run<N extends TaskName>(name: N, input: Parameters<Tasks[N]>[0], options?: { signal?: AbortSignal; transferList?: readonly TransferListItem[] }): Promise<Result<N>>;
  /** Threads started so far (for tests and diagnostics). */
  readonly threads: number;
  close(): Promise<void>;
}

const entry = fileURLToPath(new URL('./thread.mjs', import.meta.url));

/** A task's result, or its StewardError rebuilt (the class does not survive a thread boundary). */
function unwrap<T>(out: T | SerializedError): T {
  if (typeof out === 'object' && out !== null && 'stewardError' in out) throw fromPlainError(out.stewardError);
  return out;
}

/**
 * @param threads at most this many tasks run at once (default: `STEWARD_COMPUTE_THREADS`, else the
 *   machine's cores, at least 2). 0 runs every task on the calling thread: the behaviour before the
 *   pool existed, kept for debugging and for `bench:control` to measure what the pool changes.
 */
export function createComputePool(options: { threads?: number } = {}): ComputePool {
  const configured = options.threads ?? (process.env.STEWARD_COMPUTE_THREADS !== undefined ? Number(process.env.STEWARD_COMPUTE_THREADS) : undefined);
  if (configured !== undefined && !(Number.isInteger(configured) && configured >= 0)) {
    throw new StewardError('InvalidInput', `STEWARD_COMPUTE_THREADS must be a whole number, got "${process.env.STEWARD_COMPUTE_THREADS}"`, { field: 'STEWARD_COMPUTE_THREADS' });
  }
  if (configured === 0) return inlinePool();
  const piscina = new Piscina({
    filename: entry,
    minThreads: 0,
    maxThreads: configured ?? Math.max(2, availableParallelism()),
    // A thread keeps TF.js and the WebAssembly kernels loaded between tasks for a while.
    idleTimeout: 60_000,
    // Tasks are async (file reads, TF.js): the thread's event loop must run between messages.
    atomics: 'disabled',
    // Lower priority (Linux nice +10, through @napi-rs/nice): when compute saturates the cores, the
    // worker's main thread and workflow thread still get the CPU at once.
    niceIncrement: 10,
  });
  return {
    async run(name, input, runOptions = {}) {
      return unwrap(await piscina.run(input, { name, signal: runOptions.signal ?? null, transferList: runOptions.transferList as never }));
    },
    get threads() {
      return piscina.threads.length;
    },
    close: () => piscina.destroy(),
  };
}

/** Every task on the calling thread (threads: 0). */
function inlinePool(): ComputePool {
  const load = () => import('./tasks');
  return {
    async run(name, input) {
      return unwrap(await ((await load())[name] as (i: unknown) => Promise<unknown>)(input)) as never;
    },
    threads: 0,
    close: async () => {},
  };
}

/**
 * Runs a task for the current activity: heartbeats while it runs (so a cancellation reaches the
 * activity) and stops the thread when the activity is cancelled.
 *
 * @example const bundle = await runForActivity(Context.current(), compute, 'evaluate', input);
 */
export async function runForActivity<N extends TaskName>(
  ctx: { heartbeat(details?: unknown): void; cancellationSignal: AbortSignal },
  pool: ComputePool,
  name: N,
  input: Parameters<Tasks[N]>[0],
  options: { transferList?: readonly TransferListItem[]; heartbeatEveryMs?: number } = {},
): Promise<Result<N>> {
  const beat = setInterval(() => ctx.heartbeat(), options.heartbeatEveryMs ?? 5_000);
  try {
    return await pool.run(name, input, { signal: ctx.cancellationSignal, transferList: options.transferList });
  } finally {
    clearInterval(beat);
  }
}
