/**
 * The model card of a stored version, rendered from the registry and the artifact store, and kept
 * on the version (content-addressed Markdown and HTML) so the evidence an approver saw is fixed.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { StewardDb } from '../../db/client';
import { approvals, datasets, modelVersions } from '../../db/schema';
import type { ArtifactStore } from '../runtime/artifacts';
import { buildModelCardInput } from '../card/input';
import { renderModelCardHtml, renderModelCardMarkdown } from '../card/render';
import type { ModelCardInput } from '../card/types';
import type { EvaluationBundle } from '../release/evidence';
import { StewardError } from '../core/errors';
import { getModel, getVersion } from './models';

export interface RenderedCard {
  input: ModelCardInput;
  markdown: string;
  html: string;
}

/** @example const { html } = await renderVersionCard(db, artifacts, 'adult-income', 3); */
export async function renderVersionCard(db: StewardDb, artifacts: ArtifactStore, model: string, version: number): Promise<RenderedCard> {
  const { policy } = await getModel(db, model);
  const row = await getVersion(db, model, version);
  if (!row.reportSha256) throw new StewardError('NotFound', `${model} v${version} has no evaluation report`);
  const bundle = JSON.parse((await artifacts.get(row.reportSha256)).toString('utf8')) as EvaluationBundle;
  const [dataset] = await db.select().from(datasets).where(eq(datasets.sha256, row.dataSha256));
  const decisions = await db.select().from(approvals).where(eq(approvals.releaseId, row.releaseId)).orderBy(asc(approvals.decidedAt));
  const input = buildModelCardInput({
    policy,
    version,
    createdAt: row.createdAt,
    bundle,
    training: { fileName: dataset?.sourcePath.split('/').pop() ?? row.dataSha256, sha256: row.dataSha256, profile: dataset?.profile ?? null },
    lineage: row.lineage,
    approvals: decisions.map((d) => ({ principal: d.principal, decision: d.decision, comment: d.comment, at: d.decidedAt.toISOString() })),
  });
  return { input, markdown: renderModelCardMarkdown(input), html: renderModelCardHtml(input) };
}

/** Renders the card and records its artifacts on the version. */
export async function attachVersionCard(db: StewardDb, artifacts: ArtifactStore, model: string, version: number): Promise<{ markdownSha256: string; htmlSha256: string }> {
  const card = await renderVersionCard(db, artifacts, model, version);
  const markdownSha256 = await artifacts.put(Buffer.from(card.markdown));
  const htmlSha256 = await artifacts.put(Buffer.from(card.html));
  await db
    .update(modelVersions)
    .set({ cardMarkdownSha256: markdownSha256, cardHtmlSha256: htmlSha256 })
    .where(and(eq(modelVersions.model, model), eq(modelVersions.version, version)));
  return { markdownSha256, htmlSha256 };
}
