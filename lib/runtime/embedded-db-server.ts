/**
 * The embedded database (PGlite, one in-process session) served to other local processes over the
 * PostgreSQL wire protocol, for every CLI process at once.
 *
 * PGlite has one session, so the socket server must interleave clients only where the protocol
 * allows it. `@electric-sql/pglite-socket` 0.2.17 interleaves them message by message, and only
 * keeps a client exclusive inside a transaction: two clients' extended-protocol queries (Parse,
 * Bind, Execute, Sync) mix, the unnamed portal of one is replaced by the other's (`portal "" does
 * not exist`), one client can read the other's rows, and a failed message leaves its queue stuck
 * for good. This module keeps its connection handling and replaces its queue with one that gives a
 * client the session from its first message to the Sync (or simple Query) that ends the exchange,
 * and for as long as a transaction it opened stays open; a client that disconnects mid-transaction
 * is rolled back.
 *
 * The process that owns the PGlite instance (the `steward dev` stack's workers) queries it too.
 * PGlite serialises its own `query`/`transaction` calls with a transaction lock but takes its
 * protocol lock per message, so a socket client holding only the protocol lock would interleave
 * with the owner's queries between its messages: postgres.js describes an unnamed statement (Parse,
 * Describe, Flush) and binds it once the description arrives, and an in-process query parsed in
 * between replaced it ("bind message supplies 1 parameters, but prepared statement "" requires 0"),
 * or ran inside the owner's transaction. A socket client therefore holds PGlite's transaction lock
 * for as long as it has the session.
 */
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

interface Pending {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (e: unknown) => void;
}

/** Messages after which, outside a transaction, another client may have the session. */
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const TERMINATE = 0x58; // 'X'
const PARSE = 0x50; // 'P'
const CLOSE = 0x43; // 'C'

/** The NUL-terminated string at `offset` of a protocol message. */
function cString(m: Uint8Array, offset: number): string {
  const end = m.indexOf(0, offset);
  return new TextDecoder().decode(m.subarray(offset, end < 0 ? m.length : end));
}

/** A simple-protocol Query message (`Q`, int32 length, text, NUL). */
function queryMessage(sql: string): Uint8Array {
  const text = new TextEncoder().encode(sql);
  const m = new Uint8Array(1 + 4 + text.length + 1);
  m[0] = QUERY;
  new DataView(m.buffer).setInt32(1, 4 + text.length + 1);
  m.set(text, 5);
  return m;
}

/** PGlite's lock around its own `query`, `exec` and `transaction` calls (internal API of the pinned 0.3 line). */
interface SessionLock {
  _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T>;
}

/** A protocol message's type byte; startup, SSL and cancel requests have none (they start with their length, whose first byte is 0). */
function messageType(m: Uint8Array): number | null {
  return m[0] === 0 ? null : m[0];
}

/** The queue pglite-socket's handlers call (`enqueue`, `clearQueueForHandler`, `clearTransactionIfNeeded`, `getQueueLength`). */
export class ExchangeQueue {
  private queue: Pending[] = [];
  private processing = false;
  /** The client that has the session (mid-exchange or in a transaction), if any. */
  private owner: number | null = null;
  /** Releases PGlite's transaction lock, held while a socket client has the session. */
  private releaseSession: (() => void) | null = null;
  /**
   * Named prepared statements per client. They live in the one session, so a client that goes would
   * leave them there for good (postgres.js names its statements per connection): they are
   * deallocated when it disconnects.
   */
  private statements = new Map<number, Set<string>>();

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    this.trackStatements(handlerId, message);
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.process();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    this.queue = this.queue.filter((p) => {
      if (p.handlerId !== handlerId) return true;
      p.reject(new Error('client disconnected'));
      return false;
    });
  }

  /** Called when a client disconnects: rolls back its open transaction and drops its prepared statements. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    const names = this.statements.get(handlerId);
    this.statements.delete(handlerId);
    // One exchange each (a failing DEALLOCATE must not stop the others), queued like any client's.
    for (const name of names ?? []) {
      this.queue.push({ handlerId, message: queryMessage(`DEALLOCATE "${name.replaceAll('"', '""')}"`), onData: () => {}, resolve: () => {}, reject: () => {} });
    }
    if (this.owner === handlerId) {
      if (this.db.isInTransaction()) await this.db.runExclusive(() => this.db.execProtocolRaw(queryMessage('ROLLBACK')));
      this.endSession();
    }
    void this.process();
  }

  private trackStatements(handlerId: number, m: Uint8Array): void {
    if (m[0] === PARSE) {
      const name = cString(m, 5);
      if (!name) return;
      let names = this.statements.get(handlerId);
      if (!names) this.statements.set(handlerId, (names = new Set()));
      names.add(name);
    } else if (m[0] === CLOSE && m[5] === 0x53 /* 'S' */) {
      this.statements.get(handlerId)?.delete(cString(m, 6));
    }
  }

  private next(): Pending | undefined {
    if (this.owner === null) return this.queue.shift();
    const i = this.queue.findIndex((p) => p.handlerId === this.owner);
    return i < 0 ? undefined : this.queue.splice(i, 1)[0];
  }

  /** Waits for in-process queries and transactions to finish, then keeps them out until `endSession`. */
  private async beginSession(): Promise<void> {
    await new Promise<void>((acquired) => {
      void (this.db as unknown as SessionLock)._runExclusiveTransaction(
        () =>
          new Promise<void>((release) => {
            this.releaseSession = release;
            acquired();
          }),
      );
    });
  }

  private endSession(): void {
    this.owner = null;
    const release = this.releaseSession;
    this.releaseSession = null;
    release?.();
  }

  private async process(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      for (let p = this.next(); p; p = this.next()) {
        if (!this.releaseSession) await this.beginSession();
        this.owner = p.handlerId;
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(p!.message, {
              onRawData: (data) => {
                bytes += data.length;
                p!.onData(data);
              },
            }),
          );
          p.resolve(bytes);
        } catch (e) {
          p.reject(e);
        }
        const type = messageType(p.message);
        const exchangeEnds = type === null || type === SYNC || type === QUERY || type === TERMINATE;
        if (type === TERMINATE || (exchangeEnds && !this.db.isInTransaction())) this.endSession();
      }
    } finally {
      this.processing = false;
    }
  }
}

/**
 * Serves `db` on 127.0.0.1:`port` until `stop()`.
 *
 * @example const server = await serveEmbeddedDatabase(pglite, 54329); // postgres://postgres@127.0.0.1:54329/postgres
 */
export async function serveEmbeddedDatabase(db: PGlite, port: number): Promise<{ port: number; stop(): Promise<void> }> {
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 256 });
  // The handlers take their queue from the server when a client connects.
  (server as unknown as { queryQueue: ExchangeQueue }).queryQueue = new ExchangeQueue(db);
  await server.start();
  return { port, stop: () => server.stop() };
}
