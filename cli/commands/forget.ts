/** `steward forget`: erase every logged prediction made under a request key (a data subject's erasure request). */
import { defineCommand } from '../command';

export const forget = defineCommand({
  name: 'forget',
  summary: "erase a request key's predictions from the prediction log (with an audit event)",
  details: [
    'Deletes every logged prediction of the model whose request carried this x-steward-key, and their live labels,',
    'in one transaction with an audit event that records the key\'s hash and the count, never the key. The key is',
    'matched through its keyed hash: use the same $STEWARD_LOG_KEY (or key file) as the gateways. Predictions still',
    "buffered in a gateway (under a second's worth) are written after this runs: repeat it a few seconds later when that matters.",
  ].join('\n'),
  positionals: [{ name: 'model', description: 'a registered model' }],
  flags: {
    key: { type: 'string', required: true, placeholder: 'key', description: 'the request key (x-steward-key) to erase' },
    reason: { type: 'string', placeholder: 'text', description: 'why (e.g. the erasure request reference); recorded' },
    as: { type: 'string', placeholder: 'principal', description: 'who erases (default $STEWARD_USER)' },
  },
  examples: ['steward forget adult-income --key customer-4711 --reason "erasure request 2026-114" --as dora'],
  async run({ model, key, reason, as }, ctx) {
    const actor = ctx.principal(as);
    const { db } = await ctx.database();
    const [{ getModel }, { forgetKey }, { hashRequestKey }, { logSecret }] = await Promise.all([
      import('../../lib/registry/models'),
      import('../../lib/serving/log-store'),
      import('../../lib/serving/privacy'),
      import('../../lib/serving/secret'),
    ]);
    await getModel(db, model);
    const keyHash = hashRequestKey(logSecret(ctx.config), model, key);
    const erased = await forgetKey(db, { model, keyHash, actor, reason: reason ?? '' });
    ctx.print({ model, keyHash, erased }, () => `erased ${erased} logged prediction(s) of ${model} made under that key (key hash ${keyHash})`);
    return 0;
  },
});
