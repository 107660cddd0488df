import { describe, expect, it } from 'vitest';
import { isStewardError } from '../core/errors';
import { parseTrainingConfig } from './config';

const features = { numeric: ['age'], categorical: ['workclass'], label: { column: 'income', positive: '>50K' } };

describe('parseTrainingConfig', () => {
  it('fills every default so a policy only states what it changes', () => {
    const c = parseTrainingConfig({ features });
    expect(c).toMatchObject({
      hiddenUnits: [64, 32],
      activation: 'relu',
      optimizer: 'adam',
      classWeights: 'none',
      seed: 42,
      earlyStopping: { enabled: true, validationSplit: 0.1, patience: 3, restoreBestWeights: true },
    });
    expect(c.features.categorical).toEqual([{ name: 'workclass', maxCategories: 32, minCount: 1 }]);
    expect(c.features.unseenCategory).toBe('other');
    expect(c.features.missingCategory).toBe('indicator');
  });

  it('is idempotent: a parsed config parses to itself', () => {
    const c = parseTrainingConfig({ features, classWeights: { negative: 1, positive: 3 } });
    expect(parseTrainingConfig(c)).toEqual(c);
  });

  it('rejects an invalid config as InvalidPolicy naming the field', () => {
    try {
      parseTrainingConfig({ features, dropout: 1.5 });
      expect.unreachable();
    } catch (e) {
      expect(isStewardError(e) && e.type).toBe('InvalidPolicy');
      expect(isStewardError(e) && e.location.field).toBe('dropout');
    }
  });

  it('rejects a feature listed twice or the label used as a feature', () => {
    expect(() => parseTrainingConfig({ features: { ...features, numeric: ['age', 'age'] } })).toThrow(/listed twice/);
    expect(() => parseTrainingConfig({ features: { ...features, numeric: ['income'] } })).toThrow(/label column/);
  });
});
