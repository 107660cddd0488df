import type { StewardDb } from '../db/client';
import type { ArtifactStore } from '../lib/registry/artifacts';

/** What activities are built over: the worker wires real ones; tests wire real ones too (a test database, a temp folder). */
export interface ActivityDeps {
  db: StewardDb;
  artifacts: ArtifactStore;
  /** Code version recorded in lineage (git commit or package version). */
  codeVersion: string;
  clock?: () => Date;
}
