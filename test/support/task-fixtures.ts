/**
 * The regression and multiclass examples made fast for tests: the shipped policies
 * (policies/bike-sharing.json, policies/adult-education.json) on small slices of the data derived in
 * code from the shared files (scripts/datasets.ts), with a small network and few epochs.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StewardDb } from '../../db/client';
import { loadPolicyFile } from '../../lib/policy/load';
import type { Policy } from '../../lib/policy/schema';
import { registerModel } from '../../lib/registry/models';
import { projectRoot } from '../../lib/runtime/paths';
import { deriveAdultEducation, deriveBikeSharing } from '../../scripts/datasets';

const tmp = mkdtempSync(join(tmpdir(), 'steward-task-fixtures-'));

function fast(policy: Policy, model: string): Policy {
  policy.model = model;
  policy.approvals.approvers = ['bob', 'carol'];
  policy.approvals.quorum = 1;
  policy.compute.gpu = 'never';
  policy.training = { ...policy.training, hiddenUnits: [16], epochs: 4, batchSize: 64, earlyStopping: { ...policy.training.earlyStopping, enabled: false } };
  policy.evaluation.resamples = 200;
  // Latency depends on how busy the machine is; the tests judge the task's metrics, not the hardware.
  policy.budgets = {};
  return policy;
}

/**
 * Bike Sharing: the first `rows.train` hours of 2011 to train on (the data file of a release) and the
 * first `rows.evaluation` hours of 2012 as the policy's evaluation file.
 *
 * @example const { policy, train } = bikeSharingFixture('bikes', { train: 2000, evaluation: 1500 });
 */
export function bikeSharingFixture(model: string, rows: { train: number; evaluation: number }): { policy: Policy; train: string } {
  const files = deriveBikeSharing(tmp, { rows, suffix: `-${model}` });
  const policy = fast(loadPolicyFile(resolve(projectRoot, 'policies/bike-sharing.json')), model);
  policy.data.evaluationFile = files.evaluation;
  return { policy, train: files.train };
}

/**
 * Adult with education levels as the label: the first rows of adult.data and adult.test.
 *
 * @example const { policy, train } = adultEducationFixture('education', { train: 3000, evaluation: 1500 });
 */
export function adultEducationFixture(model: string, rows: { train: number; evaluation: number }): { policy: Policy; train: string } {
  const files = deriveAdultEducation(tmp, { rows, suffix: `-${model}` });
  const policy = fast(loadPolicyFile(resolve(projectRoot, 'policies/adult-education.json')), model);
  policy.data.evaluationFile = files.evaluation;
  return { policy, train: files.train };
}

/** Registers a fixture's policy. */
export async function registerFixture(db: StewardDb, fixture: { policy: Policy }): Promise<void> {
  await registerModel(db, fixture.policy);
}
