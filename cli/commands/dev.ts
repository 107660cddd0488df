/** `steward dev`: the embedded stack in the foreground until Ctrl-C. */
import { defineCommand } from '../command';

const port = { type: 'number', integer: true, min: 1, max: 65_535, placeholder: 'port' } as const;

export const dev = defineCommand({
  name: 'dev',
  summary: 'start the embedded stack (Temporal dev server + Web UI, database, workers, control API, a serving gateway)',
  details: [
    'Runs in the foreground until Ctrl-C. Other commands in other terminals find it through $STEWARD_HOME/stack.json.',
    'Also serves the control API and the approval pages (needs a token: steward token create). With STEWARD_AUTH=on',
    'the CLI refuses --as and goes through the API, and the workers refuse releases that do not carry its key.',
  ].join('\n'),
  flags: {
    port: { ...port, description: 'Temporal frontend port (default 7233)' },
    'ui-port': { ...port, description: 'Temporal Web UI port (default 8233)' },
    'api-port': { ...port, description: 'control API and approval pages port (default 8081)' },
    'serve-port': { ...port, min: 0, description: 'port of the serving gateway (default 8080; 0: no gateway)' },
  },
  examples: ['steward dev', 'steward dev --port 7300 --ui-port 8300 --api-port 8301 --serve-port 8180'],
  async run({ port: temporalPort, uiPort, apiPort, servePort }, ctx) {
    // The stack brings the Temporal worker, the dev server and the database: loaded only to run it.
    const [{ startStack }, { serveApi }, { connectClient }, { writeFileSync }, { stackFile }] = await Promise.all([
      import('../../workers/stack'),
      import('../../api/serve'),
      import('../../lib/runtime/temporal'),
      import('node:fs'),
      import('../../lib/runtime/stack-file'),
    ]);
    const stack = await startStack({ config: ctx.config, temporalPort, uiPort });
    let api: Awaited<ReturnType<typeof serveApi>>;
    const client = await connectClient(ctx.config.temporal, stack.info.temporalAddress);
    try {
      api = await serveApi({ config: ctx.config, db: stack.database.db, temporal: client, port: apiPort ?? 8081, temporalUiUrl: stack.info.uiUrl });
    } catch (e) {
      await client.connection.close();
      await stack.stop();
      throw e;
    }
    stack.info.apiUrl = api.url;
    writeFileSync(stackFile(ctx.config.home), JSON.stringify(stack.info, null, 2));
    let gateway: Awaited<ReturnType<typeof import('../serving').startGatewayForCli>> | undefined;
    let gatewayLine = '  Gateway    off (--serve-port 0)';
    if (servePort !== 0) {
      try {
        const { startGatewayForCli } = await import('../serving');
        gateway = await startGatewayForCli(ctx, { port: servePort ?? 8080, db: stack.database.db });
        gatewayLine = `  Gateway    ${gateway.url} (POST /v1/models/<model>:predict, /metrics)`;
      } catch (e) {
        // A busy port must not take the rest of the stack down: say so and run without a gateway.
        gatewayLine = `  Gateway    not started: ${(e as Error).message} (choose another with --serve-port)`;
      }
    }
    const lines = [
      'Steward is running.',
      `  Temporal   ${stack.info.temporalAddress} (namespace ${stack.info.namespace})`,
      ...(stack.info.uiUrl ? [`  Web UI     ${stack.info.uiUrl}`] : []),
      `  Database   ${ctx.config.databaseUrl ? 'DATABASE_URL' : `embedded (${stack.info.databaseUrl})`}`,
      `  Artifacts  ${ctx.config.artifactsDir}`,
      `  API        ${api.url} (approval pages ${api.url}/ui/releases/<id>; auth ${ctx.config.authOn ? 'on' : 'off: --as works'})`,
      gatewayLine,
      'Press Ctrl-C to stop.',
    ];
    ctx.write(`${lines.join('\n')}\n`);
    await new Promise<void>((resolveStop) => {
      process.once('SIGINT', resolveStop);
      process.once('SIGTERM', resolveStop);
    });
    await gateway?.close();
    await api.close();
    await client.connection.close();
    await stack.stop();
    return 0;
  },
});
