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
        predicted_class: r.predictedClass ?? null,
        probabilities: r.probabilities ?? null,
        error: r.error ?? null,
        gateway: r.gateway,
      })),
    );
    await db.execute(sql`insert into ${predictionLog} select * from json_populate_recordset(null::prediction_log, ${json}::json) on conflict (id) do nothing`);
  }
}

/** One delayed label: for a prediction id, or for every served prediction made under a request key (its keyed hash). */
export type LabelRef = { predictionId: string; label: string } | { keyHash: string; label: string; key?: string };

/** What a batch of labels did: labels now on a prediction (new or changed), labels re-sent unchanged, and references that matched nothing. */
export interface LabelOutcome {
  recorded: number;
  unchanged: number;
  /** Prediction ids, or request keys (as given, else their hash), that match no logged prediction of the model. */
  unknown: string[];
}

/**
 * Records delayed labels for logged predictions of a model, by prediction id or by request key,
 * whenever they arrive: a label lands on its prediction's row, so it counts in that prediction's
 * window however late it comes. Re-sending the same labels changes nothing (a re-sent label keeps
 * its first arrival time); a changed label replaces the old one. References that match no logged
 * prediction are returned, never dropped silently.
 *
 * @example await recordLabels(db, 'adult-income', [{ predictionId: id, label: '>50K' }]);
 */
export async function recordLabels(db: StewardDb, model: string, labels: readonly LabelRef[]): Promise<LabelOutcome> {
  if (labels.length === 0) return { recorded: 0, unchanged: 0, unknown: [] };
  const byId = labels.filter((l): l is Extract<LabelRef, { predictionId: string }> => 'predictionId' in l);
  const byKey = labels.filter((l): l is Extract<LabelRef, { keyHash: string }> => 'keyHash' in l);
  const unknown: string[] = [];
  const wanted = new Map<string, string>();
  for (let i = 0; i < byId.length; i += INSERT_ROWS) {
    const slice = byId.slice(i, i + INSERT_ROWS);
    const ids = slice.map((l) => l.predictionId);
    const known = new Set(
      (await db.select({ id: predictionLog.id }).from(predictionLog).where(and(eq(predictionLog.model, model), inArray(predictionLog.id, ids)))).map((r) => r.id),
    );
    for (const l of slice) {
      if (known.has(l.predictionId)) wanted.set(l.predictionId, l.label);
      else unknown.push(l.predictionId);
    }
  }
  for (let i = 0; i < byKey.length; i += INSERT_ROWS) {
    const slice = byKey.slice(i, i + INSERT_ROWS);
    const rows = await db
      .select({ id: predictionLog.id, keyHash: predictionLog.keyHash })
      .from(predictionLog)
      .where(and(eq(predictionLog.model, model), eq(predictionLog.mode, 'serve'), inArray(predictionLog.keyHash, slice.map((l) => l.keyHash))));
    const idsOf = new Map<string, string[]>();
    for (const r of rows) idsOf.set(r.keyHash!, [...(idsOf.get(r.keyHash!) ?? []), r.id]);
    for (const l of slice) {
      const ids = idsOf.get(l.keyHash);
      if (!ids) unknown.push(l.key ?? l.keyHash);
      else for (const id of ids) wanted.set(id, l.label);
    }
  }
  let recorded = 0;
  const entries = [...wanted];
  for (let i = 0; i < entries.length; i += INSERT_ROWS) {
    const rows = entries.slice(i, i + INSERT_ROWS).map(([predictionId, label]) => ({ predictionId, model, label }));
    // Only new or changed labels come back: a re-sent label is left as it was (with its first arrival time).
    const changed = await db
      .insert(predictionLabels)
      .values(rows)
      .onConflictDoUpdate({ target: predictionLabels.predictionId, set: { label: sql`excluded.label`, at: sql`now()` }, setWhere: sql`${predictionLabels.label} is distinct from excluded.label` })
      .returning({ id: predictionLabels.predictionId });
    recorded += changed.length;
  }
  return { recorded, unchanged: entries.length - recorded, unknown };
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
 * model over a window of the log (served and shadow predictions alike). A prediction is correct when
 * its logged predicted class is the label (multiclass), else when `score >= 0.5` says what the label
 * says of the positive class (binary).
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
      correct: sql<number>`count(*) filter (where ${predictionLabels.label} is not null and case when ${predictionLog.predictedClass} is not null then ${predictionLabels.label} = ${predictionLog.predictedClass} else (${predictionLog.score} >= 0.5) = (${predictionLabels.label} = ${args.positiveLabel}) end)::int`,
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
 * distributions: for a multiclass version the predicted class's probability (its confidence).
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
