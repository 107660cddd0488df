import { describe, expect, it } from 'vitest';
import { adultScores, loadAdultTest } from '../../test/support/adult';
import type { Table } from '../data/table';
import { compareImportance, permutationImportance } from './importance';

const adult = await loadAdultTest();
// A 4000-row sample keeps the suite fast; the fixed scoring rule is the "model".
const n = 4000;
const table: Table = {
  age: adult.age.slice(0, n),
  educationNum: adult.educationNum.slice(0, n),
  hoursPerWeek: adult.hoursPerWeek.slice(0, n),
  capitalGain: adult.capitalGain.slice(0, n),
  sex: adult.sex.slice(0, n), // present in the table, never read by the model
};
const labels = adult.labels.slice(0, n);
const col = (t: Table, name: string) => t[name] as Float64Array;
const full = (t: Table) => adultScores({ n: col(t, 'age').length, age: col(t, 'age'), educationNum: col(t, 'educationNum'), hoursPerWeek: col(t, 'hoursPerWeek'), capitalGain: col(t, 'capitalGain') });
const noGain = (t: Table) => adultScores({ n: col(t, 'age').length, age: col(t, 'age'), educationNum: col(t, 'educationNum'), hoursPerWeek: col(t, 'hoursPerWeek'), capitalGain: col(t, 'capitalGain') }, false);

describe('permutation importance', () => {
  it('ranks the features the model uses, gives exactly 0 to a column it ignores, and reports mean and std', async () => {
    const r = await permutationImportance(full, table, labels, { repeats: 5, seed: 1 });
    expect(r.metric).toBe('rocAuc');
    // educationNum dominates (AUC drop ~0.13); age, capital gain and hours are close (~0.04-0.05).
    expect(r.features[0].feature).toBe('educationNum');
    expect(r.features.slice(1, 4).map((f) => f.feature).sort()).toEqual(['age', 'capitalGain', 'hoursPerWeek']);
    expect(r.features[4].feature).toBe('sex');
    const sex = r.features.find((f) => f.feature === 'sex');
    expect(sex).toMatchObject({ mean: 0, std: 0, drops: [0, 0, 0, 0, 0] });
    const edu = r.features[0];
    expect(edu.mean).toBeGreaterThan(0.05);
    expect(edu.drops).toHaveLength(5);
    expect(edu.std).toBeGreaterThan(0);
    expect(edu.std).toBeLessThan(edu.mean / 5);
  });

  it('is reproducible from the seed and accepts async predict functions', async () => {
    const a = await permutationImportance(full, table, labels, { repeats: 2, seed: 9, features: ['age'] });
    const b = await permutationImportance(async (t) => full(t), table, labels, { repeats: 2, seed: 9, features: ['age'] });
    expect(a).toEqual(b);
  });

  it('for a lower-is-better metric a useful feature still has positive importance', async () => {
    const r = await permutationImportance(full, table, labels, { metric: 'logLoss', repeats: 2, seed: 1, features: ['educationNum'] });
    expect(r.features[0].mean).toBeGreaterThan(0);
  });

  it('compareImportance shows which feature a candidate stopped using', async () => {
    const base = await permutationImportance(full, table, labels, { repeats: 3, seed: 4 });
    const cand = await permutationImportance(noGain, table, labels, { repeats: 3, seed: 4 });
    const diff = compareImportance(cand, base);
    const gain = diff.find((d) => d.feature === 'capitalGain');
    expect(gain?.candidate).toBe(0);
    expect(gain?.delta).toBeCloseTo(-(gain?.baseline ?? 0), 12);
    expect(gain?.baseline).toBeGreaterThan(0.01);
    expect(diff[0].feature).toBe('capitalGain'); // sorted by |delta|
  });

  it('rejects a model returning non-probabilities, unknown features and ragged tables as InvalidInput', async () => {
    await expect(permutationImportance(() => new Float64Array(n).fill(2), table, labels)).rejects.toMatchObject({ type: 'InvalidInput' });
    await expect(permutationImportance(full, table, labels, { features: ['income'] })).rejects.toMatchObject({ type: 'InvalidInput' });
    await expect(permutationImportance(full, { a: [1, 2], b: [1] }, [0, 1])).rejects.toMatchObject({ type: 'InvalidInput' });
    await expect(permutationImportance(full, table, labels, { repeats: 0 })).rejects.toMatchObject({ type: 'InvalidInput' });
  });
});
