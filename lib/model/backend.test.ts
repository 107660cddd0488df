import { describe, expect, it } from 'vitest';
import { detectGpu, initBackend } from './backend';
import { tf } from './tf';

// This machine has neither tfjs-node build nor a GPU: the chain must end at WebAssembly.
describe('initBackend', () => {
  it('falls back to the wasm backend (with SIMD) when no libtensorflow binding is installed', async () => {
    const info = await initBackend();
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.devices).toBe(1);
    expect(info.simd).toBe(true);
    expect(info.skipped.map((s) => s.name)).toEqual(['tensorflow-gpu', 'tensorflow']);
  });

  it('decides once per process and refuses to switch to another backend later', async () => {
    const first = await initBackend();
    expect(await initBackend()).toBe(first);
    await expect(initBackend('cpu')).rejects.toThrow(/already initialised as 'wasm'/);
  });

  it('reports no usable GPU here', async () => {
    const gpu = await detectGpu();
    expect(gpu.available).toBe(false);
    expect(gpu.runtimeInstalled).toBe(false);
  });
});
