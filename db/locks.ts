/**
 * PostgreSQL advisory-lock ids, in one place so no two purposes ever share one. Transaction-scoped
 * (`pg_advisory_xact_lock`) except the migration lock, which spans the migrator's session.
 */
export const advisoryLocks = {
  /** Concurrent start-ups (several workers) running migrations against one database. */
  migrations: 7_361_401,
  /** Appends to the hash-chained audit record: the chain never forks. */
  audit: 7_361_402,
  /** Version numbering and the production pointer: one writer at a time per database. */
  versions: 7_361_403,
} as const;
