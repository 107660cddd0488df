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
  /** `on`: principals come from API tokens only (see README, "Identity and roles"). */
  STEWARD_AUTH: z.enum(['on', 'off']).optional(),
  /** The control API the CLI goes through (`--api`), and the token it presents. */
  STEWARD_API: z.string().url().optional(),
  STEWARD_TOKEN: z.string().optional(),
  /** Hex Ed25519 secret keys (32 bytes); unset: generated once under $STEWARD_HOME/keys. Never in the database. */
  STEWARD_DECISION_KEY: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits (an Ed25519 secret key)').optional(),
  STEWARD_AUDIT_KEY: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits (an Ed25519 secret key)').optional(),
  /** Workers with auth on: the API's public key every release must carry (default: the key under $STEWARD_HOME/keys). */
  STEWARD_DECISION_PUBLIC_KEY: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (an Ed25519 public key)').optional(),
  /** Optional OIDC: JWTs from this issuer, checked against its JWKS, are accepted besides API tokens. */
  STEWARD_OIDC_ISSUER: z.string().url().optional(),
  STEWARD_OIDC_JWKS_URL: z.string().url().optional(),
  STEWARD_OIDC_AUDIENCE: z.string().optional(),
  STEWARD_OIDC_ROLES_CLAIM: z.string().default('steward_roles'),
  STEWARD_OIDC_PRINCIPAL_CLAIM: z.string().default('email'),
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
  /** Principals from API tokens only: `--as` and $STEWARD_USER are refused, writes go through the API. */
  authOn: boolean;
  api: { url?: string; token?: string };
  keys: { decision?: string; audit?: string; decisionPublic?: string };
  oidc?: { issuer: string; jwksUrl: string; audience?: string; rolesClaim: string; principalClaim: string };
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
    authOn: e.STEWARD_AUTH === 'on',
    api: { url: e.STEWARD_API, token: e.STEWARD_TOKEN },
    keys: { decision: e.STEWARD_DECISION_KEY?.toLowerCase(), audit: e.STEWARD_AUDIT_KEY?.toLowerCase(), decisionPublic: e.STEWARD_DECISION_PUBLIC_KEY },
    oidc: e.STEWARD_OIDC_ISSUER
      ? {
          issuer: e.STEWARD_OIDC_ISSUER,
          jwksUrl: e.STEWARD_OIDC_JWKS_URL ?? `${e.STEWARD_OIDC_ISSUER.replace(/\/$/, '')}/.well-known/jwks.json`,
          audience: e.STEWARD_OIDC_AUDIENCE,
          rolesClaim: e.STEWARD_OIDC_ROLES_CLAIM,
          principalClaim: e.STEWARD_OIDC_PRINCIPAL_CLAIM,
        }
      : undefined,
    logKey: e.STEWARD_LOG_KEY,
  };
}
