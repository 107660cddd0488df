import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (where package.json is). */
export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The shared public data sets (UCI Adult, Elec2, ...): $STEWARD_SHARED_DATA, else `../shared/data`
 * beside the project.
 */
export function sharedDataDir(): string {
  const dir = process.env.STEWARD_SHARED_DATA ?? resolve(projectRoot, '..', 'shared', 'data');
  if (!existsSync(dir)) throw new Error(`shared data sets not found at ${dir} (set STEWARD_SHARED_DATA)`);
  return dir;
}
