/**
 * What the benches read of processes from /proc (Linux): resident memory, and the Temporal dev
 * server that an embedded stack started.
 */
import { readdirSync, readFileSync } from 'node:fs';

/**
 * A kB field of /proc/<pid>/status in bytes: `VmRSS` (resident now) or `VmHWM` (peak resident).
 * @example const rss = statusBytes('self', 'VmRSS');
 */
export function statusBytes(pid: number | 'self', field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/**
 * The Temporal dev server serving a stack (the one whose SQLite file is `dbFile`), not its orphan guard.
 * @example const pid = temporalServerPid(join(home, 'temporal.db'));
 */
export function temporalServerPid(dbFile: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.includes('start-dev') && argv.includes(dbFile) && !argv.some((a) => a.endsWith('orphan-guard.mjs'))) return Number(entry);
    } catch {
      // gone
    }
  }
  return undefined;
}
