/**
 * The workflow bundle cache (workers/bundle.ts): built once in a child process, then found by the
 * hash of the sources, and usable by a worker.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedWorkflowBundle } from '../../workers/bundle';
import { sharedWorkflowModules } from '../../workers/workflows-path';

describe('the workflow bundle cache', () => {
  it('bundles the workflows once, in a child process, and finds the bundle again by its sources', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-bundle-'));
    const before = process.memoryUsage().heapUsed;
    const built = await cachedWorkflowBundle(dir);
    expect(built).toMatch(/workflows-[0-9a-f]{16}\.js$/);
    const code = readFileSync(built!, 'utf8');
    for (const name of ['releaseWorkflow', 'rolloutWorkflow', 'monitorWorkflow', 'incidentWorkflow']) expect(code).toContain(name);
    // webpack ran elsewhere: this process did not load it.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 2 ** 20);
    const t0 = performance.now();
    expect(await cachedWorkflowBundle(dir)).toBe(built);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(readdirSync(dir)).toEqual([built!.split('/').pop()]);
    expect(statSync(built!).size).toBeGreaterThan(100_000);
    // zod is evaluated once, in the modules shared by every workflow, and none of our schemas is.
    const preloaded = /exports\.preloadModules = function preloadModules\(\) \{([^}]*)\}/.exec(code)?.[1] ?? '';
    expect(preloaded).toContain('./workflows/shared-modules.ts');
  }, 120_000);

  it('shares only a module that exports no schema of ours (the sandbox freezes shared modules)', () => {
    for (const m of sharedWorkflowModules) {
      const source = readFileSync(m, 'utf8');
      expect(source).not.toMatch(/from '\.\.?\//);
      expect(source).not.toMatch(/^(export )?(let|var) /m);
    }
  });

  it('gives up quietly (the worker bundles in-process) when the cache folder cannot be written', async () => {
    const warnings: string[] = [];
    const file = join(mkdtempSync(join(tmpdir(), 'steward-bundle-')), 'a-file');
    writeFileSync(file, '');
    expect(await cachedWorkflowBundle(join(file, 'cache'), (m) => warnings.push(m))).toBeUndefined();
    expect(warnings[0]).toMatch(/bundling in this process/);
  });

  it('is switched off by STEWARD_BUNDLE_CACHE=0: nothing is built or read, the worker bundles in-process', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'steward-bundle-')), 'cache');
    process.env.STEWARD_BUNDLE_CACHE = '0';
    try {
      expect(await cachedWorkflowBundle(dir)).toBeUndefined();
    } finally {
      delete process.env.STEWARD_BUNDLE_CACHE;
    }
    expect(existsSync(dir)).toBe(false);
  });
});
