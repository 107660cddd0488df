/**
 * Test data derived in code from the shared UCI Adult files (never rewritten in place): slices of
 * the training and test files, deliberately broken CSVs, and a small, fast policy.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StewardDb } from '../../db/client';
import { projectRoot } from '../../lib/runtime/paths';
import { adultDir } from './adult';
import { loadPolicyFile } from '../../lib/policy/load';
import type { Policy } from '../../lib/policy/schema';
import { registerModel } from '../../lib/registry/models';

const tmp = mkdtempSync(join(tmpdir(), 'steward-fixtures-'));

const lines = (file: string) => readFileSync(join(adultDir(), file), 'utf8').split('\n').filter((l) => l.trim() !== '');

/** The first `rows` records of adult.data (after `skip`), as a new file. */
export function adultTrainingSlice(rows: number, skip = 0, name = `adult-${skip}-${rows}.csv`): string {
  const file = join(tmp, name);
  writeFileSync(file, `${lines('adult.data').slice(skip, skip + rows).join('\n')}\n`);
  return file;
}

/** The junk first line of adult.test plus its first `rows` records, as a new file. */
export function adultEvaluationSlice(rows: number): string {
  const file = join(tmp, `adult-test-${rows}.csv`);
  const all = lines('adult.test');
  writeFileSync(file, `${[all[0], ...all.slice(1, rows + 1)].join('\n')}\n`);
  return file;
}

/** A file with the given text (for malformed inputs). */
export function textFile(name: string, text: string): string {
  const file = join(tmp, name);
  writeFileSync(file, text);
  return file;
}

/**
 * The shipped Adult policy, made fast for tests: a small network, few epochs, the evaluation slice,
 * a given approver list and model name.
 */
export function testPolicy(
  model: string,
  patch: { approvers?: string[]; quorum?: number; evaluationRows?: number; fairness?: Partial<Policy['evaluation']['fairness']['thresholds']> } = {},
): Policy {
  const policy = loadPolicyFile(resolve(projectRoot, 'policies/adult-income.json'));
  policy.model = model;
  policy.data.evaluationFile = adultEvaluationSlice(patch.evaluationRows ?? 1500);
  policy.approvals.approvers = patch.approvers ?? ['bob', 'carol'];
  policy.approvals.quorum = patch.quorum ?? 1;
  policy.compute.gpu = 'never';
  policy.training = { ...policy.training, hiddenUnits: [16], epochs: 3, batchSize: 64, earlyStopping: { ...policy.training.earlyStopping, enabled: false } };
  // The shipped 50 ms p99 is for a serving box; the suite's releases share 2 cores with everything else.
  policy.budgets = { ...policy.budgets, singleRowP99Ms: 1000 };
  // Tiny models on small slices: fairness is measured but only judged when a test asks for it.
  policy.evaluation.fairness.thresholds = {
    demographicParityDifference: null,
    demographicParityRatio: null,
    equalizedOddsDifference: null,
    equalOpportunityDifference: null,
    disparateImpactRatio: null,
    ...patch.fairness,
  };
  return policy;
}

export async function registerTestModel(db: StewardDb, model: string, patch?: Parameters<typeof testPolicy>[1]): Promise<Policy> {
  const policy = testPolicy(model, patch);
  await registerModel(db, policy);
  return policy;
}
