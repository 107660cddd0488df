import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'steward-data-'));
// Some cases write large files (a 100 MB field): remove them all when the test process ends.
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/**
 * Writes bytes to a fresh file under the OS temp directory and returns its path (test helper).
 *
 * @example
 *   const file = tempFile('a,b\n1,2\n');
 */
export function tempFile(content: string | Uint8Array, name = 'data.csv'): string {
  const file = join(dir, `${n++}-${name}`);
  writeFileSync(file, content);
  return file;
}
