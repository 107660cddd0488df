/**
 * A process that starts the embedded database's process and waits, so a test can kill it with
 * SIGKILL the way `steward dev` dies. Args: <database folder>. Prints one JSON line {pid, url}.
 */
import { startEmbeddedDatabaseProcess } from '../../workers/database-process';

const owner = await startEmbeddedDatabaseProcess(process.argv[2]);
console.log(JSON.stringify({ pid: owner.pid, url: owner.url }));
setInterval(() => {}, 60_000);
