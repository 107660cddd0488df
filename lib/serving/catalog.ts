/**
 * What a gateway serves, kept in step with the database: for every registered model with a
 * production version or routes, its route table and, for every routed version, a loaded scorer, the
 * version's instance rules and its log transform.
 *
 * `refresh()` reads one small row per model (policy hash, production pointer, routes generation)
 * and reloads only the models whose row changed; a gateway calls it every 250 ms, so a route change
 * is served within a second. A new route table is switched to only once every version in it has
 * loaded: a version that fails to load leaves the previous table serving (and the failure is
 * reported), and it is retried a few seconds later.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { StewardDb } from '../../db/client';
import { models, modelVersions, production, routeGenerations, routes as routesTable } from '../../db/schema';
import { parsePolicy, type Policy } from '../policy/schema';
import type { ArtifactStore } from '../runtime/artifacts';
import type { Route } from '../rollout/types';
import { instanceSchema, type InstanceSchema } from './instances';
import { logTransform, type LogTransform } from './privacy';
import { routeTable, type RouteTable } from './router';
import { loadScorer, type Scorer } from './scorer';

export interface ServedVersion {
  version: number;
  modelSha256: string;
  scorer: Scorer;
  schema: InstanceSchema;
  transform: LogTransform;
}

export interface ServedModel {
  name: string;
  /** The routes generation served (0: the model has never had routes; it serves production). */
  generation: number;
  productionVersion: number | null;
  policyHash: string;
  policy: Policy;
  routes: Route[];
  table: RouteTable;
  versions: Map<number, ServedVersion>;
  /** The last reload that failed (the previous routes kept serving), if the current state is older than it. */
  loadError?: { message: string; at: string };
}

interface Fingerprint {
  name: string;
  policyHash: string;
  policyUpdatedAt: string;
  productionVersion: number | null;
  generation: number;
}

const key = (f: Fingerprint) => `${f.policyHash}|${f.policyUpdatedAt}|${f.productionVersion}|${f.generation}`;

/** How long a model whose reload failed waits before the next attempt. */
const RETRY_AFTER_MS = 3000;

/**
 * @example
 *   const catalog = new ModelCatalog({ db, artifacts, secret });
 *   await catalog.refresh();
 *   catalog.get('adult-income')?.table;
 */
export class ModelCatalog {
  private served = new Map<string, ServedModel>();
  private seen = new Map<string, string>();
  private failedAt = new Map<string, number>();
  /** Scorers by model artifact: a route change that keeps a version does not reload it. */
  private scorers = new Map<string, Promise<Scorer>>();
  /** Time of the last refresh that reached the database. */
  lastRefresh: Date | null = null;
  lastRefreshError: string | null = null;

  constructor(private readonly o: { db: StewardDb; artifacts: ArtifactStore; secret: Uint8Array; onLoadFailure?(model: string, version: number | null, error: unknown): void }) {}

  get(name: string): ServedModel | undefined {
    return this.served.get(name);
  }

  list(): ServedModel[] {
    return [...this.served.values()];
  }

  /** Reloads the models whose policy, production pointer or routes changed; returns their names. */
  async refresh(): Promise<string[]> {
    let rows: Fingerprint[];
    try {
      rows = (
        await this.o.db
          .select({
            name: models.name,
            policyHash: models.policyHash,
            policyUpdatedAt: sql<string>`${models.updatedAt}::text`,
            productionVersion: production.version,
            generation: sql<number>`coalesce(${routeGenerations.generation}, 0)`,
          })
          .from(models)
          .leftJoin(production, eq(production.model, models.name))
          .leftJoin(routeGenerations, eq(routeGenerations.model, models.name))
      ).map((r) => ({ ...r, generation: Number(r.generation) }));
    } catch (e) {
      this.lastRefreshError = (e as Error).message;
      throw e;
    }
    this.lastRefresh = new Date();
    this.lastRefreshError = null;
    const changed: string[] = [];
    const now = Date.now();
    for (const f of rows) {
      const k = key(f);
      if (this.seen.get(f.name) === k) continue;
      if (now - (this.failedAt.get(f.name) ?? 0) < RETRY_AFTER_MS) continue;
      try {
        const next = await this.load(f);
        if (next) this.served.set(f.name, next);
        else this.served.delete(f.name);
        this.seen.set(f.name, k);
        this.failedAt.delete(f.name);
        changed.push(f.name);
      } catch (e) {
        this.failedAt.set(f.name, now);
        const previous = this.served.get(f.name);
        if (previous) previous.loadError = { message: (e as Error).message, at: new Date().toISOString() };
      }
    }
    for (const name of this.served.keys()) if (!rows.some((r) => r.name === name)) this.served.delete(name);
    this.gcScorers();
    return changed;
  }

  private async load(f: Fingerprint): Promise<ServedModel | null> {
    const db = this.o.db;
    const [{ policy: rawPolicy }] = await db.select({ policy: models.policy }).from(models).where(eq(models.name, f.name));
    const policy = parsePolicy(rawPolicy, `policy of ${f.name}`);
    let routes: Route[] = (await db.select().from(routesTable).where(eq(routesTable.model, f.name))).map((r) => ({ version: r.version, weight: r.weight, mode: r.mode }));
    if (!routes.some((r) => r.mode === 'serve' && r.weight > 0)) {
      if (f.productionVersion === null) return null;
      routes = [{ version: f.productionVersion, weight: 100, mode: 'serve' }, ...routes.filter((r) => r.mode === 'shadow')];
    }
    const wanted = [...new Set(routes.map((r) => r.version))];
    const rows = await db
      .select({ version: modelVersions.version, modelSha256: modelVersions.modelSha256 })
      .from(modelVersions)
      .where(and(eq(modelVersions.model, f.name), inArray(modelVersions.version, wanted)));
    const versions = new Map<number, ServedVersion>();
    for (const version of wanted) {
      const row = rows.find((r) => r.version === version);
      try {
        if (!row) throw new Error(`model ${f.name} has no version ${version}`);
        const scorer = await this.scorer(row.modelSha256);
        const schema = instanceSchema(policy, scorer.inputColumns, scorer.numericInputs);
        versions.set(version, { version, modelSha256: row.modelSha256, scorer, schema, transform: logTransform(policy, schema.allowed, this.o.secret) });
      } catch (e) {
        this.o.onLoadFailure?.(f.name, version, e);
        throw new Error(`version ${version} of ${f.name} failed to load: ${(e as Error).message}`, { cause: e });
      }
    }
    return { name: f.name, generation: f.generation, productionVersion: f.productionVersion, policyHash: f.policyHash, policy, routes, table: routeTable(routes), versions };
  }

  private scorer(sha: string): Promise<Scorer> {
    let p = this.scorers.get(sha);
    if (!p) {
      p = this.o.artifacts.get(sha).then((bytes) => loadScorer(bytes));
      // A failed load is not cached: the next attempt reads the artifact again.
      p.catch(() => this.scorers.delete(sha));
      this.scorers.set(sha, p);
    }
    return p;
  }

  private gcScorers(): void {
    const inUse = new Set(this.list().flatMap((m) => [...m.versions.values()].map((v) => v.modelSha256)));
    for (const [sha, p] of this.scorers) {
      if (inUse.has(sha)) continue;
      this.scorers.delete(sha);
      p.then((s) => s.dispose(), () => {}).catch(() => {});
    }
  }
}
