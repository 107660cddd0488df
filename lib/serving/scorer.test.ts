import { describe, expect, it } from 'vitest';
import { isStewardError } from '../core/errors';
import type { Table } from '../data/table';
import { loadModel } from '../model/serialize';
import { predictTask } from '../model/predict';
import { trainClassifier } from '../model/train';
import { loadBikeYear } from '../../test/support/bike';
import { loadScorer } from './scorer';

// The gateway's scorer against the training-time scoring path (TF.js), per task.
describe('loadScorer', () => {
  it('serves a regressor in label units: the same bikes per hour as offline scoring', async () => {
    const { table: hours } = await loadBikeYear(2011, 1500);
    const features = { numeric: ['temp', 'hum', 'windspeed'], categorical: ['hr', 'workingday'], label: { column: 'cnt' } };
    const { modelBytes } = await trainClassifier({ table: hours, config: { task: 'regression', targetScaling: 'log1p', hiddenUnits: [8], epochs: 2, batchSize: 64, features } });
    const rows = Object.fromEntries(Object.entries(hours).map(([k, v]) => [k, v.slice(0, 200)])) as Table;
    const { model, pipeline } = await loadModel(modelBytes);
    const offline = predictTask(model, pipeline, rows);
    model.dispose();
    const scorer = await loadScorer(modelBytes);
    const served = scorer.score(rows);
    expect(scorer.engine).toBe('dense');
    // Counts, not standardised log counts.
    expect(Math.max(...served)).toBeGreaterThan(20);
    for (let i = 0; i < served.length; i++) expect(Math.abs(served[i]! - offline[i]!)).toBeLessThan(1e-3 * Math.max(1, offline[i]!));
  });

  it('refuses a multiclass model and an imported artifact with the reason, instead of serving numbers of another meaning', async () => {
    const { table: hours } = await loadBikeYear(2011, 600);
    const weather = { ...hours, sky: Array.from(hours.weathersit as Float64Array, (w) => (w === 1 ? 'clear' : w === 2 ? 'mist' : 'rain')) } as Table;
    const features = { numeric: ['temp', 'hum'], categorical: ['hr'], label: { column: 'sky', classes: ['clear', 'mist', 'rain'] } };
    const { modelBytes } = await trainClassifier({ table: weather, config: { task: 'multiclass', hiddenUnits: [8], epochs: 1, batchSize: 64, features } });
    const multiclass = await loadScorer(modelBytes).catch((e: unknown) => e);
    expect(isStewardError(multiclass) && multiclass.message).toMatch(/multiclass model is not served/);
    const imported = await loadScorer(new Uint8Array(Buffer.from('STWDIMP1 rest of an imported container'))).catch((e: unknown) => e);
    expect(isStewardError(imported) && imported.message).toMatch(/imported model .* is not served/);
  });
});
