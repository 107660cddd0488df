import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicyFile } from '../policy/load';
import { projectRoot } from '../runtime/paths';
import { hashRequestKey, logRules, logTransform } from './privacy';

const secret = Buffer.from('unit-test-secret-0123456789');

function policy() {
  const p = loadPolicyFile(join(projectRoot, 'policies/adult-income.json'));
  p.data.personal = ['customer-email'];
  return p;
}

describe('the prediction log policy', () => {
  it('drops protected attributes and personal columns unless the policy names a rule, and keeps the rest', () => {
    const p = policy();
    p.logging.columns = { 'customer-email': 'hash' };
    expect(logRules(p, ['age', 'sex', 'race', 'customer-email', 'occupation'])).toEqual({ age: 'keep', sex: 'drop', race: 'drop', 'customer-email': 'hash', occupation: 'keep' });
  });

  it('hashes with a keyed HMAC: equal values join, other secrets and other columns do not', () => {
    const p = policy();
    p.logging.columns = { 'customer-email': 'hash', occupation: 'hash' };
    const t = logTransform(p, ['customer-email', 'occupation'], secret);
    const a = t.apply({ 'customer-email': 'zelda@example.org', occupation: 'zelda@example.org' });
    expect(a['customer-email']).toMatch(/^hmac:[0-9a-f]{32}$/);
    expect(t.apply({ 'customer-email': 'zelda@example.org' })['customer-email']).toBe(a['customer-email']);
    expect(a.occupation).not.toBe(a['customer-email']);
    expect(logTransform(p, ['customer-email'], Buffer.from('another-secret-0123456789')).apply({ 'customer-email': 'zelda@example.org' })['customer-email']).not.toBe(a['customer-email']);
    expect(JSON.stringify(a)).not.toContain('zelda');
  });

  it('generalises numbers to buckets and rare categories to other, keeping missing values missing', () => {
    const p = policy();
    p.logging.columns = { age: { generalize: { width: 10 } }, 'hours-per-week': { generalize: { width: 2.5 } }, 'native-country': { generalize: { keep: ['United-States'], other: 'other' } } };
    const t = logTransform(p, ['age', 'hours-per-week', 'native-country'], secret);
    expect(t.apply({ age: 37, 'hours-per-week': 41, 'native-country': 'Holand-Netherlands' })).toEqual({ age: '30-39', 'hours-per-week': '[40, 42.5)', 'native-country': 'other' });
    expect(t.apply({ age: 90, 'hours-per-week': null, 'native-country': 'United-States' })).toEqual({ age: '90-99', 'hours-per-week': null, 'native-country': 'United-States' });
  });

  it('stores request keys as a hash per model', () => {
    expect(hashRequestKey(secret, 'm', 'customer-42')).toBe(hashRequestKey(secret, 'm', 'customer-42'));
    expect(hashRequestKey(secret, 'm', 'customer-42')).not.toBe(hashRequestKey(secret, 'other', 'customer-42'));
  });
});
