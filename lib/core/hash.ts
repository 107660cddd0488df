/**
 * Content hashes. A structured value (a policy, a training config, a pipeline spec) is hashed as
 * canonical JSON (sorted keys, undefined dropped), so the same value always has the same hash
 * wherever it is computed; lineage and metadata hashes can then be matched.
 */
import { createHash } from 'node:crypto';

/**
 * JSON with sorted keys: equal values give equal text. The audit chain hashes stored events with it,
 * so its output for JSON values must never change.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 hex digest of text or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * sha256 of a value's canonical JSON.
 *
 * @example contentHash({ b: 1, a: 2 }) === contentHash({ a: 2, b: 1 })
 */
export function contentHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
