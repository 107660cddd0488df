import { fileError, isStewardError } from '../lib/core/errors';
import { toApplicationFailure } from '../lib/core/failures';

const fileErrorCodes = new Set(['ENOENT', 'EISDIR', 'ENOTDIR', 'EACCES', 'EPERM']);

/**
 * Runs an activity body, turning Steward's typed errors into non-retryable ApplicationFailures with
 * the same `type` (a bad file or a refused request cannot be fixed by retrying). A file-system error
 * on a path (missing, a directory, no permission) is one of those too, named with its file; anything
 * else (a database restart, a network blip) is rethrown and retried by Temporal's policy.
 */
export async function withFailureTypes<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    if (isStewardError(e)) throw toApplicationFailure(e);
    const { code, path } = e as { code?: string; path?: string };
    if (code && path && fileErrorCodes.has(code)) throw toApplicationFailure(fileError(e, path));
    throw e;
  }
}
