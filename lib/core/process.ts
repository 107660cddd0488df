/**
 * Whether a process still runs, for the owner files the embedded database, the dev server and the
 * prediction-log spool leave behind: a stale owner is taken over, a live one is respected.
 */

/**
 * Whether process `pid` exists on this machine. Signal 0 only checks; EPERM means it exists but
 * belongs to another user, which still makes it a live owner.
 *
 * @example if (!processAlive(owner)) rmSync(lockFile);
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
