/** `steward card`: write a version's model card as Markdown and self-contained HTML. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StewardError } from '../../lib/core/errors';
import { apiFlag, defineCommand } from '../command';

export const card = defineCommand({
  name: 'card',
  summary: 'write the model card (Markdown and self-contained HTML)',
  positionals: [
    { name: 'model', description: 'a registered model' },
    { name: 'version', description: 'its version: 3 or v3' },
  ],
  flags: { out: { type: 'path', placeholder: 'dir', description: 'folder to write <model>-v<version>-card.md and .html to (default .)' }, ...apiFlag },
  examples: ['steward card adult-income 3 --out cards/'],
  async run({ model, version: v, out, json, api }, ctx) {
    if (!/^v?\d+$/.test(v)) throw new StewardError('InvalidInput', `"${v}" is not a version (e.g. 3 or v3)`, { field: 'version' });
    const version = Number(v.replace(/^v/, ''));
    const remote = await ctx.remote(api);
    let rendered: { markdown: string; html: string; card: unknown };
    if (remote) rendered = await remote.get(`/v1/models/${encodeURIComponent(model)}/versions/${version}/card`);
    else {
      const { db } = await ctx.database();
      const [{ renderVersionCard }, { localArtifactStore }] = await Promise.all([import('../../lib/registry/cards'), import('../../lib/runtime/artifacts')]);
      const r = await renderVersionCard(db, localArtifactStore(ctx.config.artifactsDir), model, version);
      rendered = { markdown: r.markdown, html: r.html, card: r.input };
    }
    const dir = out ?? process.cwd();
    mkdirSync(dir, { recursive: true });
    const base = join(dir, `${model}-v${version}-card`);
    writeFileSync(`${base}.md`, rendered.markdown);
    writeFileSync(`${base}.html`, rendered.html);
    ctx.write(json ? `${JSON.stringify({ markdown: `${base}.md`, html: `${base}.html`, card: rendered.card })}\n` : `wrote ${base}.md and ${base}.html\n`);
    return 0;
  },
});
