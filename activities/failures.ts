import { ApplicationFailure } from '@temporalio/common';
import { isStewardError } from '../lib/core/errors';

/**
 * Runs an activity body, turning Steward's typed errors into non-retryable ApplicationFailures with
 * the same `type` (a bad file or a refused request cannot be fixed by retrying); anything else is
 * rethrown and retried by Temporal's policy.
 */
export async function withFailureTypes<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    if (isStewardError(e)) {
      throw ApplicationFailure.create({ type: e.type, message: e.message, nonRetryable: true, details: [e.location], cause: e });
    }
    throw e;
  }
}
