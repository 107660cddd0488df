/**
 * The Temporal Schedule of the prediction log's retention: every day it starts the workflow that
 * deletes each model's rows older than its policy's `logging.retention`. Created once per cluster,
 * idempotently, by whoever starts a control worker (`steward dev`, workers/main.ts control).
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { logRetention, taskQueues } from '../core/names';

/**
 * @example await ensureLogRetentionSchedule(client); // safe to call at every start-up
 */
export async function ensureLogRetentionSchedule(client: Client): Promise<'created' | 'exists'> {
  try {
    await client.schedule.create({
      scheduleId: logRetention.scheduleId,
      // Off the hour: daily jobs of a whole fleet tend to pile up at midnight.
      spec: { calendars: [{ hour: 3, minute: 17 }] },
      action: { type: 'startWorkflow', workflowType: logRetention.workflowType, taskQueue: taskQueues.control, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      memo: { purpose: "deletes prediction log rows past each model's logging.retention" },
    });
    return 'created';
  } catch (e) {
    if (e instanceof ScheduleAlreadyRunning) return 'exists';
    throw e;
  }
}
