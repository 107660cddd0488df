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

describe('policy refused at the door', () => {
  it('names an unknown key and the valid key it most likely meant', () => {
    const bad = raw();
    bad.approvals.quorm = 2;
    const e = refusal(() => parsePolicy(bad, 'p.json'));
    expect(e.type).toBe('InvalidPolicy');
    expect(e.location.field).toBe('approvals.quorm');
    expect(e.message).toContain('unknown key "quorm" (did you mean "quorum"?) in approvals');

    const top = raw();
    top.trainning = {};
    expect(refusal(() => parsePolicy(top, 'p.json')).message).toContain('unknown key "trainning" (did you mean "training"?)');
    const deep = raw();
    deep.training.earlyStopping = { patiance: 3 };
    expect(refusal(() => parsePolicy(deep, 'p.json')).message).toContain('"patiance" (did you mean "patience"?) in training.earlyStopping');
  });

  it('refuses features, labels and protected attributes that are not columns of the contract', () => {
    const bad = raw();
    bad.training.features.numeric.push('hours_per_week');
    const e = refusal(() => parsePolicy(bad, 'p.json'));
    expect(e.location.field).toBe(`training.features.numeric.${bad.training.features.numeric.length - 1}`);
    expect(e.message).toContain('numeric feature "hours_per_week" is not a column of the contract (did you mean "hours-per-week"?)');

    const wrongType = raw();
    wrongType.training.features.numeric.push('workclass');
    expect(refusal(() => parsePolicy(wrongType, 'p.json')).message).toContain('numeric feature "workclass" is categorical in the contract');

    const label = raw();
    label.training.features.label = { column: 'income', positive: '>50K.' };
    expect(refusal(() => parsePolicy(label, 'p.json')).location.field).toBe('training.features.label.positive');

    const attribute = raw();
    attribute.data.protectedAttributes = ['sex', 'gender'];
    expect(refusal(() => parsePolicy(attribute, 'p.json')).message).toContain('protected attribute "gender" is not a column of the contract');
  });

  it('refuses an approver listed twice and a quorum only duplicates could reach', () => {
    const bad = raw();
    bad.approvals.approvers = ['ravi', 'Ravi'];
    bad.approvals.quorum = 2;
    const e = refusal(() => parsePolicy(bad, 'p.json'));
    expect(e.location.field).toBe('approvals.approvers.1');
    expect(e.message).toContain('listed twice');
    expect(e.message).toContain('quorum 2 exceeds the 1 distinct approvers');
  });

  it('refuses heartbeat and sign-off timeouts no worker or person could meet', () => {
    const bad = raw();
    bad.compute.heartbeatTimeout = '2s';
    expect(refusal(() => parsePolicy(bad, 'p.json')).location.field).toBe('compute.heartbeatTimeout');
    const hasty = raw();
    hasty.approvals.timeout = '10s';
    expect(refusal(() => parsePolicy(hasty, 'p.json')).location.field).toBe('approvals.timeout');
  });
});
