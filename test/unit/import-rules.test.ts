import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLayers, checkWorkflowPurity, layerOf } from '../support/import-rules';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'layers-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('the dependency rule (ARCHITECTURE.md)', () => {
  it('holds for the whole tree', () => {
    expect(checkLayers()).toEqual([]);
  });

  it('places each file in its most specific layer', () => {
    expect(layerOf('lib/core/errors.ts')).toBe('lib/core');
    expect(layerOf('lib/registry/audit.ts')).toBe('lib/registry');
    expect(layerOf('workflows/release.ts')).toBe('workflows');
    expect(layerOf('cli/commands/release.ts')).toBe('cli');
    expect(layerOf('lib/core/random.test.ts')).toBe('test');
    expect(layerOf('lib/somewhere-new/x.ts')).toBeUndefined();
  });

  it('fails when a lower layer imports a higher one, type-only imports included', () => {
    const dir = tree({
      'lib/core/a.ts': "import { b } from '../registry/b';\nexport const a = b;\n",
      'lib/registry/b.ts': 'export const b = 1;\n',
      'lib/data/c.ts': "import type { W } from '../../workflows/w';\nexport type C = W;\n",
      'workflows/w.ts': "import { b } from '../lib/registry/b';\nexport type W = typeof b;\n",
      'lib/newthing/d.ts': 'export const d = 1;\n',
    });
    const found = checkLayers(dir).map((v) => `${v.file}:${v.line} ${v.reason}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'lib/core/a.ts:1 lib/core may not import lib/registry',
        'lib/data/c.ts:1 lib/data may not import workflows (even as a type)',
        'workflows/w.ts:1 workflows may not import lib/registry',
        'lib/newthing/d.ts:1 lib/newthing is in no layer: add it to layerRules and ARCHITECTURE.md',
      ]),
    );
    expect(found).toHaveLength(4);
  });
});

describe('workflow code', () => {
  it('imports no Node built-in, database driver, TensorFlow.js or Temporal client at run time', () => {
    expect(checkWorkflowPurity('workflows/index.ts')).toEqual([]);
  });

  it('is checked transitively, so a forbidden import two files away is caught with its path', () => {
    const dir = tree({
      'wf.ts': "import type { X } from 'postgres';\nimport { helper } from './lib/helper';\nexport const w = helper;\n",
      'lib/helper.ts': "import { z } from 'zod';\nimport { readFileSync } from 'node:fs';\nimport '@tensorflow/tfjs';\nexport const helper = () => readFileSync;\n",
    });
    const found = checkWorkflowPurity('wf.ts', dir);
    expect(found.map((v) => v.specifier)).toEqual(['node:fs', '@tensorflow/tfjs']);
    expect(found[0]).toMatchObject({ file: join('lib', 'helper.ts'), line: 2, via: ['wf.ts'] });
  });
});
