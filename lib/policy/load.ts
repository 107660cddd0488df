/** Reading a policy file from disk: JSON, parsed, with relative paths resolved against the file's folder. */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { StewardError } from '../core/errors';
import { parsePolicy, type Policy } from './schema';

/**
 * Reads and parses a policy file (JSON).
 *
 * @example const policy = loadPolicyFile('policies/adult-income.json');
 */
export function loadPolicyFile(file: string): Policy {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new StewardError('InvalidPolicy', `not readable JSON: ${(e as Error).message}`, { file });
  }
  const policy = parsePolicy(raw, file);
  const baseDir = dirname(resolve(file));
  if (!isAbsolute(policy.data.evaluationFile)) policy.data.evaluationFile = resolve(baseDir, policy.data.evaluationFile);
  return policy;
}
