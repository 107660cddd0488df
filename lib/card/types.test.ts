import { describe, expect, it } from 'vitest';
import { adultIncomeCard } from '../../test/support/card-fixture';
import { modelCardInputSchema } from './types';

const identity = { name: 'adult-income', version: 'v1', createdAt: '2024-05-01T10:00:00Z' };

describe('modelCardInputSchema', () => {
  it('accepts the Adult income fixture, and the fixture survives a JSON round trip unchanged', () => {
    expect(modelCardInputSchema.parse(adultIncomeCard)).toEqual(adultIncomeCard);
    expect(modelCardInputSchema.parse(JSON.parse(JSON.stringify(adultIncomeCard)))).toEqual(adultIncomeCard);
  });

  it('requires only the identity of the version', () => {
    expect(modelCardInputSchema.parse(identity)).toEqual(identity);
    expect(modelCardInputSchema.safeParse({ name: 'adult-income', version: 'v1' }).success).toBe(false);
  });

  it('uses null, not NaN, for a statistic that cannot be computed (JSON has no NaN)', () => {
    expect(modelCardInputSchema.safeParse({ ...identity, metrics: [{ name: 'AUC', value: null }] }).success).toBe(true);
    expect(modelCardInputSchema.safeParse({ ...identity, metrics: [{ name: 'AUC', value: Number.NaN }] }).success).toBe(false);
  });

  it('rejects a data hash that is not a sha256 digest', () => {
    const data = { fileName: 'a.csv', sha256: 'abc', rows: 1, columns: [] };
    expect(modelCardInputSchema.safeParse({ ...identity, trainingData: data }).success).toBe(false);
  });

  it('rejects a column profile whose type does not match its statistics', () => {
    const data = {
      fileName: 'a.csv',
      sha256: 'a'.repeat(64),
      rows: 1,
      columns: [{ name: 'age', type: 'categorical', missingShare: 0, mean: 3, std: 1 }],
    };
    expect(modelCardInputSchema.safeParse({ ...identity, trainingData: data }).success).toBe(false);
  });

  it('rejects an unknown verdict and a timestamp that is not ISO-8601', () => {
    expect(modelCardInputSchema.safeParse({ ...identity, gate: { verdict: 'maybe', checks: [] } }).success).toBe(false);
    expect(modelCardInputSchema.safeParse({ ...identity, createdAt: 'yesterday' }).success).toBe(false);
  });
});
