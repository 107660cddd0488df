/**
 * The secret of the prediction log's keyed hashes. It must never be in the database (whoever can
 * read the log must not be able to reverse a hash by hashing guesses), so it comes from the
 * environment (`STEWARD_LOG_KEY`) or, on a single machine, from a key file created once under the
 * state folder with owner-only permissions. Every gateway and `steward forget` must use the same
 * secret: a new secret makes earlier hashes unmatchable (erasure by key then finds nothing).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StewardConfig } from '../runtime/config';

/** Where the generated key lives when the environment gives none. */
export const logKeyFile = (home: string): string => join(home, 'log-hmac.key');

/**
 * @example const secret = logSecret(loadConfig());
 */
export function logSecret(config: Pick<StewardConfig, 'home' | 'logKey'>): Buffer {
  if (config.logKey) return Buffer.from(config.logKey, 'utf8');
  const file = logKeyFile(config.home);
  if (!existsSync(file)) {
    mkdirSync(config.home, { recursive: true });
    try {
      // `wx`: two processes starting at once must not each write their own key.
      writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');
}
