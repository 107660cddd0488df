/**
 * The gateway's prediction log writer: predictions are appended on the request path to memory and
 * to a local spool file (one `write` of one line per request, no database round trip), and written
 * to the database in batches off the request path. When the database cannot keep up and the buffer
 * is full, new rows are shed and counted instead of slowing or failing predictions.
 *
 * The spool is what makes a killed gateway lose nothing: a `kill -9` ends the process, not the
 * kernel's page cache, so every line written before it is on disk. A gateway on the same machine
 * that finds the spool folder of a dead one (its pid gone) claims it with an atomic rename and
 * inserts its rows; ids are minted by the gateway and inserts skip known ids, so a row written by
 * the dead gateway just before it died is not logged twice. (A machine crash can lose what the
 * kernel had not flushed; the spool then holds no more than a flush interval's worth.)
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../core/process';
import type { StewardDb } from '../../db/client';
import type { PredictionLogRow } from '../../db/schema';
import { insertPredictions } from './log-store';

export interface LogWriterOptions {
  db: StewardDb;
  /** This gateway's id (also the name of its spool folder). */
  gatewayId: string;
  /** Folder holding every local gateway's spool folder; null: memory only (rows buffered at a kill are lost). */
  spoolRoot: string | null;
  /** Rows buffered before new ones are shed (default 100,000). */
  maxBuffered?: number;
  /** How often buffered rows are written (default 100 ms). */
  flushIntervalMs?: number;
  /** How often dead gateways' spool folders are looked for (default 5 s). */
  recoverIntervalMs?: number;
  onShed?(model: string, rows: number): void;
  onWritten?(rows: number): void;
  onRecovered?(rows: number, from: string): void;
  onError?(error: unknown): void;
}

type SpooledRow = Omit<PredictionLogRow, 'at'> & { at: string };

const SEGMENT = /^(\d{8})\.jsonl$/;

function readSpooled(dir: string): PredictionLogRow[] {
  const rows: PredictionLogRow[] = [];
  for (const file of readdirSync(dir).filter((f) => SEGMENT.test(f)).sort()) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (line === '') continue;
      try {
        for (const r of JSON.parse(line) as SpooledRow[]) rows.push({ ...r, at: new Date(r.at) });
      } catch {
        // A torn last line (the disk filled up mid-write): its rows were never acknowledged as logged.
      }
    }
  }
  return rows;
}

/**
 * @example
 *   const log = new PredictionLogWriter({ db, gatewayId, spoolRoot: '.steward/spool' });
 *   await log.start();
 *   log.append(rows); // false: shed
 *   await log.stop(); // writes what is left
 */
export class PredictionLogWriter {
  private pending: PredictionLogRow[] = [];
  private segment = 0;
  private fd: number | null = null;
  private sealed: number[] = [];
  private flushing: Promise<void> | null = null;
  private timers: NodeJS.Timeout[] = [];
  private readonly dir: string | null;
  private readonly maxBuffered: number;
  private stopped = false;
  /** Consecutive failed flushes (the interval backs off while the database is away). */
  private failures = 0;
  private nextFlushAt = 0;

  constructor(private readonly o: LogWriterOptions) {
    this.dir = o.spoolRoot === null ? null : join(o.spoolRoot, o.gatewayId);
    this.maxBuffered = o.maxBuffered ?? 100_000;
  }

  /** Rows waiting to be written. */
  get buffered(): number {
    return this.pending.length;
  }

  async start(): Promise<void> {
    if (this.dir) {
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(join(this.dir, 'owner.json'), JSON.stringify({ pid: process.pid, host: hostname(), gatewayId: this.o.gatewayId }));
      this.openSegment();
      await this.recoverOrphans().catch((e) => this.o.onError?.(e));
      const recover = setInterval(() => void this.recoverOrphans().catch((e) => this.o.onError?.(e)), this.o.recoverIntervalMs ?? 5000);
      recover.unref();
      this.timers.push(recover);
    }
    const flush = setInterval(() => {
      if (Date.now() >= this.nextFlushAt) void this.flush();
    }, this.o.flushIntervalMs ?? 100);
    flush.unref();
    this.timers.push(flush);
  }

  /**
   * Queues the rows of one request (already transformed by the logging policy). Returns false, and
   * counts them as shed, when the buffer is full.
   */
  append(rows: PredictionLogRow[]): boolean {
    if (rows.length === 0) return true;
    if (this.stopped || this.pending.length + rows.length > this.maxBuffered) {
      const byModel = new Map<string, number>();
      for (const r of rows) byModel.set(r.model, (byModel.get(r.model) ?? 0) + 1);
      for (const [model, n] of byModel) this.o.onShed?.(model, n);
      return false;
    }
    if (this.fd !== null) writeSync(this.fd, `${JSON.stringify(rows)}\n`);
    for (const r of rows) this.pending.push(r);
    return true;
  }

  /** Writes everything buffered so far (one flush at a time; a call during a flush waits for it and flushes again). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.length === 0) return;
    this.flushing = this.writeBuffered().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async writeBuffered(): Promise<void> {
    // Rows appended from here on go to a new segment; the sealed ones hold exactly the rows taken.
    if (this.fd !== null) {
      closeSync(this.fd);
      this.sealed.push(this.segment);
      this.openSegment();
    }
    const batch = this.pending;
    this.pending = [];
    try {
      await insertPredictions(this.o.db, batch);
    } catch (e) {
      this.pending = batch.concat(this.pending);
      this.failures++;
      this.nextFlushAt = Date.now() + Math.min(5000, 100 * 2 ** Math.min(this.failures, 6));
      this.o.onError?.(e);
      return;
    }
    this.failures = 0;
    for (const s of this.sealed.splice(0)) rmSync(this.segmentFile(s), { force: true });
    this.o.onWritten?.(batch.length);
  }

  /**
   * Inserts the rows of spool folders left by dead gateways on this machine. Returns how many rows
   * were recovered.
   */
  async recoverOrphans(): Promise<number> {
    const root = this.o.spoolRoot;
    if (root === null || !existsSync(root)) return 0;
    let recovered = 0;
    for (const name of readdirSync(root)) {
      if (name === this.o.gatewayId) continue;
      const dir = join(root, name);
      let claimed = dir;
      if (!name.includes('.claimed-')) {
        let owner: { pid?: number; host?: string } = {};
        try {
          owner = JSON.parse(readFileSync(join(dir, 'owner.json'), 'utf8'));
        } catch {
          continue; // being created right now, or not a spool folder
        }
        if (owner.host !== hostname() || owner.pid === undefined || processAlive(owner.pid)) continue;
        claimed = `${dir}.claimed-${this.o.gatewayId}`;
        try {
          renameSync(dir, claimed); // atomic: of two survivors, one claims it
        } catch {
          continue;
        }
      } else if (!name.endsWith(`.claimed-${this.o.gatewayId}`)) {
        // Claimed by another gateway: it retries it itself, unless it died too.
        const claimant = name.slice(name.indexOf('.claimed-') + '.claimed-'.length);
        if (existsSync(join(root, claimant))) continue;
      }
      const rows = readSpooled(claimed);
      await insertPredictions(this.o.db, rows);
      rmSync(claimed, { recursive: true, force: true });
      recovered += rows.length;
      this.o.onRecovered?.(rows.length, name);
    }
    return recovered;
  }

  /** Stops taking rows, writes what is buffered (retrying for up to `timeoutMs`), removes the spool folder when empty. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.splice(0)) clearInterval(t);
    const deadline = Date.now() + timeoutMs;
    while (this.pending.length > 0 && Date.now() < deadline) {
      await this.flush();
      if (this.pending.length > 0) await new Promise((r) => setTimeout(r, 200));
    }
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
    // Rows still pending stay in the spool for the next gateway on this machine to recover.
    if (this.dir && this.pending.length === 0) rmSync(this.dir, { recursive: true, force: true });
  }

  private segmentFile(n: number): string {
    return join(this.dir!, `${String(n).padStart(8, '0')}.jsonl`);
  }

  private openSegment(): void {
    this.segment++;
    this.fd = openSync(this.segmentFile(this.segment), 'a');
  }
}
