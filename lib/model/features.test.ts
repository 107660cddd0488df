import { describe, expect, it } from 'vitest';
import { isStewardError } from '../core/errors';
import { parseTrainingConfig } from './config';
import { selectRows } from '../data/table';
import { FeaturePipeline, labelsFromTable } from './features';

const spec = (over: Record<string, unknown> = {}) =>
  parseTrainingConfig({
    features: {
      numeric: ['age'],
      categorical: [{ name: 'color', maxCategories: 2 }],
      label: { column: 'y', positive: 'yes' },
      ...over,
    },
  }).features;

const train = {
  age: Float64Array.of(20, 30, NaN, 50),
  color: ['red', 'red', 'blue', 'green'],
  y: ['yes', 'no', 'no', 'yes'],
};

describe('FeaturePipeline', () => {
  it('fits means, standard deviations and vocabularies on the training rows only', () => {
    const p = FeaturePipeline.fit(train, spec());
    const json = p.toJSON();
    // mean of the three present ages; population std
    expect(json.numeric[0]!.mean).toBeCloseTo(100 / 3);
    expect(json.numeric[0]!.std).toBeCloseTo(Math.sqrt(((20 - 100 / 3) ** 2 + (30 - 100 / 3) ** 2 + (50 - 100 / 3) ** 2) / 3));
    // top-2 by frequency, ties broken by value: red (2), then blue before green
    expect(json.categorical[0]!.vocabulary).toEqual(['red', 'blue']);
    expect(p.featureNames).toEqual(['age', 'color=red', 'color=blue', 'color=<other>', 'color=<missing>']);
  });

  it('imputes a missing number with the training mean (0 after standardising)', () => {
    const p = FeaturePipeline.fit(train, spec());
    const x = p.transform(train);
    expect(x[2 * p.width]).toBe(0);
  });

  it("sends unseen categories to 'other' and missing ones to the missing indicator by default", () => {
    const p = FeaturePipeline.fit(train, spec());
    const x = p.transform({ age: [40, 40, 40], color: ['purple', null, 'green'] });
    const row = (i: number) => Array.from(x.subarray(i * p.width + 1, (i + 1) * p.width));
    expect(row(0)).toEqual([0, 0, 1, 0]); // unseen at inference
    expect(row(1)).toEqual([0, 0, 0, 1]); // missing
    expect(row(2)).toEqual([0, 0, 1, 0]); // seen in training but cut by maxCategories
  });

  it("encodes unseen and missing categories as all zeros when configured with 'zeros'", () => {
    const p = FeaturePipeline.fit(train, spec({ unseenCategory: 'zeros', missingCategory: 'zeros' }));
    expect(p.featureNames).toEqual(['age', 'color=red', 'color=blue']);
    const x = p.transform({ age: [40, 40], color: ['purple', ''] });
    expect(Array.from(x)).toEqual([x[0], 0, 0, x[3], 0, 0]);
  });

  it('round-trips through versioned JSON and transforms identically', () => {
    const p = FeaturePipeline.fit(train, spec());
    const back = FeaturePipeline.fromJSON(JSON.stringify(p));
    expect(back.version).toBe(1);
    expect(back.fingerprint).toBe(p.fingerprint);
    expect(back.transform(train)).toEqual(p.transform(train));
  });

  it('refuses a pipeline document of an unknown version as ArtifactIntegrity', () => {
    const json = { ...FeaturePipeline.fit(train, spec()).toJSON(), version: 2 };
    expect(() => FeaturePipeline.fromJSON(json)).toThrow(expect.objectContaining({ type: 'ArtifactIntegrity' }));
  });

  it('reports a missing column or ragged columns as DataContractViolation', () => {
    const p = FeaturePipeline.fit(train, spec());
    try {
      p.transform({ age: [1] });
      expect.unreachable();
    } catch (e) {
      expect(isStewardError(e) && e.type).toBe('DataContractViolation');
      expect(isStewardError(e) && e.location.column).toBe('color');
    }
    expect(() => p.transform({ age: [1, 2], color: ['red'] })).toThrow(/1 values, expected 2/);
  });

  it('reads 0/1 labels from the label column', () => {
    expect(Array.from(labelsFromTable(train, { column: 'y', positive: 'yes' }))).toEqual([1, 0, 0, 1]);
    expect(() => labelsFromTable({ y: ['yes', null] }, { column: 'y', positive: 'yes' })).toThrow(/label is missing/);
  });

  it('selects rows of every column in the requested order', () => {
    expect(selectRows(train, [3, 0])).toEqual({ age: Float64Array.of(50, 20), color: ['green', 'red'], y: ['yes', 'yes'] });
  });
});
