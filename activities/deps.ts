import type { StewardDb } from '../db/client';
import type { AuditAnchor } from '../lib/audit/anchor';
import type { ArtifactStore } from '../lib/runtime/artifacts';
import type { ComputePool } from './compute/pool';

/** What activities are built over: the worker wires real ones; tests wire real ones too (a test database, a temp folder, a thread pool). */
export interface ActivityDeps {
  db: StewardDb;
  artifacts: ArtifactStore;
  /** Worker threads for the CPU-heavy steps (validation, evaluation, training). */
  compute: ComputePool;
  /** Code version recorded in lineage (git commit or package version). */
  codeVersion: string;
  clock?: () => Date;
  /** Signs the audit chain's head after each write and keeps it outside the database (lib/audit/anchor.ts). */
  auditAnchor?: AuditAnchor;
  /**
   * With auth on: the control API's public key. A release that does not carry it (started past the
   * API, straight through Temporal) is refused before anything is written.
   */
  requiredDecisionKey?: string;
}
