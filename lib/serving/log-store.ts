/**
 * The prediction log in the database: batch inserts from the gateways (idempotent by prediction
 * id), live labels, erasure by request key, retention, and the reads a rollout's analysis and
 * `steward capacity` make. Erasure and retention delete with their audit event in one transaction.
 */
import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { StewardDb } from '../../db/client';
import { predictionLabels, predictionLog, type PredictionLogRow } from '../../db/schema';
import { appendAudit } from '../registry/audit';
import type { WindowStats } from '../rollout/types';

/** Rows per INSERT (one JSON parameter each; bounded so one statement stays a few megabytes). */
const INSERT_ROWS = 5000;

/**
 * Writes logged predictions; a row whose id is already there is skipped, so a batch retried after
 * an ambiguous failure (or recovered from a dead gateway's spool) is never logged twice. Rows travel
 * as one JSON parameter that PostgreSQL expands (`json_populate_recordset`): the gateway spends its
 * CPU on `JSON.stringify`, not on binding eleven parameters per row.
 *
 * @example await insertPredictions(db, rows);
 */
export async function insertPredictions(db: StewardDb, rows: readonly PredictionLogRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_ROWS) {
    const json = JSON.stringify(
      rows.slice(i, i + INSERT_ROWS).map((r) => ({
        id: r.id,
        model: r.model,
        version: r.version,
        mode: r.mode,
        at: r.at instanceof Date ? r.at.toISOString() : r.at,
        latency_ms: r.latencyMs,
        key_hash: r.keyHash ?? null,
        inputs: r.inputs,
        score: r.score ?? null,
        error: r.error ?? null,
        gateway: r.gateway,
      })),
    );
    await db.execute(sql`insert into ${predictionLog} select * from json_populate_recordset(null::prediction_log, ${json}::json) on conflict (id) do nothing`);
  }
}

/**
 * Records live labels for logged predictions of a model; unknown prediction ids are reported back.
 *
 * @example await recordLabels(db, 'adult-income', [{ predictionId: id, label: '>50K' }]);
 */
export async function recordLabels(db: StewardDb, model: string, labels: readonly { predictionId: string; label: string }[]): Promise<{ recorded: number; unknown: string[] }> {
  if (labels.length === 0) return { recorded: 0, unknown: [] };
  const ids = labels.map((l) => l.predictionId);
  const known = new Set(
    (await db.select({ id: predictionLog.id }).from(predictionLog).where(and(eq(predictionLog.model, model), inArray(predictionLog.id, ids)))).map((r) => r.id),
  );
  const rows = labels.filter((l) => known.has(l.predictionId)).map((l) => ({ predictionId: l.predictionId, model, label: l.label }));
  if (rows.length > 0) {
    await db
      .insert(predictionLabels)
      .values(rows)
      .onConflictDoUpdate({ target: predictionLabels.predictionId, set: { label: sql`excluded.label`, at: sql`now()` } });
  }
  return { recorded: rows.length, unknown: ids.filter((id) => !known.has(id)) };
}

/**
 * Erases every logged prediction (and its label) made under a request key, with the audit event
 * that records the erasure (the key's hash and the count, never the key).
 *
 * @example await forgetKey(db, { model: 'adult-income', keyHash, actor: 'dpo', reason: 'GDPR art. 17 request 2026-114' });
 */
export async function forgetKey(db: StewardDb, args: { model: string; keyHash: string; actor: string; reason: string; at?: Date }): Promise<number> {
  const at = args.at ?? new Date();
  return db.transaction(async (tx) => {
    const ids = tx.select({ id: predictionLog.id }).from(predictionLog).where(and(eq(predictionLog.model, args.model), eq(predictionLog.keyHash, args.keyHash)));
    await tx.delete(predictionLabels).where(inArray(predictionLabels.predictionId, ids));
    const deleted = await tx
      .delete(predictionLog)
      .where(and(eq(predictionLog.model, args.model), eq(predictionLog.keyHash, args.keyHash)))
      .returning({ id: predictionLog.id });
    await appendAudit(tx, {
      at,
      actor: args.actor,
      action: 'log.erased',
      model: args.model,
      eventKey: `log.erased:${args.model}:${args.keyHash}:${at.toISOString()}`,
      payload: { keyHash: args.keyHash, predictions: deleted.length, reason: args.reason },
    });
    return deleted.length;
  });
}

/**
 * Deletes a model's log rows older than `before`, with the audit event (idempotent per cut-off).
 *
 * @example await pruneLog(db, { model: 'adult-income', before: new Date(Date.now() - 30 * 86_400_000) });
 */
export async function pruneLog(db: StewardDb, args: { model: string; before: Date; at?: Date }): Promise<number> {
  return db.transaction(async (tx) => {
    const old = tx.select({ id: predictionLog.id }).from(predictionLog).where(and(eq(predictionLog.model, args.model), lt(predictionLog.at, args.before)));
    await tx.delete(predictionLabels).where(inArray(predictionLabels.predictionId, old));
    const deleted = await tx
      .delete(predictionLog)
      .where(and(eq(predictionLog.model, args.model), lt(predictionLog.at, args.before)))
      .returning({ id: predictionLog.id });
    if (deleted.length > 0) {
      await appendAudit(tx, {
        at: args.at ?? new Date(),
        actor: 'steward',
        action: 'log.pruned',
        model: args.model,
        eventKey: `log.pruned:${args.model}:${args.before.toISOString()}`,
        payload: { before: args.before.toISOString(), predictions: deleted.length },
      });
    }
    return deleted.length;
  });
}

/**
 * Counts, errors, the 99th percentile of latency and live-label accuracy of some versions of a
 * model over a window of the log (served and shadow predictions alike).
 *
 * @example const [canary, prod] = await windowStats(db, { model, versions: [2, 1], from, to, positiveLabel: '>50K' });
 */
export async function windowStats(
  db: StewardDb,
  args: { model: string; versions: number[]; from: Date; to: Date; positiveLabel: string },
): Promise<WindowStats[]> {
  const rows = await db
    .select({
      version: predictionLog.version,
      predictions: sql<number>`count(*)::int`,
      errors: sql<number>`count(*) filter (where ${predictionLog.error} is not null)::int`,
      p99: sql<number | null>`percentile_cont(0.99) within group (order by ${predictionLog.latencyMs})`,
      labelled: sql<number>`count(${predictionLabels.label})::int`,
      correct: sql<number>`count(*) filter (where ${predictionLabels.label} is not null and (${predictionLog.score} >= 0.5) = (${predictionLabels.label} = ${args.positiveLabel}))::int`,
    })
    .from(predictionLog)
    .leftJoin(predictionLabels, eq(predictionLabels.predictionId, predictionLog.id))
    .where(and(eq(predictionLog.model, args.model), inArray(predictionLog.version, args.versions), gte(predictionLog.at, args.from), lt(predictionLog.at, args.to)))
    .groupBy(predictionLog.version);
  return args.versions.map((version) => {
    const r = rows.find((x) => x.version === version);
    const predictions = Number(r?.predictions ?? 0);
    const errors = Number(r?.errors ?? 0);
    return {
      version,
      predictions,
      errors,
      errorRate: predictions > 0 ? errors / predictions : 0,
      latencyP99Ms: r?.p99 === null || r?.p99 === undefined ? null : Number(r.p99),
      labelled: Number(r?.labelled ?? 0),
      correct: Number(r?.correct ?? 0),
    };
  });
}

/**
 * The scores of one version over a window (the latest `limit` of them), for comparing score
 * distributions.
 *
 * @example const scores = await windowScores(db, { model, version: 2, from, to });
 */
export async function windowScores(db: StewardDb, args: { model: string; version: number; from: Date; to: Date; limit?: number }): Promise<Float64Array> {
  const rows = await db
    .select({ score: predictionLog.score })
    .from(predictionLog)
    .where(
      and(
        eq(predictionLog.model, args.model),
        eq(predictionLog.version, args.version),
        gte(predictionLog.at, args.from),
        lt(predictionLog.at, args.to),
        sql`${predictionLog.score} is not null`,
      ),
    )
    .orderBy(sql`${predictionLog.at} desc`)
    .limit(args.limit ?? 5000);
  return Float64Array.from(rows, (r) => Number(r.score));
}

/**
 * The busiest second of a model's served predictions since `since` (sampled logs scaled up by the
 * sampling rate), and when it was.
 *
 * @example const peak = await peakRate(db, 'adult-income', new Date(Date.now() - 7 * 86_400_000), 1);
 */
export async function peakRate(db: StewardDb, model: string, since: Date, sampling: number): Promise<{ predictionsPerSecond: number; at: string | null }> {
  const [row] = await db
    .select({ second: sql<string>`date_trunc('second', ${predictionLog.at})`, n: sql<number>`count(*)::int` })
    .from(predictionLog)
    .where(and(eq(predictionLog.model, model), eq(predictionLog.mode, 'serve'), gte(predictionLog.at, since)))
    .groupBy(sql`1`)
    .orderBy(sql`2 desc`)
    .limit(1);
  if (!row) return { predictionsPerSecond: 0, at: null };
  return { predictionsPerSecond: Number(row.n) / (sampling > 0 ? sampling : 1), at: new Date(row.second).toISOString() };
}
