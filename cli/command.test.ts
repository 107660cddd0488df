import { describe, expect, it } from 'vitest';
import { StewardError } from '../lib/core/errors';
import { closest, defineCommand, editDistance, parseCommandArgs, type Command } from './command';
import { data } from './commands/data';
import { dev } from './commands/dev';
import { evaluate } from './commands/eval';
import { release } from './commands/release';

const drift = data.subcommands.find((c) => c.name === 'drift') as Command;
const parse = (command: Command, path: string[], argv: string[]) => parseCommandArgs(command, ['steward', ...path], argv, '/work/project');

/** The error a parse fails with (the test fails if it succeeds). */
async function refusal(command: Command, path: string[], argv: string[]): Promise<StewardError> {
  const err = await parse(command, path, argv).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `${path.join(' ')} ${argv.join(' ')} should be refused`).toBeInstanceOf(StewardError);
  expect((err as StewardError).type).toBe('InvalidInput');
  return err as StewardError;
}

describe('parseCommandArgs', () => {
  it('hands run typed values: positionals by name, paths resolved, numbers and durations converted, switches as booleans', async () => {
    const args = await parse(release, ['release'], ['adult-income', '--data', 'batch.csv', '--eval=/data/held-out.csv', '--timeout', '72h', '--epochs', '12', '--as', 'maria', '--wait', '--json']);
    expect(args).toEqual({ model: 'adult-income', data: '/work/project/batch.csv', eval: '/data/held-out.csv', timeout: 72 * 3_600_000, epochs: 12, as: 'maria', wait: true, json: true, help: false });
    const minimal = await parse(release, ['release'], ['m', '--data', 'b.csv']);
    expect(minimal).toMatchObject({ timeout: undefined, epochs: undefined, as: undefined, wait: false, json: false });
  });

  it('collects a repeatable flag into a list and names dashed flags in camelCase', async () => {
    const args = await parse(evaluate, ['eval'], ['--data', 's.csv', '--label', 'y', '--score', 'p', '--group', 'sex', '--group=race', '--baseline-score', 'p_prod', '--threshold', '-0.25']);
    expect(args).toMatchObject({ data: 's.csv', group: ['sex', 'race'], score: ['p'], baselineScore: ['p_prod'], positiveLabel: undefined, threshold: -0.25 });
    expect(await parse(evaluate, ['eval'], ['--data', 's.csv', '--label', 'y', '--score', 'p'])).toMatchObject({ group: [] });
  });

  it('treats everything after -- as arguments', async () => {
    expect(await parse(release, ['release'], ['--data', 'b.csv', '--', '--weird-model-name'])).toMatchObject({ model: '--weird-model-name' });
  });

  it('refuses an unknown flag, naming it and suggesting the closest valid one', async () => {
    const typo = await refusal(release, ['release'], ['m', '--data', 'b.csv', '--tiemout', '1h']);
    expect(typo.location.field).toBe('--tiemout');
    expect(typo.message).toContain('unknown option for "steward release"; did you mean --timeout?');
    expect((await refusal(drift, ['data', 'drift'], ['--reference', 'a', '--current', 'b', '--no-headr'])).message).toContain('did you mean --no-header?');
    expect((await refusal(evaluate, ['eval'], ['--thresh', '0.3'])).message).toContain('did you mean --threshold?');
    const far = await refusal(release, ['release'], ['m', '--data', 'b.csv', '--colour', 'red']);
    expect(far.location.field).toBe('--colour');
    expect(far.message).not.toContain('did you mean');
    expect(far.message).toContain('usage: steward release <model> [options]');
    expect((await refusal(release, ['release'], ['m', '-x'])).location.field).toBe('-x');
  });

  it('checks --epochs is an integer from 1 to 10000', async () => {
    for (const bad of ['abc', '-5', '0', '10001', '1e9', '2.5', '', '0x10', 'Infinity']) {
      const err = await refusal(release, ['release'], ['m', '--data', 'b.csv', `--epochs=${bad}`]);
      expect(err.location.field).toBe('--epochs');
      expect(err.message).toContain(`must be an integer from 1 to 10000, got "${bad}"`);
    }
    expect(await parse(release, ['release'], ['m', '--data', 'b.csv', '--epochs', '10000'])).toMatchObject({ epochs: 10_000 });
  });

  it('checks ports are from 1 to 65535', async () => {
    for (const bad of ['0', '65536', '80.5', 'http']) expect((await refusal(dev, ['dev'], ['--ui-port', bad])).location.field).toBe('--ui-port');
    expect(await parse(dev, ['dev'], ['--port', '7300', '--ui-port', '65535'])).toMatchObject({ port: 7300, uiPort: 65_535 });
  });

  it('checks --threshold is a finite number', async () => {
    const base = ['--data', 's.csv', '--label', 'y', '--score', 'p'];
    for (const bad of ['high', 'NaN', 'Infinity', '1/2', '']) {
      const err = await refusal(evaluate, ['eval'], [...base, `--threshold=${bad}`]);
      expect(err.location.field).toBe('--threshold');
      expect(err.message).toContain('must be a finite number');
    }
    expect(await parse(evaluate, ['eval'], [...base, '--threshold', '1e-3'])).toMatchObject({ threshold: 0.001 });
  });

  it('reads durations with their unit and refuses garbage, bare numbers and zero', async () => {
    expect(await parse(release, ['release'], ['m', '--data', 'b.csv', '--timeout', '15m'])).toMatchObject({ timeout: 900_000 });
    expect(await parse(release, ['release'], ['m', '--data', 'b.csv', '--timeout', '7d'])).toMatchObject({ timeout: 7 * 86_400_000 });
    for (const [bad, why] of [
      ['soon', 'is not a duration'],
      ['72', 'needs a unit'],
      ['0s', 'must be a positive duration'],
      ['-1h', 'is not a duration'],
    ]) {
      const err = await refusal(release, ['release'], ['m', '--data', 'b.csv', `--timeout=${bad}`]);
      expect(err.location.field).toBe('--timeout');
      expect(err.message).toContain(why);
    }
  });

  it('names a missing argument, a missing required flag and a flag without its value', async () => {
    const noModel = await refusal(release, ['release'], ['--data', 'b.csv']);
    expect(noModel.location.field).toBe('model');
    expect(noModel.message).toContain('missing argument <model>');
    const noLabel = await refusal(evaluate, ['eval'], ['--data', 's.csv', '--score', 'p']);
    expect(noLabel.location.field).toBe('--label');
    const noValue = await refusal(release, ['release'], ['m', '--data']);
    expect(noValue.message).toContain('needs a value: --data <file>');
    expect((await refusal(release, ['release'], ['m', '--data', '--wait'])).location.field).toBe('--data');
  });

  it('refuses an extra argument, a single-valued flag given twice and a switch given a value', async () => {
    expect((await refusal(release, ['release'], ['m', 'n', '--data', 'b.csv'])).message).toContain('unexpected argument "n" for "steward release"');
    expect((await refusal(release, ['release'], ['m', '--data', 'a.csv', '--data', 'b.csv'])).location.field).toBe('--data');
    expect((await refusal(release, ['release'], ['m', '--data', 'b.csv', '--wait=yes'])).location.field).toBe('--wait');
  });
});

describe('defineCommand', () => {
  it('refuses a declaration whose flag and argument would share a key', () => {
    const run = async () => 0;
    expect(() => defineCommand({ name: 'x', summary: 's', examples: [], positionals: [{ name: 'baselineScore', description: 'd' }], flags: { 'baseline-score': { type: 'string', description: 'd' } }, run })).toThrow(/share a name/);
    expect(() => defineCommand({ name: 'x', summary: 's', examples: [], flags: { json: { type: 'boolean', description: 'd' } }, run })).toThrow(/bad flag name/);
  });
});

describe('closest', () => {
  it('counts a swap of neighbouring letters as one edit', () => {
    expect(editDistance('tiemout', 'timeout')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('suggests the nearest candidate, or the only one a word abbreviates, and nothing when none is close', () => {
    expect(closest('tiemout', ['timeout', 'epochs', 'eval'])).toBe('timeout');
    expect(closest('relase', ['release', 'register', 'models'])).toBe('release');
    expect(closest('base', ['baseline-score', 'label'])).toBe('baseline-score');
    expect(closest('colour', ['timeout', 'epochs'])).toBeUndefined();
    expect(closest('e', ['eval', 'epochs'])).toBeUndefined();
  });
});
