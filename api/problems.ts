/**
 * Errors as RFC 9457 problem documents (`application/problem+json`): every failure of the catalogue
 * maps to one HTTP status here, in one place, and the document names the field that is wrong (a JSON
 * pointer into the request: `/body/approvals/quorum`, `/query/since`) besides Steward's failure type.
 */
import { z } from 'zod';
import { failureCatalogue, isStewardError, type FailureType, type StewardError } from '../lib/core/errors';

/** The HTTP status of each catalogue failure (a new catalogue type does not compile until it has one). */
export const problemStatus = {
  InvalidInput: 400,
  Unauthenticated: 401,
  Forbidden: 403,
  UnauthorizedApprover: 403,
  InvalidDecisionSignature: 403,
  NotFound: 404,
  AlreadyDecided: 409,
  ProductionMoved: 409,
  TrainingCancelled: 409,
  AuditMismatch: 409,
  MalformedData: 422,
  DataContractViolation: 422,
  InvalidPolicy: 422,
  InvalidArtifact: 422,
  RegressionBudgetExceeded: 422,
  FairnessThresholdExceeded: 422,
  ArtifactIntegrity: 500,
  TrainingFailed: 500,
  NoGpuWorker: 503,
  BadVersion: 409,
  RolloutConflict: 409,
  MonitorConflict: 409,
  UnauthorizedOperator: 403,
} as const satisfies Record<FailureType, number>;

export const problemSchema = z
  .object({
    type: z.string().describe('urn:steward:problem:<failure type>, or about:blank for HTTP-level errors'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().describe('the request path'),
    failureType: z.string().optional().describe("Steward's failure type (lib/core/errors.ts)"),
    field: z.string().optional().describe('JSON pointer to the part of the request that is wrong, e.g. /body/comment'),
    errors: z.array(z.object({ pointer: z.string(), detail: z.string() })).optional().describe('every problem found in the request'),
    requiredRole: z.string().optional().describe('403: the role the request needed'),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof problemSchema>;

/** The OpenAPI response entry of a problem status. */
export const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemSchema } } });

/** Problem responses every authenticated route can give. */
export const commonProblems = {
  400: problemResponse('the request does not parse (field names the part)'),
  401: problemResponse('no valid token'),
  403: problemResponse('the principal lacks the role (requiredRole names it)'),
};

/** `approvals.quorum` (a dotted field) or `--epochs` -> `/body/approvals/quorum`; already a pointer: kept. */
export function fieldPointer(field: string, part = 'body'): string {
  if (field.startsWith('/')) return field;
  return `/${part}/${field
    .split('.')
    .map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1'))
    .join('/')}`;
}

const titles: Record<number, string> = { 400: 'Bad request', 401: 'Unauthenticated', 403: 'Forbidden', 404: 'Not found', 409: 'Conflict', 415: 'Unsupported media type', 422: 'Unprocessable content', 500: 'Internal error', 503: 'Unavailable' };

/**
 * The problem document of an error raised while serving `instance`.
 *
 * @example problemOf(new StewardError('NotFound', 'model "x" is not registered'), '/v1/models/x/versions')
 */
export function problemOf(err: unknown, instance: string, part = 'body'): Problem {
  if (isStewardError(err)) return stewardProblem(err, instance, part);
  const e = err as { statusCode?: number; message?: string; validation?: Array<{ instancePath?: string; message?: string }>; validationContext?: string };
  if (e.validation) {
    const where = e.validationContext === 'querystring' ? 'query' : (e.validationContext ?? 'body');
    const errors = e.validation.map((v) => ({ pointer: `/${where}${v.instancePath ?? ''}`, detail: v.message ?? 'invalid' }));
    return {
      type: 'urn:steward:problem:InvalidInput',
      title: failureCatalogue.InvalidInput,
      status: 400,
      detail: errors.map((x) => `${x.pointer}: ${x.detail}`).join('; '),
      instance,
      failureType: 'InvalidInput',
      field: errors[0]?.pointer,
      errors,
    };
  }
  const status = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
  return { type: 'about:blank', title: titles[status] ?? 'Error', status, detail: status === 500 ? 'internal error (see the server log)' : (e.message ?? 'error'), instance };
}

function stewardProblem(err: StewardError, instance: string, part: string): Problem {
  const status = problemStatus[err.type];
  const field = err.location.field !== undefined ? fieldPointer(err.location.field, part) : undefined;
  const details = err.details as { requiredRole?: string } | undefined;
  return {
    type: `urn:steward:problem:${err.type}`,
    title: failureCatalogue[err.type],
    status,
    detail: err.reason,
    instance,
    failureType: err.type,
    ...(field ? { field, errors: [{ pointer: field, detail: err.reason }] } : {}),
    ...(details?.requiredRole ? { requiredRole: details.requiredRole } : {}),
  };
}
