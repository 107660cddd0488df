/**
 * Loading Steward's embedded WebAssembly kernels (wasm/*.ts, compiled into base64 modules under
 * lib/): each module is compiled once per process, on first use, and instantiated as often as its
 * callers need (an instance owns its memory, so instances never share state). `STEWARD_WASM=0`, or
 * a runtime without WebAssembly, turns every kernel off and callers fall back to JavaScript.
 *
 * @example
 *   const kernel = embeddedKernel<MyExports>(MY_WASM_BASE64, 'value table');
 *   const k = kernel.instantiate(); // null when WebAssembly is off or unavailable
 */

// The slice of the WebAssembly API used here (the project's TypeScript lib has no DOM types).
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}

const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** True unless STEWARD_WASM=0 (read on every call, so tests can compare both paths). */
export function wasmSwitchedOn(): boolean {
  return process.env.STEWARD_WASM !== '0';
}

/** A compiled-on-demand kernel. */
export interface EmbeddedKernel<T> {
  /** True when the module compiles here and STEWARD_WASM is not 0. */
  enabled(): boolean;
  /**
   * A fresh instance's exports, or null when not enabled or when `MAX_LIVE_INSTANCES` instances are
   * alive in this process (callers then take their JavaScript path, which gives the same results).
   */
  instantiate(): T | null;
}

/**
 * WebAssembly instances alive at once, all kernels together. Each instance owns a memory, and V8
 * reserves address space (guard regions) per memory: one instance per column of a 20,000-column file
 * ran out of memory at 6 GB. Past this many, tables use the JavaScript path (bit-identical results),
 * so memory grows with columns only by what their tables hold.
 */
export const MAX_LIVE_INSTANCES = 256;
let live = 0;
const released = new FinalizationRegistry<void>(() => {
  live--;
});

/** Instances alive now (for tests). */
export function liveInstances(): number {
  return live;
}

/**
 * Wraps one embedded module.
 *
 * @example
 *   embeddedKernel<{ add(a: number, b: number): number }>(BASE64, 'adder').instantiate()?.add(1, 2);
 */
export function embeddedKernel<T>(base64: string, name: string): EmbeddedKernel<T> {
  let compiled: object | null | undefined;
  const module = (): object | null => {
    if (compiled === undefined) {
      try {
        compiled = wasm ? new wasm.Module(Buffer.from(base64, 'base64')) : null;
      } catch {
        compiled = null; // no usable WebAssembly here: callers use their JavaScript paths
      }
    }
    return compiled;
  };
  const imports = {
    env: {
      abort() {
        throw new Error(`${name} kernel aborted`);
      },
    },
  };
  const enabled = (): boolean => wasmSwitchedOn() && module() !== null;
  return {
    enabled,
    instantiate: () => {
      if (!enabled() || live >= MAX_LIVE_INSTANCES) return null;
      const exports = new (wasm as WasmApi).Instance(module() as object, imports).exports as T & object;
      live++;
      released.register(exports);
      return exports;
    },
  };
}
