/**
 * The training activity, served by training workers (GPU queue or CPU queue; the workflow never
 * cares which). Training runs on a compute thread; each epoch's progress comes back on a message
 * port and goes out as a heartbeat carrying the latest checkpoint, so a retried attempt (the worker
 * was killed) resumes from it and redoes at most one epoch.
 */
import { MessageChannel } from 'node:worker_threads';
import { activityInfo, Context } from '@temporalio/activity';
import { parsePolicy } from '../lib/policy/schema';
import type { CheckpointRef } from '../lib/release/steps';
import type { TrainedCandidate } from '../lib/release/types';
import type { ArtifactStore } from '../lib/runtime/artifacts';
import type { ComputePool } from './compute/pool';
import { withFailureTypes } from './failures';

export interface TrainCandidateInput {
  releaseId: string;
  model: string;
  dataSha256: string;
  policy: unknown;
  overrides: Record<string, unknown>;
}

export function createTrainingActivities({ artifacts, compute }: { artifacts: ArtifactStore; compute: ComputePool }) {
  return {
    async trainCandidate(input: TrainCandidateInput): Promise<TrainedCandidate> {
      return withFailureTypes(async () => {
        const started = Date.now();
        const ctx = Context.current();
        const info = activityInfo();
        const policy = parsePolicy(input.policy, `policy of ${input.model}`);
        const fromHeartbeat = info.heartbeatDetails as CheckpointRef | undefined;
        if (fromHeartbeat?.sha256) ctx.log.info('resuming training from checkpoint', { epoch: fromHeartbeat.epoch });

        const channel = new MessageChannel();
        let latest: CheckpointRef | undefined = fromHeartbeat;
        channel.port1.on('message', (p: { checkpoint?: CheckpointRef; loss: number; valLoss?: number }) => {
          latest = p.checkpoint ?? latest;
          ctx.heartbeat({ ...latest, loss: p.loss, valLoss: p.valLoss });
        });
        // Between epochs the thread is silent: keep the heartbeat going so a cancellation reaches us.
        const beat = setInterval(() => ctx.heartbeat(latest ? { ...latest } : undefined), 5_000);
        try {
          const out = await compute.run(
            'train',
            { releaseId: input.releaseId, dataSha256: input.dataSha256, policy, overrides: input.overrides, fromHeartbeat, artifacts: artifacts.location, progress: channel.port2 },
            { signal: ctx.cancellationSignal, transferList: [channel.port2] },
          );
          return {
            ...out,
            trainingSeconds: (Date.now() - started) / 1000,
            taskQueue: info.taskQueue,
            attempt: info.attempt,
          };
        } finally {
          clearInterval(beat);
          channel.port1.close();
        }
      });
    },
  };
}
