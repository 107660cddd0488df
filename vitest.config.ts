import { defineConfig } from 'vitest/config';

// Four projects: `unit` is pure domain code (no services); `workflow` runs the workflows on
// Temporal's time-skipping test server with stubbed activities (their orchestration, in seconds);
// `integration` runs against the real Temporal dev server and PostgreSQL that test/global-setup.ts
// starts once per run; `faults` kills processes mid-work against the same services.
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 180_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['lib/**/*.test.ts', 'cli/**/*.test.ts', 'test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'workflow',
          include: ['test/workflow/**/*.test.ts'],
          globalSetup: ['test/workflow/global-setup.ts'],
          // Time is skipped and activities are stubs: a release that hangs here is a bug, not a slow machine.
          testTimeout: 20_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          // kill -9 of workers, the Temporal server, PostgreSQL, the embedded stack and gateway replicas,
          // mid-release and mid-rollout.
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
        },
      },
    ],
  },
});
