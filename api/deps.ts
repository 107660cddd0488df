/** What the control API is built over; `steward api` and `steward dev` wire real ones, tests too. */
import type { Client } from '@temporalio/client';
import type { StewardDb } from '../db/client';
import type { AuditAnchor } from '../lib/audit/anchor';
import type { KeyPair } from '../lib/identity/keys';
import type { Identity } from '../lib/identity/tokens';
import type { ArtifactStore } from '../lib/runtime/artifacts';

export interface ApiDeps {
  db: StewardDb;
  temporal: Client;
  artifacts: ArtifactStore;
  /** Signs sign-off decisions; its public half goes into every release the API starts. */
  decisionKey: KeyPair;
  /** Signs the audit chain's head after the API's own writes (policies, tokens). */
  auditAnchor?: AuditAnchor;
  /** The audit key's public half, to check the signed head when verifying. */
  auditPublicKey?: string;
  /** Verifies OIDC JWTs, when an issuer is configured. */
  oidc?: (jwt: string) => Promise<Identity>;
  /** The Temporal Web UI, for links to releases. */
  temporalUiUrl?: string;
  namespace: string;
  clock: () => Date;
  /** Secret for the approval pages' CSRF tokens (`steward api` derives it from the decision key). */
  csrfSecret: Uint8Array;
}
