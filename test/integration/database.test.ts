import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { describe, expect, inject, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrationsFolder, openDatabase } from '../../db/client';
import { auditEvents, models } from '../../db/schema';
import { processAlive } from '../../lib/core/process';
import { projectRoot } from '../../lib/runtime/paths';
import { until } from '../support/until';
import { appendAudit, verifyAuditChain } from '../../lib/registry/audit';

describe('database', () => {
  it('serves the embedded database from a process of its own that ends with its parent, kill -9 included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-db-process-'));
    const pgdata = join(dir, 'pgdata');
    const parent = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'test/support/database-process-parent.ts'), pgdata], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const line = await new Promise<string>((resolveLine, reject) => {
        let out = '';
        parent.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolveLine(out.split('\n')[0]);
        });
        parent.on('exit', (code) => reject(new Error(`parent exited (code ${code}) before the database was served`)));
      });
      const { pid, url } = JSON.parse(line) as { pid: number; url: string };
      expect(pid).not.toBe(parent.pid);
      const served = await openDatabase(url, { connections: 2 });
      await served.db.execute(sql`insert into models (name, policy, policy_hash) values ('survives', '{}'::jsonb, 'h')`);
      await served.close();

      parent.kill('SIGKILL');
      // The database's process sees its channel close, closes the database (releasing the folder)
      // and exits: no orphan holding the folder for the next start.
      await until(() => !processAlive(pid) && !existsSync(`${pgdata}.lock`), 'the database process to end', { timeoutMs: 15_000 });
      const reopened = await openDatabase({ embeddedDir: pgdata });
      expect(await reopened.db.select({ name: models.name }).from(models)).toEqual([{ name: 'survives' }]);
      await reopened.close();
    } finally {
      parent.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a folder another process holds with the catalogue error, rebuilt on this side of the database's process", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-db-held-'));
    const pgdata = join(dir, 'pgdata');
    const holder = await openDatabase({ embeddedDir: pgdata });
    try {
      const parent = spawnSync(process.execPath, ['--import', 'tsx', join(projectRoot, 'test/support/database-process-parent.ts'), pgdata], { cwd: projectRoot, encoding: 'utf8', timeout: 60_000 });
      expect(JSON.parse(parent.stdout.trim().split('\n')[0])).toEqual({
        refused: { type: 'InvalidInput', location: { file: pgdata }, reason: expect.stringContaining(`open in process ${process.pid}`), isStewardError: true },
      });
    } finally {
      await holder.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('fails a query on a connection whose server process ended, without ending the process (patched postgres.js)', () => {
    const run = spawnSync(process.execPath, [join(projectRoot, 'test/support/postgres-closed-write.mjs'), inject('postgresUrl')], { cwd: projectRoot, encoding: 'utf8', timeout: 30_000 });
    expect({ status: run.status, stderr: run.stderr.split('\n').slice(-6).join('\n') }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toEqual({ rejected: 'CONNECTION_CLOSED' });
  });

  it('runs migrations from several processes starting at once without conflict (advisory lock)', async () => {
    const admin = postgres(inject('postgresUrl'), { max: 1, onnotice: () => {} });
    await admin.unsafe('create database steward_migrate_race');
    await admin.end();
    const url = inject('postgresUrl').replace(/\/[^/]*$/, '/steward_migrate_race');
    const opened = await Promise.all([openDatabase(url), openDatabase(url), openDatabase(url)]);
    const [{ n }] = (await opened[0].db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)) as unknown as Array<{ n: number }>;
    // Each migration applied exactly once, however many processes raced to apply it.
    const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as { entries: unknown[] };
    expect(n).toBe(journal.entries.length);
    for (const d of opened) await d.close();
  });

  it('refuses a status outside the typed vocabulary (checked columns, not free text)', async () => {
    const database = await openDatabase({ embeddedDir: 'memory://' });
    await database.db.execute(sql`insert into models (name, policy, policy_hash) values ('m', '{}'::jsonb, 'h')`);
    const refused = await database.db
      .execute(sql`insert into releases (id, model, requested_by, stage, status) values ('r', 'm', 'alice', 'starting', 'maybe')`)
      .then(() => undefined, (e: Error & { cause?: Error }) => `${e.message} ${e.cause?.message ?? ''}`);
    expect(refused).toMatch(/releases_status_check/);
    await database.close();
  });

  for (const kind of ['postgres', 'embedded'] as const) {
    it(`keeps a tamper-evident audit chain on ${kind}: editing one event names it`, async () => {
      const name = `steward_audit_${kind}`;
      if (kind === 'postgres') {
        const admin = postgres(inject('postgresUrl'), { max: 1, onnotice: () => {} });
        await admin.unsafe(`create database ${name}`);
        await admin.end();
      }
      const database = await openDatabase(kind === 'postgres' ? inject('postgresUrl').replace(/\/[^/]*$/, `/${name}`) : { embeddedDir: 'memory://' });
      const { db } = database;
      for (let i = 0; i < 5; i++) {
        await appendAudit(db, { at: new Date(), actor: 'bob', action: 'release.approved', releaseId: `r${i}`, eventKey: `r${i}:approve`, payload: { version: i } });
      }
      // Retried activities append the same event key again: nothing changes.
      await appendAudit(db, { at: new Date(), actor: 'bob', action: 'release.approved', releaseId: 'r0', eventKey: 'r0:approve', payload: { version: 0 } });
      expect(await verifyAuditChain(db)).toEqual({ ok: true, events: 5 });

      const rows = await db.select({ seq: auditEvents.seq }).from(auditEvents).orderBy(auditEvents.seq);
      await db.execute(sql`update audit_events set payload = '{"version": 99}'::jsonb where seq = ${rows[2].seq}`);
      expect(await verifyAuditChain(db)).toEqual({ ok: false, events: 5, brokenAt: rows[2].seq });
      await database.close();
    });
  }
});
