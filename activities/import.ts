/**
 * The import activity (`steward release --import`): a model trained elsewhere becomes the release's
 * candidate in place of training (lib/release/steps.ts `importCandidateModel`). Runs on the control
 * queue: opening a model and scoring a few rows takes well under a second.
 */
import { activityInfo } from '@temporalio/activity';
import { parsePolicy } from '../lib/policy/schema';
import { importCandidateModel } from '../lib/release/steps';
import type { TrainedCandidate } from '../lib/release/types';
import type { ActivityDeps } from './deps';
import { withFailureTypes } from './failures';

export function createImportActivities({ artifacts }: ActivityDeps) {
  return {
    async importCandidate(args: { releaseId: string; model: string; artifact: string; origin: string | null; evaluationFile: string; policy: unknown }): Promise<TrainedCandidate> {
      return withFailureTypes(async () => {
        const started = Date.now();
        const info = activityInfo();
        const policy = parsePolicy(args.policy, `policy of ${args.model}`);
        const candidate = await importCandidateModel({ model: args.model, artifact: args.artifact, origin: args.origin, evaluationFile: args.evaluationFile, policy }, artifacts);
        return { ...candidate, trainingSeconds: (Date.now() - started) / 1000, taskQueue: info.taskQueue, attempt: info.attempt };
      });
    },
  };
}
