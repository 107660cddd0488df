/** `steward api`: the control API and the approval pages, in the foreground until Ctrl-C. */
import { defineCommand } from '../command';

export const api = defineCommand({
  name: 'api',
  summary: 'serve the control API (OpenAPI at /openapi.json) and the approval pages (/ui/releases/<id>)',
  details: [
    'Temporal: $TEMPORAL_ADDRESS, else the running `steward dev` (which serves the API itself). Database: $DATABASE_URL, else the',
    "embedded one. Keys: $STEWARD_DECISION_KEY and $STEWARD_AUDIT_KEY, else generated once under $STEWARD_HOME/keys. OIDC:",
    '$STEWARD_OIDC_ISSUER (and _JWKS_URL, _AUDIENCE, _ROLES_CLAIM, _PRINCIPAL_CLAIM). Every request needs a token: steward token create.',
  ].join('\n'),
  flags: {
    port: { type: 'number', integer: true, min: 0, max: 65_535, placeholder: 'port', description: 'port to listen on (default 8081)' },
    host: { type: 'string', placeholder: 'address', description: 'address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)' },
    'trust-proxy': { type: 'boolean', description: 'behind a reverse proxy: take client addresses from X-Forwarded-For' },
  },
  examples: ['steward api', 'steward api --port 9000 --host 0.0.0.0'],
  async run({ port, host, trustProxy }, ctx) {
    const { serveApi } = await import('../../api/serve');
    const running = await serveApi({ config: ctx.config, db: (await ctx.database()).db, temporal: await ctx.temporal(), port: port ?? 8081, host, temporalUiUrl: ctx.uiUrl(), trustProxy });
    ctx.write(`Steward control API at ${running.url} (OpenAPI ${running.url}/openapi.json, approval pages ${running.url}/ui/releases/<id>). Press Ctrl-C to stop.\n`);
    await new Promise<void>((resolveStop) => {
      process.once('SIGINT', resolveStop);
      process.once('SIGTERM', resolveStop);
    });
    await running.close();
    return 0;
  },
});
