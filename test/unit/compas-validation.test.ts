import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createComputePool } from '../../activities/compute/pool';
import { createDataActivities } from '../../activities/data';
import { openDatabase, type Database } from '../../db/client';
import { localArtifactStore } from '../../lib/runtime/artifacts';
import { parsePolicy, type PolicyInput } from '../../lib/policy/schema';
import type { DataValidation } from '../../lib/release/types';
import { compasFile } from '../support/compas';

// A release's data validation on ProPublica's COMPAS file, whose header names decile_score and
// priors_count twice: the policy refers to the second copies by pandas' names, the validation
// passes, and the renaming reaches the release as a warning. The database is the embedded one.
const compas = compasFile();

const policy: PolicyInput = {
  model: 'compas-recid',
  data: { evaluationFile: compas, label: { column: 'two_year_recid', positive: '1' }, protectedAttributes: ['race'] },
  contract: {
    columns: [
      { name: 'decile_score.1', type: 'integer', range: { min: 1, max: 10 }, missing: { maxShare: 0 } },
      { name: 'priors_count.1', type: 'integer', range: { min: 0 } },
      { name: 'age', type: 'integer', range: { min: 18, max: 100 } },
      { name: 'race', type: 'categorical' },
      { name: 'two_year_recid', type: 'categorical' },
    ],
    label: { column: 'two_year_recid', values: ['0', '1'] },
  },
  training: { features: { numeric: ['decile_score.1', 'priors_count.1', 'age'], categorical: [], label: { column: 'two_year_recid', positive: '1' } } },
  approvals: { approvers: ['bob'] },
};

describe('release data validation of a file whose header repeats names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-compas-'));
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({ embeddedDir: 'memory://' });
  });
  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes a contract naming decile_score.1 and carries the renaming into the release warnings', async () => {
    const compute = createComputePool({ threads: 1 });
    const activities = createDataActivities({ db: database.db, artifacts: localArtifactStore(dir), compute, codeVersion: 'test' });
    // The SDK's activity environment: the activity runs as a worker would run it, with its context.
    const validation: DataValidation = await new MockActivityEnvironment().run(activities.validateData, { releaseId: 'r-compas', model: 'compas-recid', file: compas, policy: parsePolicy(policy) });
    await compute.close();
    expect(validation.rows).toBe(7214);
    expect(validation.sha256.startsWith('c451db85908b2f7f')).toBe(true);
    expect(validation.warnings).toEqual([
      `${compas}, row 1: the header repeats "decile_score" (fields 12 and 40) and "priors_count" (fields 15 and 49); as pandas does, it reads field 40 as "decile_score.1" and field 49 as "priors_count.1"`,
    ]);
  });
});
