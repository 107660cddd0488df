/**
 * How CLI commands reach Temporal and the database: explicit settings (TEMPORAL_ADDRESS,
 * DATABASE_URL) win; otherwise the running embedded stack (`steward dev`) is found through its
 * stack file; otherwise the embedded database is opened directly.
 */
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Database } from '../db/client';
import { loadConfig, type StewardConfig } from '../lib/runtime/config';
import { StewardError } from '../lib/core/errors';
import { readStackInfo } from '../lib/runtime/stack-file';

export interface CliContext {
  config: StewardConfig;
  temporal(): Promise<Client>;
  database(): Promise<Database>;
  uiUrl(): string | undefined;
  /** Who is acting: `explicit` (from --as), else $STEWARD_USER; refused when neither is set. */
  principal(explicit?: string): string;
  /** True when the database is a server (DATABASE_URL or a running `steward dev`), not a cold embedded start. */
  sharedDatabase(): boolean;
  close(): Promise<void>;
}

export function createCliContext(env: NodeJS.ProcessEnv = process.env): CliContext {
  const config = loadConfig(env);
  const stack = readStackInfo(config.home);
  let client: Client | undefined;
  let db: Database | undefined;
  return {
    config,
    async temporal() {
      const address = config.temporal.address ?? stack?.temporalAddress;
      if (!address) throw new StewardError('InvalidInput', 'no Temporal server: run `npx steward dev` in another terminal, or set TEMPORAL_ADDRESS');
      // Loaded on first use: commands that never talk to Temporal or the database start faster.
      client ??= await (await import('../lib/runtime/temporal')).connectClient(config.temporal, address);
      return client;
    },
    async database() {
      // A CLI command runs its queries one after another: two connections are plenty, and every
      // command of a busy machine shares the embedded database's socket server.
      db ??= await (await import('../db/client')).openDatabase(config.databaseUrl ?? stack?.databaseUrl ?? { embeddedDir: join(config.home, 'pgdata') }, { connections: 2 });
      return db;
    },
    uiUrl() {
      return stack?.uiUrl;
    },
    principal(explicit) {
      const p = explicit ?? config.user;
      if (!p) throw new StewardError('InvalidInput', 'who are you? pass --as <principal> or set STEWARD_USER', { field: '--as' });
      return p;
    },
    sharedDatabase() {
      return Boolean(config.databaseUrl ?? stack?.databaseUrl);
    },
    async close() {
      await client?.connection.close();
      await db?.close();
    },
  };
}
