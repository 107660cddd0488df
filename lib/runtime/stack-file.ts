/**
 * The running embedded stack's endpoints, as `steward dev` writes them to `<home>/stack.json`. Kept
 * apart from stack.ts (which loads the Temporal worker, the dev server and the database) so that a
 * CLI command can find the stack without loading any of that.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StackInfo {
  pid: number;
  temporalAddress: string;
  namespace: string;
  uiUrl?: string;
  /** A postgres:// URL other processes can use (the embedded database served over the wire protocol). */
  databaseUrl?: string;
  temporalSource?: string;
  /** The control API `steward dev` serves (its approval pages under /ui). */
  apiUrl?: string;
  /** Auth is on (STEWARD_AUTH=on when the stack started): principals come from API tokens only. */
  auth?: boolean;
}

/**
 * Where the stack file of a home folder lives.
 *
 * @example
 *   stackFile('.steward'); // '.steward/stack.json'
 */
export const stackFile = (home: string): string => join(home, 'stack.json');

/**
 * The running stack's endpoints, if one is up (its process is alive).
 *
 * @example
 *   const info = readStackInfo('.steward'); // null when no `steward dev` runs
 */
export function readStackInfo(home: string): StackInfo | null {
  const file = stackFile(home);
  if (!existsSync(file)) return null;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as StackInfo;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return null;
  }
}
