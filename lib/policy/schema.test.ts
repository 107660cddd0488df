import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StewardError } from '../core/errors';
import { projectRoot } from '../runtime/paths';
import { loadPolicyFile } from './load';
import { parsePolicy, policyHash } from './schema';

const file = join(projectRoot, 'policies/adult-income.json');
const raw = () => JSON.parse(readFileSync(file, 'utf8'));

function refusal(f: () => unknown): StewardError {
  try {
    f();
  } catch (e) {
    if (e instanceof StewardError) return e;
    throw e;
  }
  throw new Error('expected an InvalidPolicy error');
}

describe('policy schema', () => {
  it('types every section: the contract, drift, training and evaluation come back parsed with defaults', () => {
    const policy = loadPolicyFile(file);
    expect(policy.contract.columns.length).toBeGreaterThan(10);
    expect(policy.drift.driftShare).toBe(0.5);
    expect(policy.training.optimizer).toBe('adam');
    expect(policy.training.features.categorical[0]).toMatchObject({ maxCategories: expect.any(Number) });
    expect(policy.evaluation.resamples).toBeGreaterThan(0);
    expect(policy.approvals.timeout).toBe(72 * 3_600_000);
  });

  it('gives a parsed policy back unchanged, so the stored policy re-parses to the same hash', () => {
    const once = parsePolicy(raw(), file);
    const twice = parsePolicy(JSON.parse(JSON.stringify(once)), 'stored');
    expect(twice).toEqual(once);
    expect(policyHash(twice)).toBe(policyHash(once));
  });

  it('names the section and field of a problem inside a section', () => {
    const bad = raw();
    bad.training.dropout = 1.5;
    const e = refusal(() => parsePolicy(bad, 'p.json'));
    expect(e.type).toBe('InvalidPolicy');
    expect(e.location).toEqual({ file: 'p.json', field: 'training.dropout' });

    const badDrift = raw();
    badDrift.drift = { driftShare: 2 };
    expect(refusal(() => parsePolicy(badDrift, 'p.json')).location.field).toBe('drift.driftShare');

    const badContract = raw();
    badContract.contract.columns[0].type = 'float';
    expect(refusal(() => parsePolicy(badContract, 'p.json')).location.field).toBe('contract.columns.0.type');
  });

  it('refuses a quorum larger than the approver list at approvals.quorum', () => {
    const bad = raw();
    bad.approvals.quorum = bad.approvals.approvers.length + 1;
    const e = refusal(() => parsePolicy(bad, 'p.json'));
    expect(e.location.field).toBe('approvals.quorum');
    expect(e.message).toContain('exceeds');
  });
});
