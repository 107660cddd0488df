/**
 * How CLI commands reach Temporal and the database: explicit settings (TEMPORAL_ADDRESS,
 * DATABASE_URL) win; otherwise the running embedded stack (`steward dev`) is found through its
 * stack file; otherwise the embedded database is opened directly.
 */
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Database } from '../db/client';
import type { AuditAnchor } from '../lib/audit/anchor';
import { loadConfig, type StewardConfig } from '../lib/runtime/config';
import { StewardError } from '../lib/core/errors';
import { readStackInfo } from '../lib/runtime/stack-file';
import type { ApiClient } from './remote';

export interface CliContext {
  config: StewardConfig;
  temporal(): Promise<Client>;
  database(): Promise<Database>;
  uiUrl(): string | undefined;
  /**
   * Who is acting: `explicit` (from --as), else $STEWARD_USER; refused when neither is set, and
   * always refused when auth is on (principals then come from API tokens only).
   */
  principal(explicit?: string): string;
  /**
   * Auth is on: $STEWARD_AUTH=on here, or the running `steward dev` was started with it. Then `--as`
   * and $STEWARD_USER are refused, and releases and decisions go through the control API.
   */
  authOn(): boolean;
  /**
   * The control API to go through: `explicit` (--api), else $STEWARD_API, else (auth on) the running
   * stack's; undefined: talk to Temporal and the database directly. Needs $STEWARD_TOKEN.
   */
  remote(explicit?: string): Promise<ApiClient | undefined>;
  /** Who a direct database write is recorded as: $STEWARD_USER, else `local:<OS user>`. */
  localActor(): string;
  /** Signs the audit head after a direct write (the audit key under $STEWARD_HOME/keys). */
  auditAnchor(): Promise<AuditAnchor>;
  /** True when the database is a server (DATABASE_URL or a running `steward dev`), not a cold embedded start. */
  sharedDatabase(): boolean;
  close(): Promise<void>;
}

export function createCliContext(env: NodeJS.ProcessEnv = process.env): CliContext {
  const config = loadConfig(env);
  const stack = readStackInfo(config.home);
  let client: Client | undefined;
  let db: Database | undefined;
  const authOn = () => config.authOn || stack?.auth === true;
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
      if (authOn()) {
        throw new StewardError(
          'InvalidInput',
          'auth is on: the principal comes from your API token, not from --as or $STEWARD_USER; go through the control API (--api <url> or $STEWARD_API, token in $STEWARD_TOKEN)',
          { field: '--as' },
        );
      }
      const p = explicit ?? config.user;
      if (!p) throw new StewardError('InvalidInput', 'who are you? pass --as <principal> or set STEWARD_USER', { field: '--as' });
      return p;
    },
    authOn,
    async remote(explicit) {
      const url = explicit ?? config.api.url ?? (authOn() ? stack?.apiUrl : undefined);
      if (!url) return undefined;
      if (!config.api.token) throw new StewardError('Unauthenticated', `going through the control API at ${url} needs a token: set STEWARD_TOKEN (steward token create prints one)`, { field: 'STEWARD_TOKEN' });
      return (await import('./remote')).apiClient(url, config.api.token);
    },
    localActor() {
      if (config.user) return config.user;
      return `local:${process.env.USER ?? process.env.USERNAME ?? 'unknown'}`;
    },
    async auditAnchor() {
      const [{ createAuditAnchor }, { loadOrCreateKey }, { localArtifactStore }] = await Promise.all([
        import('../lib/audit/anchor'),
        import('../lib/identity/keys'),
        import('../lib/runtime/artifacts'),
      ]);
      return createAuditAnchor(localArtifactStore(config.artifactsDir), loadOrCreateKey(config.home, 'audit', config.keys.audit));
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
