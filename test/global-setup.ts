/**
 * One Temporal dev server and one throwaway PostgreSQL cluster per test run, on free ports, plus the
 * workflow bundle built once (each test file's workers reuse it instead of re-bundling).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { startDevServer } from '../lib/runtime/dev-server';
import { workflowBundleOptions } from '../workers/workflows-path';
import { startTestPostgres } from './support/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    postgresUrl: string;
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'steward-test-'));
  const started = await Promise.allSettled([
    startDevServer({ ui: false, logFile: join(dir, 'temporal.log') }),
    startTestPostgres(),
    bundleWorkflowCode({ ...workflowBundleOptions, logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never }),
  ] as const);
  if (started.some((s) => s.status === 'rejected')) {
    // Stop whatever did start before reporting why the rest did not.
    if (started[0].status === 'fulfilled') await started[0].value.stop();
    if (started[1].status === 'fulfilled') await started[1].value.stop();
    throw started.map((s) => (s.status === 'rejected' ? s.reason : undefined)).find(Boolean);
  }
  const [temporal, postgres, bundle] = started.map((s) => (s as PromiseFulfilledResult<unknown>).value) as [
    Awaited<ReturnType<typeof startDevServer>>,
    Awaited<ReturnType<typeof startTestPostgres>>,
    Awaited<ReturnType<typeof bundleWorkflowCode>>,
  ];
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  project.provide('temporalAddress', temporal.address);
  project.provide('postgresUrl', postgres.url);
  project.provide('workflowBundlePath', bundlePath);
  console.log(`[test] Temporal dev server ${temporal.address} (CLI from ${temporal.source}); PostgreSQL ${postgres.url}`);
  return async () => {
    await temporal.stop();
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
