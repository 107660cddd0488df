/**
 * Starting a gateway from the CLI's configuration (`steward serve`, `steward dev`): the database
 * and artifact store the other commands use, the log secret, the spool folder under the state
 * folder, and chaos faults from $STEWARD_SERVING_FAULTS.
 */
import { join } from 'node:path';
import type { StewardDb } from '../db/client';
import { StewardError } from '../lib/core/errors';
import { parseWith } from '../lib/core/validation';
import { localArtifactStore } from '../lib/runtime/artifacts';
import { logSecret } from '../lib/serving/secret';
import { faultRulesSchema, startGateway, type Gateway } from '../serving/gateway';
import type { CliContext } from './context';

export interface CliGatewayOptions {
  port: number;
  host?: string;
  bodyLimit?: number;
  maxRows?: number;
  logFlushMs?: number;
  /** Keep unwritten log rows in memory only (no spool file: a killed replica loses them). */
  noSpool?: boolean;
  /** A database the caller already has open (`steward dev`'s own); otherwise the CLI's. */
  db?: StewardDb;
  warn?(line: string): void;
}

/** @example const gw = await startGatewayForCli(ctx, { port: 8080 }); */
export async function startGatewayForCli(ctx: Pick<CliContext, 'config' | 'database'>, o: CliGatewayOptions): Promise<Gateway> {
  const faultsText = process.env.STEWARD_SERVING_FAULTS;
  let faults;
  if (faultsText) {
    let raw: unknown;
    try {
      raw = JSON.parse(faultsText);
    } catch {
      throw new StewardError('InvalidInput', 'is not JSON', { field: 'STEWARD_SERVING_FAULTS' });
    }
    faults = parseWith(faultRulesSchema, raw, { type: 'InvalidInput', what: 'fault rules', field: 'STEWARD_SERVING_FAULTS' });
  }
  const db = o.db ?? (await ctx.database()).db;
  return startGateway({
    db,
    artifacts: localArtifactStore(ctx.config.artifactsDir),
    secret: logSecret(ctx.config),
    spoolRoot: o.noSpool ? null : join(ctx.config.home, 'spool'),
    port: o.port,
    host: o.host,
    bodyLimit: o.bodyLimit,
    maxRows: o.maxRows,
    logFlushMs: o.logFlushMs,
    faults,
    warn: o.warn,
  });
}
