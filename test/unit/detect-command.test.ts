import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main';
import { tempFile } from '../support/temp-files';

interface RiverCase {
  kind: string;
  detector: string;
  params: Record<string, number | string>;
  stream: number[];
  drifts: number[];
  warnings: number[];
}
const cases = (JSON.parse(readFileSync(join(import.meta.dirname, '../support/river/detectors.json'), 'utf8')) as { cases: RiverCase[] }).cases;

async function steward(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: { STEWARD_HOME: join(import.meta.dirname, '.no-home') } });
  return { code, stdout, stderr };
}

const csv = (column: string, values: (number | string)[]) => tempFile(`t,${column}\n${values.map((v, i) => `${i},${v}`).join('\n')}\n`);

describe('steward detect', () => {
  it("prints river's change points for its doctest streams, as JSON", async () => {
    for (const name of ['ddm', 'eddm', 'adwin', 'page-hinkley']) {
      const c = cases.find((k) => k.kind === 'doctest' && k.detector === name) as RiverCase;
      const params = Object.entries(c.params).flatMap(([k, v]) => ['--param', `${k}=${v}`]);
      const { code, stdout } = await steward('detect', csv('x', c.stream), '--column', 'x', '--detector', name, ...params, '--json');
      expect(code).toBe(0);
      const out = JSON.parse(stdout);
      expect({ drifts: out.drifts, warnings: out.warnings }).toEqual({ drifts: c.drifts, warnings: c.warnings });
    }
    const adwin = cases.find((k) => k.kind === 'doctest' && k.detector === 'adwin') as RiverCase;
    expect(JSON.parse((await steward('detect', csv('x', adwin.stream), '--column', 'x', '--detector', 'adwin', '--json')).stdout).drifts).toEqual([1023]);
  });

  it('takes parameters by name and mode as text', async () => {
    const c = cases.find((k) => k.detector === 'page-hinkley' && k.params.mode === 'up' && k.drifts.length > 0) as RiverCase;
    const params = Object.entries(c.params).flatMap(([k, v]) => ['--param', `${k}=${v}`]);
    const { stdout } = await steward('detect', csv('x', c.stream), '--column', 'x', '--detector', 'page-hinkley', ...params, '--json');
    expect(JSON.parse(stdout).drifts).toEqual(c.drifts);
  });

  it('refuses an unknown parameter, suggesting the nearest', async () => {
    const { code, stdout } = await steward('detect', csv('x', [1, 2, 3]), '--column', 'x', '--detector', 'adwin', '--param', 'detla=0.1', '--json');
    expect(code).toBe(1);
    expect(JSON.parse(stdout).error.message).toMatch(/--param detla.*no parameter "detla"; did you mean delta\?/);
  });

  it('refuses an unknown detector or column with a suggestion', async () => {
    const file = csv('error', [0, 1]);
    expect((await steward('detect', file, '--column', 'error', '--detector', 'adwn', '--json')).stdout).toMatch(/did you mean adwin\?/);
    const { stdout } = await steward('detect', file, '--column', 'eror', '--detector', 'ddm', '--json');
    expect(JSON.parse(stdout).error.message).toContain(`${file}, field "--column": no column "eror"; did you mean "error"?`);
  });

  it('names the file, row and column of a value the detector cannot read', async () => {
    const file = csv('error', [0, 1, 0.5, 1]);
    const { code, stdout } = await steward('detect', file, '--column', 'error', '--detector', 'ddm', '--json');
    expect(code).toBe(1);
    expect(JSON.parse(stdout).error.message).toContain(`${file}, row 4, column "error": ddm reads an error indicator`);
    const gap = csv('x', [1, '', 3]);
    expect(JSON.parse((await steward('detect', gap, '--column', 'x', '--detector', 'adwin', '--json')).stdout).error.message).toContain(`${gap}, row 3, column "x": missing value`);
  });

  it('reads a true/false column as an error indicator and refuses text', async () => {
    const { stdout } = await steward('detect', csv('wrong', ['true', 'false', 'true']), '--column', 'wrong', '--detector', 'eddm', '--json');
    expect(JSON.parse(stdout)).toMatchObject({ rows: 3, drifts: [] });
    const text = csv('x', ['up', 'down']);
    expect(JSON.parse((await steward('detect', text, '--column', 'x', '--detector', 'adwin', '--json')).stdout).error.message).toContain(`${text}, column "x": holds text (e.g. "up")`);
  });

  it('prints a short summary without --json', async () => {
    const { code, stdout } = await steward('detect', csv('x', [0, 0, 1]), '--column', 'x', '--detector', 'ddm');
    expect(code).toBe(0);
    expect(stdout).toContain('ddm (warm_start=30 warning_threshold=2 drift_threshold=3) on "x", 3 rows\ndrifts: none\nwarnings: none');
  });
});
