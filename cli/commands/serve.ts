/** `steward serve`: a serving gateway in the foreground until Ctrl-C (any number of replicas against one database). */
import { defineCommand } from '../command';

export const serve = defineCommand({
  name: 'serve',
  summary: 'serve predictions over HTTP (KServe v1: POST /v1/models/<model>:predict) until Ctrl-C',
  details: [
    'Serves every registered model with a production version or routes, from the database and artifact store',
    'the other commands use (DATABASE_URL, else the running `steward dev`). Start as many replicas as needed, on',
    'other ports or machines: each picks up route changes within a second.',
    'Endpoints: POST /v1/models/<model>:predict, POST /v1/models/<model>/labels, GET /v1/models/<model>,',
    'GET /healthz, GET /readyz, GET /metrics. Prediction logs are spooled under $STEWARD_HOME/spool.',
    'Hash secret of the log: $STEWARD_LOG_KEY, else a key file under $STEWARD_HOME (share it between replicas).',
    'Chaos testing: $STEWARD_SERVING_FAULTS, e.g. [{"model":"adult-income","version":3,"errorRate":0.2,"delayMs":50}].',
  ].join('\n'),
  flags: {
    port: { type: 'number', integer: true, min: 0, max: 65_535, placeholder: 'port', description: 'port to listen on (default 8080; 0 picks a free one)' },
    host: { type: 'string', placeholder: 'address', description: 'address to listen on (default 127.0.0.1; 0.0.0.0 for all)' },
    'body-limit': { type: 'number', integer: true, min: 1024, placeholder: 'bytes', description: 'largest request body (default 1048576)' },
    'max-rows': { type: 'number', integer: true, min: 1, max: 100_000, description: 'most instances per request (default 1000)' },
    'log-flush': { type: 'duration', description: 'how often logged predictions are written to the database (default 100ms)' },
    'no-spool': { type: 'boolean', description: 'buffer unwritten log rows in memory only (a killed replica then loses them)' },
  },
  examples: ['steward serve --port 8080', 'steward serve --port 8081 --host 0.0.0.0'],
  async run({ port, host, bodyLimit, maxRows, logFlush, noSpool }, ctx) {
    const { startGatewayForCli } = await import('../serving');
    const gateway = await startGatewayForCli(ctx, { port: port ?? 8080, host, bodyLimit, maxRows, logFlushMs: logFlush, noSpool });
    const served = gateway.catalog.list();
    ctx.write(
      `${[
        `Steward gateway ${gateway.gatewayId} at ${gateway.url}`,
        ...(served.length === 0 ? ['  no model has a production version yet'] : served.map((m) => `  ${m.name.padEnd(24)} ${m.table.serve.map((r) => `v${r.version} ${r.weight}%`).join(', ')}${m.table.shadow.length ? `; shadow ${m.table.shadow.map((v) => `v${v}`).join(', ')}` : ''}`)),
        `  try: curl -s ${gateway.url}/v1/models/<model>:predict -d '{"instances":[{...}]}'`,
        'Press Ctrl-C to stop.',
      ].join('\n')}\n`,
    );
    await new Promise<void>((resolveStop) => {
      process.once('SIGINT', resolveStop);
      process.once('SIGTERM', resolveStop);
    });
    await gateway.close();
    return 0;
  },
});
