/**
 * The one database client factory. `DATABASE_URL` -> PostgreSQL through `postgres`; unset -> an
 * embedded, in-process PostgreSQL (PGlite) under the state folder. Migrations run on open, on both.
 */
import { mkdirSync } from 'node:fs';
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
export async function openDatabase(target: string | { embeddedDir: string }): Promise<Database> {
  if (typeof target === 'string') return openPostgres(target);
  return openEmbedded(target.embeddedDir);
}

async function openPostgres(url: string): Promise<Database> {
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
  const client = postgres(url, { max: 8, onnotice: () => {} });
  return { db: drizzle(client, { schema }) as unknown as StewardDb, kind: 'postgres', close: () => client.end() };
}

async function openEmbedded(dir: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  if (!dir.startsWith('memory://')) mkdirSync(dir, { recursive: true });
  const client = new PGlite(dir);
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  return { db: db as unknown as StewardDb, kind: 'embedded', pglite: client, close: () => client.close() };
}
