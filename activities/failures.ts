import { isStewardError } from '../lib/core/errors';
import { toApplicationFailure } from '../lib/core/failures';

/**
 * Runs an activity body, turning Steward's typed errors into non-retryable ApplicationFailures with
 * the same `type` (a bad file or a refused request cannot be fixed by retrying); anything else is
 * rethrown and retried by Temporal's policy.
 */
export async function withFailureTypes<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    throw isStewardError(e) ? toApplicationFailure(e) : e;
  }
}
