/**
 * The CLI's way through the control API (`--api <url>` or $STEWARD_API, token in $STEWARD_TOKEN):
 * plain fetch calls; a problem document comes back as the same `StewardError` (type, message, field)
 * the direct path would throw, so the CLI prints the same thing either way.
 */
import { isFailureType, StewardError } from '../lib/core/errors';

export interface ApiClient {
  url: string;
  get<T>(path: string, query?: Record<string, string | number | undefined>): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
}

/** A pointer from the API (`/body/comment`, `/query/since`) as the CLI names fields: the last part. */
const fieldOf = (pointer: string | undefined): string | undefined => pointer?.replace(/^\/(body|query|params|header)\/?/, '').replace(/\//g, '.') || undefined;

/**
 * @example const api = apiClient('http://127.0.0.1:8081', process.env.STEWARD_TOKEN!); const models = await api.get('/v1/models');
 */
export function apiClient(url: string, token: string): ApiClient {
  const base = url.replace(/\/+$/, '');
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new StewardError('InvalidInput', `cannot reach the control API at ${base}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`, { field: '--api' });
    }
    const text = await response.text();
    if (response.ok) return (text ? JSON.parse(text) : undefined) as T;
    let problem: { failureType?: string; detail?: string; title?: string; field?: string } = {};
    try {
      problem = JSON.parse(text);
    } catch {
      // not a problem document: reported with the status below
    }
    const type = isFailureType(problem.failureType) ? problem.failureType : response.status === 401 ? 'Unauthenticated' : response.status === 403 ? 'Forbidden' : response.status === 404 ? 'NotFound' : 'InvalidInput';
    const field = fieldOf(problem.field);
    throw new StewardError(type, problem.detail ?? `${response.status} ${response.statusText}`, field ? { field } : {});
  }
  return {
    url: base,
    get: (path, query) => {
      const q = new URLSearchParams(Object.entries(query ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)] as [string, string]])));
      return call('GET', `${path}${q.size ? `?${q}` : ''}`);
    },
    post: (path, body) => call('POST', path, body ?? {}),
    delete: (path) => call('DELETE', path),
  };
}

/**
 * Through the control API the principal is the token's: `--as` would be ignored, so it is refused.
 *
 * @example refuseAs(flags.as); // throws when --as was given
 */
export function refuseAs(as: string | undefined): void {
  if (as !== undefined) throw new StewardError('InvalidInput', "through the control API the principal is the token's: drop --as", { field: '--as' });
}
