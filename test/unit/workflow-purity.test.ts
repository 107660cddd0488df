import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkWorkflowPurity } from '../support/import-rules';

describe('workflow code', () => {
  it('imports no Node built-in, database driver, TensorFlow.js or Temporal client at run time', () => {
    expect(checkWorkflowPurity('workflows/index.ts')).toEqual([]);
  });

  it('is checked transitively, so a forbidden import two files away is caught with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'purity-'));
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'wf.ts'), "import type { X } from 'postgres';\nimport { helper } from './lib/helper';\nexport const w = helper;\n");
    writeFileSync(join(dir, 'lib', 'helper.ts'), "import { z } from 'zod';\nimport { readFileSync } from 'node:fs';\nimport '@tensorflow/tfjs';\nexport const helper = () => readFileSync;\n");
    const found = checkWorkflowPurity('wf.ts', dir);
    expect(found.map((v) => v.specifier)).toEqual(['node:fs', '@tensorflow/tfjs']);
    expect(found[0]).toMatchObject({ file: join('lib', 'helper.ts'), line: 2, via: ['wf.ts'] });
  });
});
