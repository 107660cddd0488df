/**
 * Writing a model's routes: the rows, the generation gateways poll, and (on PostgreSQL) a NOTIFY, in
 * the caller's transaction, so a route change commits with its audit event and the state change
 * that caused it (a rollout step, a rollback) or not at all.
 */
import { eq, sql } from 'drizzle-orm';
import type { StewardTx } from '../../db/client';
import { routeGenerations, routes as routesTable } from '../../db/schema';
import { StewardError } from '../core/errors';
import type { Route } from '../rollout/types';

/** The channel gateways LISTEN on (PostgreSQL only; others poll). */
export const routesChannel = 'steward_routes';

/**
 * Who holds a model's routes (the rollout or rollback that last wrote them), and the generation.
 */
export async function routeOwner(tx: StewardTx, model: string): Promise<{ owner: string | null; generation: number } | null> {
  const [row] = await tx.select().from(routeGenerations).where(eq(routeGenerations.model, model));
  return row ? { owner: row.owner, generation: Number(row.generation) } : null;
}

/**
 * Replaces a model's routes and moves its generation on. With `expectedOwner`, refuses
 * (`RolloutConflict`) when another rollout or rollback has taken the routes over since; `owner`
 * becomes the holder (null: nobody, production serves).
 *
 * @example await replaceRoutes(tx, { model, routes: [{ version: 1, weight: 90, mode: 'serve' }, { version: 2, weight: 10, mode: 'serve' }], owner: rolloutId, reason: 'canary 10%' });
 */
export async function replaceRoutes(
  tx: StewardTx,
  args: { model: string; routes: readonly Route[]; owner: string | null; expectedOwner?: string | null; reason: string },
): Promise<number> {
  // Row lock on the generation: concurrent writers of one model's routes queue here.
  await tx.execute(sql`insert into ${routeGenerations} (model, generation, owner, reason) values (${args.model}, 0, null, '') on conflict (model) do nothing`);
  const [current] = await tx.select().from(routeGenerations).where(eq(routeGenerations.model, args.model)).for('update');
  if (args.expectedOwner !== undefined && current.owner !== args.expectedOwner) {
    throw new StewardError('RolloutConflict', `the routes of ${args.model} are held by ${current.owner ?? 'nobody (production serves)'}, not ${args.expectedOwner ?? 'nobody'}`);
  }
  const serveTotal = args.routes.filter((r) => r.mode === 'serve').reduce((s, r) => s + r.weight, 0);
  if (args.routes.length > 0 && Math.abs(serveTotal - 100) > 1e-9) throw new StewardError('InvalidInput', `serve routes of ${args.model} add up to ${serveTotal}%, not 100%`);
  await tx.delete(routesTable).where(eq(routesTable.model, args.model));
  if (args.routes.length > 0) await tx.insert(routesTable).values(args.routes.map((r) => ({ model: args.model, version: r.version, weight: r.weight, mode: r.mode })));
  const generation = Number(current.generation) + 1;
  await tx.update(routeGenerations).set({ generation, owner: args.owner, reason: args.reason, updatedAt: new Date() }).where(eq(routeGenerations.model, args.model));
  // PGlite has no cross-process NOTIFY; pg_notify is harmless there and gateways poll anyway.
  await tx.execute(sql`select pg_notify(${routesChannel}, ${args.model})`);
  return generation;
}
