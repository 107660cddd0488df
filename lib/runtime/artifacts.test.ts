import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localArtifactStore } from './artifacts';

describe('localArtifactStore', () => {
  it('stores content under its sha256 once, and refuses to return bytes that were altered afterwards', async () => {
    const store = localArtifactStore(mkdtempSync(join(tmpdir(), 'artifacts-')));
    const sha = await store.put(Buffer.from('model weights'));
    expect(sha).toBe(createHash('sha256').update('model weights').digest('hex'));
    expect(await store.put(Buffer.from('model weights'))).toBe(sha);
    expect((await store.get(sha)).toString()).toBe('model weights');
    writeFileSync(store.path(sha), 'tampered weights');
    await expect(store.get(sha)).rejects.toMatchObject({ type: 'ArtifactIntegrity' });
  });

  it('copies a file in one streaming pass with the same hash as its bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'artifacts-'));
    const store = localArtifactStore(join(dir, 'store'));
    const file = join(dir, 'data.csv');
    writeFileSync(file, 'a,b\n1,2\n');
    const { sha256, bytes } = await store.putFile(file);
    expect(bytes).toBe(8);
    expect(sha256).toBe(await store.put(Buffer.from('a,b\n1,2\n')));
    await expect(store.get('0'.repeat(64))).rejects.toMatchObject({ type: 'NotFound' });
  });
});
