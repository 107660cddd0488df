import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../../db/client';
import { auditEvents } from '../../db/schema';
import { appendAudit, verifyAuditChain } from '../../lib/registry/audit';

describe('database', () => {
  it('runs migrations from several processes starting at once without conflict (advisory lock)', async () => {
    const admin = postgres(inject('postgresUrl'), { max: 1, onnotice: () => {} });
    await admin.unsafe('create database steward_migrate_race');
    await admin.end();
    const url = inject('postgresUrl').replace(/\/[^/]*$/, '/steward_migrate_race');
    const opened = await Promise.all([openDatabase(url), openDatabase(url), openDatabase(url)]);
    const [{ n }] = (await opened[0].db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)) as unknown as Array<{ n: number }>;
    expect(n).toBe(1);
    for (const d of opened) await d.close();
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
