/**
 * Runtime configuration from the environment, parsed once and failing fast with the variable's name
 * (an `InvalidInput` error whose field is the variable).
 * Unset Temporal/database settings mean "use the embedded stack" (see lib/dev-server.ts, db/client.ts).
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseWith } from '../core/validation';

const envSchema = z.object({
  STEWARD_HOME: z.string().default('.steward'),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS: z.enum(['true', 'false']).optional(),
  TEMPORAL_TLS_CERT: z.string().optional(),
  TEMPORAL_TLS_KEY: z.string().optional(),
  DATABASE_URL: z.string().url().optional(),
  STEWARD_ARTIFACTS: z.string().optional(),
  STEWARD_USER: z.string().optional(),
  /** Secret of the prediction log's keyed hashes (at least 16 characters); never stored in the database. */
  STEWARD_LOG_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
});

export type StewardEnv = z.infer<typeof envSchema>;

export interface StewardConfig {
  home: string;
  temporal: { address?: string; namespace: string; apiKey?: string; tls: boolean; tlsCert?: string; tlsKey?: string };
  databaseUrl?: string;
  artifactsDir: string;
  user?: string;
  /** The prediction log's hash secret from the environment (else a key file under `home`: lib/serving/secret.ts). */
  logKey?: string;
}

/**
 * @example const cfg = loadConfig(); cfg.temporal.address ?? 'embedded'
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): StewardConfig {
  const e = parseWith(envSchema, env, { type: 'InvalidInput', what: 'environment variable' });
  const home = resolve(e.STEWARD_HOME);
  return {
    home,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      apiKey: e.TEMPORAL_API_KEY,
      tls: e.TEMPORAL_TLS === 'true' || !!e.TEMPORAL_API_KEY || !!e.TEMPORAL_TLS_CERT,
      tlsCert: e.TEMPORAL_TLS_CERT,
      tlsKey: e.TEMPORAL_TLS_KEY,
    },
    databaseUrl: e.DATABASE_URL,
    artifactsDir: resolve(e.STEWARD_ARTIFACTS ?? resolve(home, 'artifacts')),
    user: e.STEWARD_USER,
    logKey: e.STEWARD_LOG_KEY,
  };
}
