/**
 * The evaluation activity: resolves the production version to compare with, runs the evaluation
 * suite on a compute thread (lib/release/steps.ts) and stores the evidence bundle content-addressed.
 */
import { Context } from '@temporalio/activity';
import { parsePolicy } from '../lib/policy/schema';
import { getVersion } from '../lib/registry/models';
import { headlineMetrics } from '../lib/release/evidence';
import type { EvaluationSummary, TrainedCandidate } from '../lib/release/types';
import { jsonBytes } from '../lib/runtime/artifacts';
import { runForActivity } from './compute/pool';
import type { ActivityDeps } from './deps';
import { withFailureTypes } from './failures';

export function createEvaluationActivities(deps: ActivityDeps) {
  const { db, artifacts, compute, clock = () => new Date() } = deps;
  return {
    async evaluateCandidate(args: {
      releaseId: string;
      model: string;
      candidate: TrainedCandidate;
      evaluationFile: string;
      productionVersion: number | null;
      policy: unknown;
    }): Promise<EvaluationSummary> {
      return withFailureTypes(async () => {
        const policy = parsePolicy(args.policy, `policy of ${args.model}`);
        const production = args.productionVersion === null ? null : { version: args.productionVersion, modelSha256: (await getVersion(db, args.model, args.productionVersion)).modelSha256 };
        const bundle = await runForActivity(Context.current(), compute, 'evaluate', {
          model: args.model,
          releaseId: args.releaseId,
          createdAt: clock().toISOString(),
          evaluationFile: args.evaluationFile,
          policy,
          candidateModelSha256: args.candidate.modelSha256,
          production,
          artifacts: artifacts.location,
        });
        const reportSha256 = await artifacts.put(jsonBytes(bundle));
        return {
          reportSha256,
          metrics: headlineMetrics(bundle.evaluation),
          production: bundle.production?.metrics ?? null,
          gate: { passed: bundle.gate.passed, reasons: bundle.gate.reasons },
        };
      });
    },
  };
}
