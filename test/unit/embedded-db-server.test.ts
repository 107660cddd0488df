import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveEmbeddedDatabase } from '../../lib/runtime/embedded-db-server';
import { freePort } from '../../lib/runtime/net';

// The embedded database's one session, shared by the owning process and every CLI process over the
// socket: parallel parameterised reads, transactions on both sides, and every answer is its own.
describe('embedded database over the socket', () => {
  let pglite: PGlite;
  let server: { stop(): Promise<void> };
  let url: string;

  beforeAll(async () => {
    pglite = new PGlite();
    await pglite.exec(`create table item (id int primary key, label text not null); create table note (client int, n int)`);
    await pglite.exec(`insert into item select i, 'label-' || i from generate_series(1, 200) i`);
    const port = await freePort();
    server = await serveEmbeddedDatabase(pglite, port);
    url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  });
  afterAll(async () => {
    await server?.stop();
    await pglite?.close();
  });

  it('answers each client with its own rows while the owning process runs transactions', async () => {
    const failures: string[] = [];
    const client = async (c: number) => {
      // Unprepared, as drizzle sends its queries: Parse of the unnamed statement, Describe, Flush; then Bind.
      const sql = postgres(url, { max: 1, prepare: false, onnotice: () => {} });
      try {
        for (let i = 0; i < 25; i++) {
          const id = 1 + ((c * 37 + i * 11) % 200);
          const rows = await sql.unsafe(`select label, ${i} as round from item where label = $1`, [`label-${id}`]);
          if (i % 3 === 0) await sql.unsafe(`select count(*) from item`);
          if (rows.length !== 1 || rows[0].label !== `label-${id}` || rows[0].round !== i) failures.push(`client ${c} round ${i}: ${JSON.stringify(rows)}`);
          if (i % 5 === 0) await sql.begin(async (tx) => tx`insert into note values (${c}, ${i})`);
        }
      } catch (e) {
        failures.push(`client ${c}: ${(e as Error).message}`);
      } finally {
        await sql.end();
      }
    };
    let clientsDone = false;
    const owner = async () => {
      for (let i = 0; !clientsDone || i < 40; i++) {
        await pglite.transaction(async (tx) => {
          await tx.query('insert into note values ($1, $2)', [-1, i]);
          const { rows } = await tx.query<{ n: number }>('select count(*)::int as n from note where client = $1', [-1]);
          if (rows[0].n !== i + 1) failures.push(`owner round ${i}: ${rows[0].n} notes`);
        });
        await pglite.query('select count(*) from item');
        // PGlite answers without leaving the microtask queue: give the sockets their turn.
        await new Promise((r) => setImmediate(r));
      }
    };
    const clients = Promise.all(Array.from({ length: 8 }, (_, c) => client(c))).finally(() => (clientsDone = true));
    await Promise.all([owner(), clients]);
    expect(failures).toEqual([]);
    const { rows } = await pglite.query<{ n: number }>('select count(*)::int as n from note where client >= 0');
    expect(rows[0].n).toBe(8 * 5);
  }, 60_000);

  it("drops a client's prepared statements when it disconnects (the session outlives every client)", async () => {
    const statements = async () => (await pglite.query<{ n: number }>('select count(*)::int as n from pg_prepared_statements')).rows[0].n;
    const before = await statements();
    const clients = Array.from({ length: 3 }, () => postgres(url, { max: 1, onnotice: () => {} }));
    for (const [c, sql] of clients.entries()) {
      for (let i = 0; i < 3; i++) await sql`select label from item where id = ${1 + c * 3 + i}`;
      await sql`select count(*) from note where client = ${c}`;
    }
    // Named statements exist while the clients are connected ...
    expect(await statements()).toBeGreaterThanOrEqual(before + 3 * 2);
    await Promise.all(clients.map((sql) => sql.end()));
    // ... and are gone once they have disconnected.
    for (let i = 0; i < 50 && (await statements()) !== before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await statements()).toBe(before);
  });
});
