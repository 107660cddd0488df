/**
 * A throwaway PostgreSQL cluster for the test run: initdb into a temp folder, start on a free port,
 * stop and delete at the end. PostgreSQL refuses to run as root, so as root we run it as `postgres`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../lib/runtime/net';

export interface TestPostgres {
  url: string;
  /** Stops the server at once (`pg_ctl -m immediate`: no shutdown checkpoint, like a crash), keeping its data. */
  crash(): void;
  /** Starts it again on the same data and port. */
  restart(): void;
  stop(): Promise<void>;
}

/** The folder of the PostgreSQL server binaries (initdb, pg_ctl, pg_dump). */
export function findBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0 && existsSync(join(pgConfig.stdout.trim(), 'initdb'))) return pgConfig.stdout.trim();
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (existsSync(join(debian, v, 'bin', 'initdb'))) return join(debian, v, 'bin');
  }
  throw new Error('PostgreSQL server binaries not found: set PG_BIN to the folder holding initdb and pg_ctl');
}

/** @example const pg = await startTestPostgres(); process.env.DATABASE_URL = pg.url; ...; await pg.stop(); */
export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = findBinDir();
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) =>
    asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { stdio: 'pipe' }) : execFileSync(join(bin, cmd), args, { stdio: 'pipe' });
  const dir = mkdtempSync(join(tmpdir(), 'steward-pg-'));
  if (asRoot) {
    chmodSync(dir, 0o777);
    execFileSync('chown', ['postgres', dir]);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  run('initdb', ['-D', data, '-U', 'steward', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const start = () => run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  start();
  return {
    url: `postgres://steward@127.0.0.1:${port}/postgres`,
    crash: () => void run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']),
    restart: start,
    stop: async () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
