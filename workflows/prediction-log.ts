/**
 * Retention of the prediction log: started daily by a Temporal Schedule (lib/serving/schedule.ts),
 * it deletes every model's logged predictions older than its policy's `logging.retention`, each
 * deletion with its audit event.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { RolloutActivities } from '../activities/types';
import { taskQueues } from '../lib/core/names';

const control = proxyActivities<RolloutActivities>({
  taskQueue: taskQueues.control,
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '10s', maximumInterval: '5 minutes', maximumAttempts: 10 },
});

/** Returns the rows deleted per model. */
export async function predictionLogRetentionWorkflow(): Promise<Record<string, number>> {
  return control.prunePredictionLog();
}
