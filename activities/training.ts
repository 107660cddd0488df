/**
 * The training activity, served by training workers (GPU queue or CPU queue; the workflow never
 * cares which). It heartbeats after every epoch and stores a checkpoint per epoch, so a retried
 * attempt (the worker was killed) resumes from the last one and redoes at most one epoch.
 */
import { activityInfo, Context } from '@temporalio/activity';
import type { ArtifactStore } from '../lib/registry/artifacts';
import { loadModelTable } from '../lib/policy/io';
import { parseTrainingConfig } from '../lib/model/config';
import { isTrainingCancelled, trainClassifier } from '../lib/model/train';
import { parsePolicy } from '../lib/policy/schema';
import type { TrainedCandidate } from '../lib/release/types';
import { withFailureTypes } from './failures';
import { StewardError } from '../lib/core/errors';
import { failure } from '../lib/core/failures';

interface CheckpointRef {
  epoch: number;
  sha256: string;
}

export interface TrainCandidateInput {
  releaseId: string;
  model: string;
  dataSha256: string;
  policy: unknown;
  overrides: Record<string, unknown>;
}

export function createTrainingActivities({ artifacts }: { artifacts: ArtifactStore }) {
  return {
    async trainCandidate(input: TrainCandidateInput): Promise<TrainedCandidate> {
      return withFailureTypes(async () => {
        const started = Date.now();
        const ctx = Context.current();
        const policy = parsePolicy(input.policy, `policy of ${input.model}`);
        const config = parseTrainingConfig({ ...policy.training, ...input.overrides });
        const { table, sha256 } = await loadModelTable(artifacts.path(input.dataSha256), policy);
        if (sha256 !== input.dataSha256) {
          throw new StewardError('ArtifactIntegrity', `training data ${input.dataSha256} has been altered in the artifact store (its bytes hash to ${sha256})`);
        }

        // Resume from the later of: the last heartbeat's checkpoint, and the checkpoint pointer in the
        // artifact store (heartbeats are throttled, so the pointer can be newer).
        const refName = `checkpoint-${input.releaseId}`;
        const fromHeartbeat = activityInfo().heartbeatDetails as CheckpointRef | undefined;
        const fromRef = await artifacts.getRef<CheckpointRef>(refName);
        const resume = [fromHeartbeat, fromRef].filter((r): r is CheckpointRef => !!r?.sha256).sort((a, b) => b.epoch - a.epoch)[0];
        const checkpoint = resume ? await artifacts.get(resume.sha256) : undefined;
        if (resume) ctx.log.info('resuming training from checkpoint', { epoch: resume.epoch });

        let latest: CheckpointRef | undefined = resume;
        try {
          const result = await trainClassifier({
            table,
            config,
            checkpoint,
            signal: ctx.cancellationSignal,
            onCheckpoint: async (bytes, epoch) => {
              latest = { epoch, sha256: await artifacts.put(bytes) };
              await artifacts.setRef(refName, { ...latest });
            },
            onEpoch: (report) => {
              ctx.heartbeat({ ...latest, loss: report.loss, valLoss: report.valLoss });
            },
          });
          const modelSha256 = await artifacts.put(result.modelBytes);
          const pipelineSha256 = await artifacts.put(Buffer.from(JSON.stringify(result.pipeline.toJSON())));
          return {
            modelSha256,
            pipelineSha256,
            weightsSha256: result.weightsSha256,
            backend: result.backend.name,
            epochs: result.epochsRun,
            trainingSeconds: (Date.now() - started) / 1000,
            trainingConfigHash: result.configSha256,
            taskQueue: activityInfo().taskQueue,
            attempt: activityInfo().attempt,
            resumedFromEpoch: resume?.epoch ?? null,
          };
        } catch (e) {
          if (isTrainingCancelled(e)) throw failure('TrainingCancelled', e.message);
          throw e;
        }
      });
    },
  };
}
