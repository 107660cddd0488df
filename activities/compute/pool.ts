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
import { StewardError } from '../../lib/core/errors';
import type * as tasks from './tasks';
import type { SerializedError } from './tasks';

type Tasks = typeof tasks;
export type TaskName = 'validate' | 'evaluate' | 'train';
type Result<N extends TaskName> = Exclude<Awaited<ReturnType<Tasks[N]>>, SerializedError>;

export interface ComputePool {
  /** Runs a task on a thread; `signal` aborts it (the thread is stopped, not asked). */
  run<N extends TaskName>(name: N, input: Parameters<Tasks[N]>[0], options?: { signal?: AbortSignal; transferList?: readonly TransferListItem[] }): Promise<Result<N>>;
  /** Threads started so far (for tests and diagnostics). */
  readonly threads: number;
  close(): Promise<void>;
}

const entry = fileURLToPath(new URL('./thread.mjs', import.meta.url));

function isSerializedError(v: unknown): v is SerializedError {
  return typeof v === 'object' && v !== null && 'stewardError' in v;
}

/**
 * @param threads at most this many tasks run at once (default: the machine's cores, at least 2).
 */
export function createComputePool(options: { threads?: number } = {}): ComputePool {
  const piscina = new Piscina({
    filename: entry,
    minThreads: 0,
    maxThreads: options.threads ?? Math.max(2, availableParallelism()),
    // A thread keeps TF.js and the WebAssembly kernels loaded between tasks for a while.
    idleTimeout: 60_000,
    // Tasks are async (file reads, TF.js): the thread's event loop must run between messages.
    atomics: 'disabled',
  });
  return {
    async run(name, input, runOptions = {}) {
      const out = await piscina.run(input, { name, signal: runOptions.signal ?? null, transferList: runOptions.transferList as never });
      if (isSerializedError(out)) {
        const e = out.stewardError;
        throw new StewardError(e.type, e.reason, e.location, { details: e.details });
      }
      return out;
    },
    get threads() {
      return piscina.threads.length;
    },
    close: () => piscina.destroy(),
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
