/**
 * Bundles the workflow code once per run of the `workflow` project; each test file's workers load
 * the bundle instead of re-bundling (webpack takes seconds, the tests themselves milliseconds).
 * It imports the workflows' path alone: loading workers/ would load TensorFlow.js for nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { workflowBundleOptions } from '../../workers/workflows-path';

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'steward-workflow-test-'));
  const bundle = await bundleWorkflowCode({ ...workflowBundleOptions, logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never });
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  project.provide('workflowBundlePath', bundlePath);
  return () => rmSync(dir, { recursive: true, force: true });
}
