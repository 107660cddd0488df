/**
 * The body of the embedded database's process (see database-process.ts): opens the database
 * named by the first argument, serves it on a free loopback port, answers memory questions, and on
 * 'stop' (or when the parent is gone) stops serving, closes the database and exits.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../db/client';
import { StewardError, toPlainError } from '../lib/core/errors';
import { serveEmbeddedDatabase } from '../lib/runtime/embedded-db-server';
import type { OwnerMessage } from './database-process';
import { freePort } from '../lib/runtime/net';

/** Sends `m` to the parent, resolved once it is written (or at once when the parent is gone). */
const send = (m: OwnerMessage) =>
  new Promise<void>((resolve) => {
    if (!process.connected) return resolve();
    process.send!(m, undefined, {}, () => resolve());
  });

try {
  const dir = process.argv[2];
  // Creating a new cluster (initdb) leaves about 450 MB of buffers that PGlite keeps for as long as the
  // instance lives (measured: 850 MB resident against 390 MB for the same folder reopened): a new
  // folder is created and migrated, closed, and opened again.
  if (!dir.startsWith('memory://') && !existsSync(join(dir, 'PG_VERSION'))) await (await openDatabase({ embeddedDir: dir })).close();
  const database = await openDatabase({ embeddedDir: dir });
  const pglite = database.pglite!;
  let server: Awaited<ReturnType<typeof serveEmbeddedDatabase>>;
  try {
    server = await serveEmbeddedDatabase(pglite, await freePort());
  } catch (e) {
    await database.close();
    throw e;
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await server.stop();
      await database.close();
      await send({ type: 'stopped' });
    } catch (e) {
      await send({ type: 'failed', error: { reason: e instanceof Error ? e.message : String(e) } });
    }
    if (process.connected) process.disconnect();
    process.exit(0);
  };
  process.on('message', (m: 'memory' | 'stop') => {
    if (m === 'memory') {
      // PGlite's WebAssembly memory (an internal of the pinned version).
      const wasmBytes = (pglite as unknown as { mod?: { HEAPU8?: Uint8Array } }).mod?.HEAPU8?.byteLength ?? 0;
      const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
      void send({ type: 'memory', rss, heapUsed, external, arrayBuffers, wasmBytes });
    } else if (m === 'stop') void stop();
  });
  // The parent is gone (its channel closed, however it ended): close cleanly and go too.
  process.on('disconnect', () => void stop());
  // Signals are the parent's to handle: Ctrl-C reaches the whole process group, and a process manager
  // may signal every process of the service (systemd's default); the stack drains its workers, which
  // still write to the database, then sends 'stop'. If the stack dies instead, 'disconnect' fires.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  await send({ type: 'ready', port: server.port });
} catch (e) {
  const error = e instanceof StewardError ? toPlainError(e) : { reason: e instanceof Error ? e.message : String(e) };
  await send({ type: 'failed', error });
  process.exit(1);
}
