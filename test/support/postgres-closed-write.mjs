// Uses postgres.js on a connection whose server process has ended (a PostgreSQL restart, as the
// fault tests do): a reserved connection's backend is terminated from another session, then queried.
// Prints one JSON line {rejected: <error code>} and exits 0 if the query fails as it should; an
// unpatched postgres.js 3.4.9 throws from a deferred write instead and the process dies (exit 1).
// Args: <postgres url>.
import postgres from 'postgres';

const url = process.argv[2];
const sql = postgres(url, { max: 2, onnotice: () => {} });
const admin = postgres(url, { max: 1, onnotice: () => {} });
const reserved = await sql.reserve();
const [{ pid }] = await reserved`select pg_backend_pid() as pid`;
await admin`select pg_terminate_backend(${pid})`;
await new Promise((r) => setTimeout(r, 300)); // the close reaches the client
const outcome = await reserved`select 1`.then(
  () => ({ answered: true }),
  (e) => ({ rejected: e.code ?? e.message }),
);
reserved.release();
await Promise.all([sql.end({ timeout: 1 }), admin.end({ timeout: 1 })]);
console.log(JSON.stringify(outcome));
