/**
 * The monitor's database services: what a window is computed from (the production version, its
 * training profile and evaluation reliability curve, the window's logged predictions with their
 * labels), stored window results (upserted by model and window index, so a recomputed window replaces
 * itself), and the reads `steward monitor`, the gateway's gauges and late-label refreshes make.
 */
import { and, asc, desc, eq, gte, lt, sql } from 'drizzle-orm';
import type { StewardDb } from '../../db/client';
import { monitorWindows, predictionLabels, predictionLog, type MonitorWindowRow } from '../../db/schema';
import type { DatasetProfile } from '../drift/profile';
import type { CalibrationPoint } from '../metrics/classification';
import type { WindowRow } from '../monitoring/compute';
import type { WindowResult } from '../monitoring/window';
import type { Policy } from '../policy/schema';
import type { EvaluationBundle } from '../release/evidence';
import type { ArtifactStore } from '../runtime/artifacts';
import { getModel, productionReference, productionVersion } from './models';

/** Rows read per window at most (a window larger than this is computed on its latest rows, and says so). */
export const MAX_WINDOW_ROWS = 200_000;

/** What every window of a model is judged against right now. */
export interface WindowReference {
  policy: Policy;
  version: number | null;
  profile: DatasetProfile | null;
  calibration: CalibrationPoint[] | null;
}

/**
 * @example const ref = await windowReference(db, artifacts, 'adult-income');
 */
export async function windowReference(db: StewardDb, artifacts: ArtifactStore, model: string): Promise<WindowReference> {
  const { policy } = await getModel(db, model);
  const version = await productionVersion(db, model);
  if (!version) return { policy, version: null, profile: null, calibration: null };
  const reference = await productionReference(db, model);
  let calibration: CalibrationPoint[] | null = null;
  if (version.reportSha256 && artifacts.has(version.reportSha256)) {
    const bundle = JSON.parse((await artifacts.get(version.reportSha256)).toString('utf8')) as EvaluationBundle;
    const metrics = bundle.evaluation.metrics;
    // Binary classifiers have a reliability curve; other tasks have none (no CBPE for them).
    calibration = 'calibration' in metrics ? (metrics.calibration?.points ?? null) : null;
  }
  return { policy, version: version.version, profile: reference?.profile ?? null, calibration };
}

/**
 * A window's logged predictions (served and shadow, every version) with their labels.
 *
 * @example const rows = await windowRows(db, { model, start, end });
 */
export async function windowRows(db: StewardDb, args: { model: string; start: Date; end: Date; limit?: number }): Promise<{ rows: WindowRow[]; truncated: boolean }> {
  const limit = args.limit ?? MAX_WINDOW_ROWS;
  const rows = await db
    .select({
      mode: predictionLog.mode,
      version: predictionLog.version,
      latencyMs: predictionLog.latencyMs,
      score: predictionLog.score,
      predictedClass: predictionLog.predictedClass,
      error: predictionLog.error,
      inputs: predictionLog.inputs,
      label: predictionLabels.label,
    })
    .from(predictionLog)
    .leftJoin(predictionLabels, eq(predictionLabels.predictionId, predictionLog.id))
    .where(and(eq(predictionLog.model, args.model), gte(predictionLog.at, args.start), lt(predictionLog.at, args.end)))
    .orderBy(desc(predictionLog.at))
    .limit(limit + 1);
  return { rows: rows.slice(0, limit).map((r) => ({ ...r, label: r.label ?? null })), truncated: rows.length > limit };
}

/**
 * Logged predictions of a model since `from` (count-based windows).
 *
 * @example const n = await predictionsSince(db, 'adult-income', start);
 */
export async function predictionsSince(db: StewardDb, model: string, from: Date): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(predictionLog)
    .where(and(eq(predictionLog.model, model), eq(predictionLog.mode, 'serve'), gte(predictionLog.at, from)));
  return Number(row?.n ?? 0);
}

/**
 * Stores a window's results; a window already stored under the same index is replaced (a retried or
 * repeated computation of the same window never adds a second one).
 *
 * @example await storeWindow(db, result);
 */
export async function storeWindow(db: StewardDb, result: WindowResult): Promise<void> {
  const row = {
    model: result.model,
    index: result.index,
    version: result.version,
    start: new Date(result.start),
    end: new Date(result.end),
    predictions: result.counts.served,
    labelled: result.counts.labelled,
    result,
    computedAt: new Date(),
  };
  await db
    .insert(monitorWindows)
    .values(row)
    .onConflictDoUpdate({ target: [monitorWindows.model, monitorWindows.index], set: { version: row.version, start: row.start, end: row.end, predictions: row.predictions, labelled: row.labelled, result: row.result, computedAt: row.computedAt } });
}

/**
 * A model's stored windows, oldest first (the latest `last` of them, or the first `limit` from `fromIndex`: a page).
 *
 * @example const windows = await listWindows(db, 'adult-income', { last: 24 });
 */
export async function listWindows(db: StewardDb, model: string, o: { last?: number; fromIndex?: number; toIndex?: number; limit?: number } = {}): Promise<MonitorWindowRow[]> {
  const where = and(
    eq(monitorWindows.model, model),
    o.fromIndex !== undefined ? gte(monitorWindows.index, o.fromIndex) : undefined,
    o.toIndex !== undefined ? lt(monitorWindows.index, o.toIndex + 1) : undefined,
  );
  if (o.last === undefined) {
    const query = db.select().from(monitorWindows).where(where).orderBy(asc(monitorWindows.index));
    return o.limit === undefined ? query : query.limit(o.limit);
  }
  const rows = await db.select().from(monitorWindows).where(where).orderBy(desc(monitorWindows.index)).limit(o.last);
  return rows.reverse();
}

/** The latest window of every monitored model (the gateway's gauges). */
export async function latestWindows(db: StewardDb): Promise<MonitorWindowRow[]> {
  const list = await db.select({ model: monitorWindows.model, index: sql<number>`max(${monitorWindows.index})::int` }).from(monitorWindows).groupBy(monitorWindows.model);
  const out: MonitorWindowRow[] = [];
  for (const r of list) {
    const [w] = await db.select().from(monitorWindows).where(and(eq(monitorWindows.model, r.model), eq(monitorWindows.index, Number(r.index))));
    if (w) out.push(w);
  }
  return out;
}

/**
 * Stored windows in an index range that are behind the database: late labels arrived for their
 * predictions, or predictions logged late (a gateway's slow flush, a dead gateway's spool recovered)
 * landed in them. They need to be computed again.
 *
 * @example const stale = await staleWindows(db, 'adult-income', 10, 20);
 */
export async function staleWindows(db: StewardDb, model: string, fromIndex: number, toIndex: number): Promise<MonitorWindowRow[]> {
  const windows = await listWindows(db, model, { fromIndex, toIndex });
  const stale: MonitorWindowRow[] = [];
  for (const w of windows) {
    const [row] = await db
      .select({
        served: sql<number>`count(*)::int`,
        labelled: sql<number>`count(${predictionLabels.label}) filter (where ${predictionLog.score} is not null and ${predictionLog.error} is null)::int`,
      })
      .from(predictionLog)
      .leftJoin(predictionLabels, eq(predictionLabels.predictionId, predictionLog.id))
      .where(
        and(
          eq(predictionLog.model, model),
          eq(predictionLog.mode, 'serve'),
          w.version === null ? undefined : eq(predictionLog.version, w.version),
          gte(predictionLog.at, w.start),
          lt(predictionLog.at, w.end),
        ),
      );
    if (Number(row?.labelled ?? 0) !== w.labelled || Number(row?.served ?? 0) !== w.predictions) stale.push(w);
  }
  return stale;
}

/** A served prediction whose label arrived, as change detectors read it. */
export interface LabelledOutcome {
  score: number;
  label: string;
}

/**
 * Served, scored predictions of one version whose labels were recorded after `after` (a timestamp
 * as the database prints it, so no microsecond is lost; null: from the first label), in the order
 * the predictions were made, and the cursor to pass next time (the latest label time read). Labels
 * arrive late and in any order: each one is read exactly once, in the evaluation after it landed.
 *
 * @example const { outcomes, cursor } = await labelledOutcomesSince(db, { model: 'elec2', version: 3, after: null });
 */
export async function labelledOutcomesSince(
  db: StewardDb,
  args: { model: string; version: number; after: string | null; limit?: number },
): Promise<{ outcomes: LabelledOutcome[]; cursor: string | null; truncated: boolean }> {
  const limit = args.limit ?? MAX_WINDOW_ROWS;
  const rows = await db
    .select({ score: predictionLog.score, label: predictionLabels.label, predictedAt: predictionLog.at, labelledAt: sql<string>`${predictionLabels.at}::text` })
    .from(predictionLabels)
    .innerJoin(predictionLog, eq(predictionLog.id, predictionLabels.predictionId))
    .where(
      and(
        eq(predictionLabels.model, args.model),
        eq(predictionLog.mode, 'serve'),
        eq(predictionLog.version, args.version),
        sql`${predictionLog.score} is not null`,
        args.after === null ? undefined : sql`${predictionLabels.at} > ${args.after}::timestamptz`,
      ),
    )
    .orderBy(asc(predictionLabels.at), asc(predictionLog.at))
    .limit(limit);
  if (rows.length === 0) return { outcomes: [], cursor: args.after, truncated: false };
  const cursor = rows[rows.length - 1]!.labelledAt;
  rows.sort((a, b) => a.predictedAt.getTime() - b.predictedAt.getTime());
  return { outcomes: rows.map((r) => ({ score: r.score!, label: r.label })), cursor, truncated: rows.length === limit };
}

/**
 * The scores a model served in [start, end) and their latencies, in the order it served them (the
 * `score` and `latencyMs` series of change detectors).
 *
 * @example const { score, latencyMs } = await servedSeries(db, { model: 'elec2', start, end });
 */
export async function servedSeries(db: StewardDb, args: { model: string; start: Date; end: Date }): Promise<{ score: number[]; latencyMs: number[] }> {
  const rows = await db
    .select({ score: predictionLog.score, latencyMs: predictionLog.latencyMs })
    .from(predictionLog)
    .where(and(eq(predictionLog.model, args.model), eq(predictionLog.mode, 'serve'), gte(predictionLog.at, args.start), lt(predictionLog.at, args.end), sql`${predictionLog.score} is not null`))
    .orderBy(asc(predictionLog.at))
    .limit(MAX_WINDOW_ROWS);
  return { score: rows.map((r) => r.score!), latencyMs: rows.map((r) => r.latencyMs) };
}

/**
 * The latest `limit` served predictions of a model that have labels, oldest first: their logged
 * inputs and the label (what a retrain on the prediction log trains on).
 *
 * @example const rows = await labelledLog(db, { model: 'elec2', limit: 20_000 });
 */
export async function labelledLog(db: StewardDb, args: { model: string; limit: number }): Promise<Array<{ inputs: Record<string, unknown>; label: string }>> {
  const rows = await db
    .select({ inputs: predictionLog.inputs, label: predictionLabels.label })
    .from(predictionLog)
    .innerJoin(predictionLabels, eq(predictionLabels.predictionId, predictionLog.id))
    .where(and(eq(predictionLog.model, args.model), eq(predictionLog.mode, 'serve')))
    .orderBy(desc(predictionLog.at), desc(predictionLog.id))
    .limit(args.limit);
  return rows.reverse();
}
