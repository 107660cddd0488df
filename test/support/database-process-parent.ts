/**
 * A process that starts the embedded database's process and waits, so a test can kill it with
 * SIGKILL the way `steward dev` dies. Args: <database folder>. Prints one JSON line: {pid, url}, or
 * {refused} with what the start threw ({type, reason, location, isStewardError}) and exits.
 * (A process of its own also because vitest's transform would run database-process.mjs in the test.)
 */
import { StewardError } from '../../lib/core/errors';
import { startEmbeddedDatabaseProcess } from '../../workers/database-process';

try {
  const owner = await startEmbeddedDatabaseProcess(process.argv[2]);
  console.log(JSON.stringify({ pid: owner.pid, url: owner.url }));
  setInterval(() => {}, 60_000);
} catch (e) {
  const { type, reason, location } = e as StewardError;
  console.log(JSON.stringify({ refused: { type, reason, location, isStewardError: e instanceof StewardError } }));
  process.exit(0);
}
