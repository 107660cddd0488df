/**
 * The catalogue of Steward's failure types. Every error a user can see carries one of these stable
 * names, so scripts, workflows and tests can branch on `type` instead of parsing messages.
 *
 * Activities turn a `StewardError` into a non-retryable `ApplicationFailure` with the same `type`
 * (see `activities/failures.ts`): retrying a bad file or a refused approval cannot help.
 *
 * @example
 *   throw new StewardError('MalformedData', 'unterminated quoted field', { file, row: 12, column: 'age' });
 */
export const failureTypes = [
  'MalformedData', // the bytes cannot be read as the declared format (ragged row, bad quote, encoding)
  'DataContractViolation', // readable, but breaks the model's data contract (missing column, bad type, range)
  'InvalidPolicy', // a model policy that does not parse or is inconsistent
  'InvalidInput', // a request (CLI/API/workflow input) that does not parse
  'NotFound', // a model, version, release or artifact that does not exist
  'UnauthorizedApprover', // principal not on the approver list, or the requester approving their own release
  'AlreadyDecided', // a second decision on a release that has one
  'ArtifactIntegrity', // an artifact whose bytes no longer match their sha256
  'RegressionBudgetExceeded', // the candidate is worse than production beyond the policy's budget
  'FairnessThresholdExceeded', // a fairness metric outside the policy's threshold
  'TrainingFailed', // training diverged or produced an unusable model
  'NoGpuWorker', // policy requires a GPU and none picked the task up
  'ProductionMoved', // production changed after the candidate was compared with it: evaluate again
] as const;

export type FailureType = (typeof failureTypes)[number];

/** Where in an input a problem is: enough for a user to open the file and find it. */
export interface Location {
  file?: string;
  /** 1-based physical line/record number in the file (header is row 1 when present). */
  row?: number;
  column?: string;
  field?: string;
}

export function formatLocation(loc: Location): string {
  const parts: string[] = [];
  if (loc.file) parts.push(loc.file);
  if (loc.row !== undefined) parts.push(`row ${loc.row}`);
  if (loc.column !== undefined) parts.push(`column "${loc.column}"`);
  if (loc.field !== undefined) parts.push(`field "${loc.field}"`);
  return parts.join(', ');
}

/** An error with a stable `type` from the catalogue, a location and optional structured details. */
export class StewardError extends Error {
  readonly type: FailureType;
  readonly location: Location;
  readonly details: unknown;

  constructor(type: FailureType, message: string, location: Location = {}, options: { details?: unknown; cause?: unknown } = {}) {
    const where = formatLocation(location);
    super(where ? `${where}: ${message}` : message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = type;
    this.type = type;
    this.location = location;
    this.details = options.details;
  }
}

export function isStewardError(e: unknown): e is StewardError {
  return e instanceof StewardError;
}
