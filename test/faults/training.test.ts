import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { projectRoot } from '../../lib/runtime/paths';
import { startRelease } from '../../lib/release/client';
import type { ReleaseState } from '../../lib/release/types';
import { registerModel } from '../../lib/registry/models';
import { adultTrainingSlice, testPolicy } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';

function startTrainingWorker(artifactsDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'test/support/training-worker-process.ts'), inject('temporalAddress'), artifactsDir], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolveReady, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolveReady(child));
    child.once('exit', (code) => reject(new Error(`training worker exited with ${code}`)));
  });
}

describe('training on a worker that dies', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ database: 'postgres', trainingWorker: false });
  });
  // Whatever happens, no worker process outlives the test (it would take later files' training tasks).
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await h?.close();
  });

  it('resumes from the last epoch checkpoint on another worker, redoing at most one epoch', async () => {
    const policy = testPolicy('income-resume');
    policy.training = { ...policy.training, epochs: 30 };
    policy.compute.heartbeatTimeout = 10_000; // the shortest the policy allows: a dead worker is noticed within 10 s
    await registerModel(h.database.db, policy);
    const first = await startTrainingWorker(h.artifactsDir);
    children.push(first);
    const id = await startRelease(h.client, { model: policy.model, dataFile: adultTrainingSlice(4000), requestedBy: 'alice' });

    // Kill the worker once it has checkpointed at least two epochs (the checkpoint ref says so).
    const deadline = Date.now() + 120_000;
    let killedAfter = 0;
    while (Date.now() < deadline) {
      const ref = await h.artifacts.getRef<{ epoch: number }>(`checkpoint-${id}`);
      if (ref && ref.epoch >= 2) {
        first.kill('SIGKILL');
        killedAfter = ref.epoch;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(killedAfter).toBeGreaterThanOrEqual(2);
    const second = await startTrainingWorker(h.artifactsDir);
    children.push(second);
    try {
      const { waitForStage } = await import('../../lib/release/client');
      const state: ReleaseState = await waitForStage(h.client, id, 'awaiting-approval', 180_000);
      expect(state.candidate?.attempt).toBeGreaterThanOrEqual(2);
      expect(state.candidate?.resumedFromEpoch).toBeGreaterThanOrEqual(killedAfter);
      expect(state.candidate?.resumedFromEpoch).toBeLessThanOrEqual(killedAfter + 1);
      expect(state.candidate?.epochs).toBe(30);
    } finally {
      second.kill('SIGKILL');
      first.kill('SIGKILL');
    }
  });
});
