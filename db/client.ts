/**
 * The one database client factory. `DATABASE_URL` -> PostgreSQL through `postgres`; unset -> an
 * embedded, in-process PostgreSQL (PGlite) under the state folder. Migrations run on open, on both.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { StewardError } from '../lib/core/errors';
import { processAlive } from '../lib/core/process';
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { advisoryLocks } from './locks';
import * as schema from './schema';

export type StewardDb = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A transaction on a StewardDb (same query API). */
export type StewardTx = Parameters<Parameters<StewardDb['transaction']>[0]>[0];

export interface Database {
  db: StewardDb;
  kind: 'postgres' | 'embedded';
  /** The in-process PGlite instance (embedded only), e.g. to serve it over a socket. */
  pglite?: import('@electric-sql/pglite').PGlite;
  close(): Promise<void>;
}

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));


/**
 * @param target a postgres:// URL, or `{ embeddedDir }` (a folder, or 'memory://' for a throwaway).
 * @example const { db, close } = await openDatabase(process.env.DATABASE_URL ?? { embeddedDir: '.steward/pgdata' });
 */
export async function openDatabase(target: string | { embeddedDir: string }, options: { connections?: number } = {}): Promise<Database> {
  if (typeof target === 'string') return openPostgres(target, options.connections ?? 8);
  return openEmbedded(target.embeddedDir);
}

async function openPostgres(url: string, connections: number): Promise<Database> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');

  const migrator = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migrator`select pg_advisory_lock(${advisoryLocks.migrations})`;
    await migrate(drizzle(migrator), { migrationsFolder });
    await migrator`select pg_advisory_unlock(${advisoryLocks.migrations})`;
  } finally {
    await migrator.end();
  }
  const client = postgres(url, { max: connections, onnotice: () => {} });
  return { db: drizzle(client, { schema }) as unknown as StewardDb, kind: 'postgres', close: () => client.end() };
}

async function openEmbedded(dir: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const release = dir.startsWith('memory://') ? () => {} : await lockEmbedded(dir);
  try {
    const client = new PGlite(dir);
    const db = drizzle(client, { schema });
    await migrate(db, { migrationsFolder });
    return {
      db: db as unknown as StewardDb,
      kind: 'embedded',
      pglite: client,
      close: async () => {
        await client.close();
        release();
      },
    };
  } catch (e) {
    release();
    throw e;
  }
}

/**
 * One process at a time opens an embedded database folder: two PGlite instances on one folder would
 * each believe they own it and corrupt it. The lock is a file beside the folder holding the owner's
 * pid; a lock whose process is gone is taken over. Another live owner is waited for briefly (a CLI
 * command finishing), then refused with what to do instead.
 */
async function lockEmbedded(dir: string, waitMs = 10_000): Promise<() => void> {
  mkdirSync(dir, { recursive: true });
  const lock = `${dir}.lock`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => rmSync(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = Number(readFileSync(lock, 'utf8'));
    if (!Number.isInteger(owner) || owner <= 0 || !processAlive(owner)) {
      rmSync(lock, { force: true }); // left by a process that died without closing
      continue;
    }
    if (Date.now() > deadline) {
      throw new StewardError(
        'InvalidInput',
        `the embedded database is open in process ${owner}; run \`npx steward dev\` (it serves the database to every other command) or set DATABASE_URL`,
        { file: dir },
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
