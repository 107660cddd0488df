/**
 * Catalogue failures as Temporal carries them: a non-retryable `ApplicationFailure` whose `type` is
 * the catalogue name. Workflows and activities import this; clients read failures back with
 * `failureTypeOf` / `explainFailure` (lib/core/errors.ts).
 *
 * Pure module: workflow code imports it.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { FailureType, StewardError } from './errors';

/**
 * A non-retryable ApplicationFailure of a catalogue type: how workflows and activities fail for a
 * business reason.
 *
 * @example throw failure('NoGpuWorker', 'no GPU worker took the job within 30 s');
 */
export function failure(type: FailureType, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details === undefined ? undefined : [details] });
}

/** The ApplicationFailure carrying a StewardError across Temporal (its location travels as details). */
export function toApplicationFailure(e: StewardError): ApplicationFailure {
  return ApplicationFailure.create({ type: e.type, message: e.message, nonRetryable: true, details: [e.location], cause: e });
}
