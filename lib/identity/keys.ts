/**
 * Steward's two Ed25519 key pairs, kept out of the database on purpose (whoever can write the
 * database must not be able to sign):
 *
 * - `decision`: held by the control API; signs sign-off decisions. Releases started through the API
 *   carry its public key and accept only decisions it signed (lib/release/decision-signature.ts).
 * - `audit`: held by every process that appends to the audit record (workers, API, the CLI on the
 *   machine that owns the database); signs the audit chain's head (lib/audit/anchor.ts).
 *
 * Each comes from the environment (`STEWARD_DECISION_KEY`, `STEWARD_AUDIT_KEY`: 64 hex digits) or is
 * generated once under `$STEWARD_HOME/keys/<name>.key` (mode 0600) and read from there afterwards.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getPublicKey, hashes } from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { StewardError } from '../core/errors';

hashes.sha512 = sha512;

export type KeyName = 'decision' | 'audit';

export interface KeyPair {
  name: KeyName;
  secretKey: Uint8Array;
  /** 64 lowercase hex digits. */
  publicKeyHex: string;
  /** Where it came from: the environment variable or the file. */
  source: string;
}

/** The file a generated key lives in. */
export const keyFile = (home: string, name: KeyName): string => join(home, 'keys', `${name}.key`);

/** A key pair from its 32-byte secret (hex). */
export function keyPairFromHex(name: KeyName, secretHex: string, source: string): KeyPair {
  if (!/^[0-9a-f]{64}$/i.test(secretHex)) throw new StewardError('InvalidInput', `${source}: an Ed25519 secret key is 64 hex digits`, { field: source });
  const secretKey = hexToBytes(secretHex.toLowerCase());
  return { name, secretKey, publicKeyHex: bytesToHex(getPublicKey(secretKey)), source };
}

/**
 * The key pair `name`: `fromEnv` when set, else the file under `home`, created on first use.
 *
 * @example const key = loadOrCreateKey('.steward', 'decision', process.env.STEWARD_DECISION_KEY);
 */
export function loadOrCreateKey(home: string, name: KeyName, fromEnv?: string): KeyPair {
  if (fromEnv) return keyPairFromHex(name, fromEnv, `STEWARD_${name.toUpperCase()}_KEY`);
  const file = keyFile(home, name);
  if (!existsSync(file)) {
    mkdirSync(join(home, 'keys'), { recursive: true, mode: 0o700 });
    // 'wx': two processes starting at once cannot both write a key; the loser reads the winner's.
    try {
      writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    chmodSync(file, 0o600);
  }
  return keyPairFromHex(name, readFileSync(file, 'utf8').trim(), file);
}

/** The public half only, when the key exists (verifiers never create keys). */
export function existingPublicKey(home: string, name: KeyName, fromEnv?: string): string | undefined {
  if (fromEnv) return keyPairFromHex(name, fromEnv, `STEWARD_${name.toUpperCase()}_KEY`).publicKeyHex;
  const file = keyFile(home, name);
  return existsSync(file) ? keyPairFromHex(name, readFileSync(file, 'utf8').trim(), file).publicKeyHex : undefined;
}
