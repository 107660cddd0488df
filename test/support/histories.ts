/**
 * Keeps a real run's workflow history for the replay test (test/unit/replay.test.ts).
 * `npm run record:histories` sets RECORD_HISTORIES=1 and overwrites the recorded files; any other
 * value is a suffix (`RECORD_HISTORIES=2026-12 ...` writes `release-approved.2026-12.json`), so the
 * histories of an older workflow version stay beside the new ones and both keep replaying.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { projectRoot } from '../../lib/runtime/paths';

export async function recordHistory(client: Client, workflowId: string, name: string): Promise<void> {
  const mode = process.env.RECORD_HISTORIES;
  if (!mode) return;
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const dir = join(projectRoot, 'test/histories');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, mode === '1' ? `${name}.json` : `${name}.${mode}.json`), historyToJSON(history));
}
