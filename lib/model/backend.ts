/**
 * Picks the fastest TensorFlow.js backend this process can run, once.
 *
 * Order tried: `@tensorflow/tfjs-node-gpu` (only when a GPU is visible), `@tensorflow/tfjs-node`,
 * the WebAssembly backend, then the pure-JS `cpu` backend. The native packages are optional
 * dependencies that often cannot be installed (their install script downloads libtensorflow), so
 * they are resolved and imported dynamically and any failure just moves to the next candidate.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { execFile } from 'node:child_process';
import { tf } from './tf';

/** Backends Steward knows how to run; `tensorflow-gpu` and `tensorflow` are libtensorflow bindings. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** `auto` walks the whole chain; a backend name starts the chain at that backend. */
export type BackendPreference = 'auto' | BackendName;

/** What `initBackend` settled on. */
export interface BackendInfo {
  name: BackendName;
  /** Name of the backend inside tfjs (`tf.getBackend()`); both libtensorflow packages register 'tensorflow'. */
  tfBackend: string;
  /**
   * How many trainings this process should run at once: the GPU count for `tensorflow-gpu`, else 1
   * (a tfjs engine is a single global, CPU backends already use the cores they can).
   */
  devices: number;
  /** wasm only: whether the SIMD build of the kernels was loaded. */
  simd?: boolean;
  /** wasm only: kernel thread count (tfjs disables wasm threads under Node, so 1 there). */
  threads?: number;
  /** Candidates that were skipped, with why, so a worker log explains a slow backend. */
  skipped: { name: BackendName; reason: string }[];
}

/** GPUs visible to this machine and whether the GPU build of tfjs is installed. */
export interface GpuInfo {
  /** True when at least one GPU is visible and `@tensorflow/tfjs-node-gpu` resolves. */
  available: boolean;
  /** Number of visible NVIDIA GPUs (0 when none). */
  devices: number;
  names: string[];
  /** Whether `@tensorflow/tfjs-node-gpu` is installed (resolvable) in this project. */
  runtimeInstalled: boolean;
}

const chain: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
const requireHere = createRequire(import.meta.url);

function resolvable(pkg: string): boolean {
  try {
    requireHere.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function listGpusFromProc(): string[] | undefined {
  // The NVIDIA kernel driver exposes one directory per GPU; reading it needs no CUDA toolkit.
  const root = '/proc/driver/nvidia/gpus';
  if (!existsSync(root)) return undefined;
  return readdirSync(root).map((bus) => {
    try {
      const info = readFileSync(join(root, bus, 'information'), 'utf8');
      const model = /^Model:\s*(.+)$/m.exec(info)?.[1]?.trim();
      return model ? `${model} (${bus})` : bus;
    } catch {
      return bus;
    }
  });
}

function listGpusFromSmi(): Promise<string[]> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['-L'], { timeout: 5000 }, (err, stdout) => {
      if (err) return resolve([]);
      resolve(
        stdout
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l.startsWith('GPU ')),
      );
    });
  });
}

/**
 * Looks for NVIDIA GPUs and the GPU build of tfjs. A worker calls this at start-up to decide whether
 * to poll the GPU task queue and with what concurrency (`devices`).
 *
 * @example
 *   const gpu = await detectGpu();
 *   const taskQueue = gpu.available ? 'train-gpu' : 'train-cpu';
 *   const maxConcurrentActivityTaskExecutions = gpu.available ? gpu.devices : 1;
 */
export async function detectGpu(): Promise<GpuInfo> {
  const names = listGpusFromProc() ?? (await listGpusFromSmi());
  const runtimeInstalled = resolvable('@tensorflow/tfjs-node-gpu');
  return { available: names.length > 0 && runtimeInstalled, devices: names.length, names, runtimeInstalled };
}

async function tryNative(pkg: string): Promise<void> {
  if (!resolvable(pkg)) throw new Error(`${pkg} is not installed`);
  // A variable specifier keeps TypeScript and bundlers from requiring the optional package.
  const specifier = pkg;
  await import(specifier);
  // A native package built against a different tfjs-core copy registers into that copy's engine,
  // invisible to ours; refuse it rather than silently training on a backend nobody selected.
  if (!tf.findBackendFactory('tensorflow')) throw new Error(`${pkg} loaded but registered no 'tensorflow' backend in Steward's tfjs engine (tfjs version mismatch?)`);
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg}: tf.setBackend('tensorflow') failed`);
}

/** Directory holding the .wasm binaries, as a path prefix the Emscripten loader can read with fs. */
export function wasmBinaryDir(): string {
  return dirname(requireHere.resolve('@tensorflow/tfjs-backend-wasm')) + '/';
}

async function tryWasm(): Promise<{ simd: boolean; threads: number }> {
  if (!resolvable('@tensorflow/tfjs-backend-wasm')) throw new Error('@tensorflow/tfjs-backend-wasm is not installed');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // In Node the loader cannot fetch() relative URLs; give it the installed files' directory.
  wasm.setWasmPaths(wasmBinaryDir());
  if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed");
  await tf.ready();
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  // tfjs reports no multithread support under Node (worker blobs are browser-only), so this is 1 there.
  const threads = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) ? wasm.getThreadsCount() : 1;
  return { simd, threads };
}

async function select(preference: BackendPreference): Promise<BackendInfo> {
  const start = preference === 'auto' ? 0 : chain.indexOf(preference);
  const skipped: BackendInfo['skipped'] = [];
  for (const name of chain.slice(start)) {
    try {
      if (name === 'tensorflow-gpu') {
        const gpu = await detectGpu();
        if (!gpu.runtimeInstalled) throw new Error('@tensorflow/tfjs-node-gpu is not installed');
        if (gpu.devices === 0) throw new Error('no GPU visible (no /proc/driver/nvidia/gpus, nvidia-smi lists none)');
        await tryNative('@tensorflow/tfjs-node-gpu');
        return { name, tfBackend: tf.getBackend(), devices: gpu.devices, skipped };
      }
      if (name === 'tensorflow') {
        await tryNative('@tensorflow/tfjs-node');
        return { name, tfBackend: tf.getBackend(), devices: 1, skipped };
      }
      if (name === 'wasm') {
        const { simd, threads } = await tryWasm();
        return { name, tfBackend: tf.getBackend(), devices: 1, simd, threads, skipped };
      }
      if (!(await tf.setBackend('cpu'))) throw new Error("tf.setBackend('cpu') failed");
      return { name, tfBackend: tf.getBackend(), devices: 1, skipped };
    } catch (e) {
      skipped.push({ name, reason: message(e) });
    }
  }
  throw new Error(`no TensorFlow.js backend could be initialised: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

let selected: Promise<BackendInfo> | undefined;
let selectedPreference: BackendPreference | undefined;

/**
 * Initialises the tfjs backend for this process and returns what was picked. The first call
 * decides; later calls return the same answer (switching backends mid-process would change
 * numerics under a training that is already running). A later call with a different explicit
 * preference is rejected instead of silently ignored.
 *
 * @example
 *   const backend = await initBackend();          // 'wasm' on a machine without tfjs-node
 *   const cpuOnly = await initBackend('cpu');     // in a fresh process: force the JS backend
 */
export function initBackend(preference: BackendPreference = 'auto'): Promise<BackendInfo> {
  if (selected) {
    if (preference !== 'auto' && selectedPreference !== preference) {
      return selected.then((info) => {
        if (info.name === preference) return info;
        throw new Error(`backend already initialised as '${info.name}' in this process; cannot switch to '${preference}'`);
      });
    }
    return selected;
  }
  selectedPreference = preference;
  selected = select(preference);
  // A failed initialisation must not poison the process: let the next call try again.
  selected.catch(() => {
    selected = undefined;
    selectedPreference = undefined;
  });
  return selected;
}

/** The backend picked by `initBackend`, or undefined before it resolved. */
export async function currentBackend(): Promise<BackendInfo | undefined> {
  return selected ? selected.catch(() => undefined) : undefined;
}
