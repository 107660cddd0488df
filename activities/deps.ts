import type { StewardDb } from '../db/client';
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
}
