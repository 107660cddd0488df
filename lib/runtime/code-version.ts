import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './paths';

let cached: string | undefined;

/** The code version recorded in lineage: the git commit (with `+dirty` for local changes), else the package version. */
export function codeVersion(): string {
  if (cached) return cached;
  const root = projectRoot;
  const rev = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' });
  if (rev.status === 0) {
    const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' });
    cached = rev.stdout.trim() + (dirty.stdout.trim() ? '+dirty' : '');
  } else {
    cached = `steward@${JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version}`;
  }
  return cached;
}
