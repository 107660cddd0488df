/**
 * The catalogue of Steward's failure types. Every error a user can see carries one of these stable
 * names, so scripts, workflows and tests branch on `type` instead of parsing messages.
 *
 * Every catalogue failure is final: retrying a bad file, a refused approval or a broken policy
 * cannot help, so activities turn a `StewardError` into a non-retryable `ApplicationFailure` of the
 * same type (lib/core/failures.ts) and workflows list `failureTypes` as non-retryable. Anything
 * outside the catalogue (a database restart, a network blip) is retried by Temporal.
 *
 * Pure module with no dependencies (the CLI's start-up path imports it; workflow code too).
 *
 * @example
 *   throw new StewardError('MalformedData', 'unterminated quoted field', { file, row: 12, column: 'age' });
 */
/** Each type with what it means; the keys are the stable names. */
export const failureCatalogue = {
  MalformedData: 'the bytes cannot be read as the declared format (ragged row, bad quote, encoding)',
  DataContractViolation: "readable, but breaks the model's data contract (missing column, bad type, range)",
  InvalidPolicy: 'a model policy that does not parse or is inconsistent',
  InvalidInput: 'a request (CLI flag, API body, workflow input, environment variable) that does not parse',
  NotFound: 'a model, version, release, file or artifact that does not exist',
  UnauthorizedApprover: 'a principal not on the approver list, or the requester deciding on their own release',
  AlreadyDecided: 'a decision on a release that is not (or no longer) waiting for one',
  ArtifactIntegrity: 'an artifact whose bytes no longer match their sha256',
  InvalidArtifact: 'a model brought from elsewhere that cannot be read or run as declared (corrupt file, wrong input width, unsupported operator)',
  RegressionBudgetExceeded: 'the candidate is worse than production beyond the policy budget',
  FairnessThresholdExceeded: "a fairness metric outside the policy's threshold",
  TrainingFailed: 'training diverged or produced an unusable model',
  TrainingCancelled: 'training stopped because its release was cancelled',
  NoGpuWorker: 'the policy requires a GPU and no GPU training worker took the job in time',
  ProductionMoved: 'production changed after the candidate was compared with it: evaluate again',
  Unauthenticated: 'a request to the control API without a valid token (missing, unknown, expired or revoked)',
  Forbidden: "a request whose principal lacks the role it needs (for the model, or globally)",
  InvalidDecisionSignature: "a sign-off decision that is unsigned, forged or replayed for a release that requires the API's signature",
  AuditMismatch: 'a table and the audit record disagree: a row was changed outside Steward',
  BadVersion: 'a rollout or rollback to a version marked bad, without an override and its reason',
  RolloutConflict: 'another rollout or rollback of the model holds its traffic routes',
  UnauthorizedOperator: 'a principal who is neither an operator nor an approver of the model acting on its traffic',
  MonitorConflict: 'a monitor of the model is already running (one per model)',
} as const;

export type FailureType = keyof typeof failureCatalogue;

/** Every catalogue type (all non-retryable). */
export const failureTypes = Object.keys(failureCatalogue) as FailureType[];

export function isFailureType(value: unknown): value is FailureType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(failureCatalogue, value);
}

/** Where in an input a problem is: enough for a user to open the file and find it. */
export interface Location {
  file?: string;
  /** 1-based physical line/record number in the file (header is row 1 when present). */
  row?: number;
  column?: string;
  /** A dotted path into a structured input: a policy field, a CLI flag, an HTTP body path. */
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
  /** The message without the location prefix. */
  readonly reason: string;

  constructor(type: FailureType, message: string, location: Location = {}, options: { details?: unknown; cause?: unknown } = {}) {
    const where = formatLocation(location);
    super(where ? `${where}: ${message}` : message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = type;
    this.type = type;
    this.location = location;
    this.details = options.details;
    this.reason = message;
  }
}

export function isStewardError(e: unknown): e is StewardError {
  return e instanceof StewardError;
}

/**
 * A StewardError as plain data: the class does not survive a thread or process boundary (structured
 * clone, IPC), so it crosses as this and is rebuilt on the other side.
 *
 * @example port.postMessage({ error: toPlainError(e) }); ...; throw fromPlainError(message.error);
 */
export interface PlainStewardError {
  type: FailureType;
  reason: string;
  location: Location;
  details?: unknown;
}

export function toPlainError(e: StewardError): PlainStewardError {
  return { type: e.type, reason: e.reason, location: e.location, details: e.details };
}

export function fromPlainError(plain: PlainStewardError): StewardError {
  return new StewardError(plain.type, plain.reason, plain.location, { details: plain.details });
}

/**
 * The catalogue error for a file-system error on `file` (missing, a directory, no permission...),
 * so a bad path is refused once, naming the file, instead of surfacing as a raw Node error that
 * Temporal would retry forever.
 *
 * @example try { readFileSync(f) } catch (e) { throw fileError(e, f) }
 */
export function fileError(e: unknown, file: string): StewardError {
  const code = (e as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      return new StewardError('NotFound', 'no such file', { file }, { cause: e });
    case 'EISDIR':
      return new StewardError('InvalidInput', 'is a directory: give a data file', { file }, { cause: e });
    case 'ENOTDIR':
      return new StewardError('NotFound', 'a part of the path is not a directory', { file }, { cause: e });
    case 'EACCES':
    case 'EPERM':
      return new StewardError('InvalidInput', 'permission denied: the worker cannot read it', { file }, { cause: e });
    default:
      return new StewardError('InvalidInput', `cannot read: ${(e as Error)?.message ?? String(e)}`, { file }, { cause: e });
  }
}

/** The catalogue type of an error or of the first failure in its cause chain that has one. */
export function failureTypeOf(err: unknown): FailureType | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 20; depth++) {
    const type = (e as { type?: unknown }).type;
    if (isFailureType(type)) return type;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The innermost message of a cause chain (Temporal wraps activity failures in several layers). */
export function rootMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  for (let depth = 0; e?.cause && depth < 20; depth++) e = e.cause as typeof e;
  return e?.message ?? String(err);
}

/** A StewardError for any failure: its own type where the chain has one, else `fallback`. */
export function explainFailure(err: unknown, fallback: FailureType = 'InvalidInput'): StewardError {
  if (isStewardError(err)) return err;
  return new StewardError(failureTypeOf(err) ?? fallback, rootMessage(err), {}, { cause: err });
}
