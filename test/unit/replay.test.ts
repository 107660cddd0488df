import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/runtime/paths';
import { sharedWorkflowModules, workflowsPath } from '../../workers/workflows-path';

// Histories recorded from real runs (npm run record:histories). Replaying them against today's
// workflow code fails with a nondeterminism error if a change would break releases already running.
const dir = join(projectRoot, 'test/histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('recorded workflow histories', () => {
  it('exist in the repository', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    it(`replay deterministically: ${file}`, async () => {
      const history = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      await Worker.runReplayHistory({ workflowsPath, bundlerOptions: { preloadModules: [...sharedWorkflowModules] }, replayName: file }, history);
    }, 120_000);
  }
});
