import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StewardError } from '../core/errors';
import { projectRoot } from '../runtime/paths';
import { loadPolicyFile } from './load';
import { parsePolicy, policyHash, policyTask } from './schema';

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

describe('policy task', () => {
  const bike = () => JSON.parse(readFileSync(join(projectRoot, 'policies/bike-sharing.json'), 'utf8'));
  const education = () => JSON.parse(readFileSync(join(projectRoot, 'policies/adult-education.json'), 'utf8'));

  it('leaves a binary policy without a task as it was, so policies registered before tasks keep their hash', () => {
    const policy = parsePolicy(raw(), file);
    expect('task' in policy).toBe(false);
    expect('task' in policy.training).toBe(false);
    expect(policyTask(policy)).toBe('binary');
  });

  it('parses the shipped regression and multiclass policies, re-parsing to the same hash', () => {
    const regression = parsePolicy(bike(), 'bike-sharing.json');
    expect(policyTask(regression)).toBe('regression');
    expect(regression.training.targetScaling).toBe('log1p');
    const multiclass = parsePolicy(education(), 'adult-education.json');
    expect(multiclass.training.features.label.classes).toEqual(['no-diploma', 'high-school', 'some-college', 'degree']);
    for (const p of [regression, multiclass]) expect(policyHash(parsePolicy(JSON.parse(JSON.stringify(p))))).toBe(policyHash(p));
  });

  it("gives a regressor or multiclass policy without budgets its task's default budgets", () => {
    const noBudgets = bike();
    delete noBudgets.evaluation.regression;
    expect(parsePolicy(noBudgets).evaluation.regression.budgets.map((b) => b.metric)).toEqual(['mae', 'rmse']);
    const classes = education();
    delete classes.evaluation.regression;
    expect(parsePolicy(classes).evaluation.regression.budgets.map((b) => b.metric)).toEqual(['accuracy', 'macroF1', 'logLoss']);
  });

  it('refuses what does not belong to the task, naming the field', () => {
    const cases: [(p: Record<string, any>) => void, string, RegExp][] = [
      [(p) => (p.evaluation.regression.budgets = [{ metric: 'rocAuc', budget: 0.01 }]), 'evaluation.regression.budgets.0.metric', /"rocAuc" is not a regression metric/],
      [(p) => (p.data.label.positive = '1'), 'data.label.positive', /a regression model has no positive class/],
      [(p) => (p.training.classWeights = 'balanced'), 'training.classWeights', /no classes to weight/],
      [(p) => (p.evaluation.fairness.classThresholds = { recallDifference: 0.1 }), 'evaluation.fairness.classThresholds', /apply to multiclass models/],
      [(p) => (p.data.label.column = p.training.features.label.column = p.contract.label.column = 'dteday'), 'data.label.column', /is categorical in the contract; it needs numeric, integer/],
    ];
    for (const [edit, field, message] of cases) {
      const p = bike();
      edit(p);
      const e = refusal(() => parsePolicy(p, 'bike-sharing.json'));
      expect(e.message).toMatch(message);
      expect(e.location.field).toBe(field);
    }
    const binary = raw();
    binary.evaluation.fairness.errorThresholds = { maeRatio: 1.2 };
    expect(refusal(() => parsePolicy(binary)).message).toMatch(/errorThresholds apply to regression models \(this one is binary\)/);
    const unknownClass = education();
    unknownClass.training.features.label.classes[3] = 'doctorate';
    const e = refusal(() => parsePolicy(unknownClass));
    expect(e.location.field).toBe('training.features.label.classes.3');
    expect(e.message).toMatch(/class "doctorate" is not one of the contract's label values \(no-diploma, high-school, some-college, degree\)/);
    const noClasses = education();
    delete noClasses.training.features.label.classes;
    expect(refusal(() => parsePolicy(noClasses)).location.field).toBe('training.features.label.classes');
  });
});
