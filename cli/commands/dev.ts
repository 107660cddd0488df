/** `steward dev`: the embedded stack in the foreground until Ctrl-C. */
import { defineCommand } from '../command';

const port = { type: 'number', integer: true, min: 1, max: 65_535, placeholder: 'port' } as const;

export const dev = defineCommand({
  name: 'dev',
  summary: 'start the embedded stack (Temporal dev server + Web UI, database, workers, a serving gateway)',
  details: 'Runs in the foreground until Ctrl-C. Other commands in other terminals find it through $STEWARD_HOME/stack.json.',
  flags: {
    port: { ...port, description: 'Temporal frontend port (default 7233)' },
    'ui-port': { ...port, description: 'Temporal Web UI port (default 8233)' },
    'serve-port': { ...port, min: 0, description: 'port of the serving gateway (default 8080; 0: no gateway)' },
  },
  examples: ['steward dev', 'steward dev --port 7300 --ui-port 8300 --serve-port 8180'],
  async run({ port: temporalPort, uiPort, servePort }, ctx) {
    // The stack brings the Temporal worker, the dev server and the database: loaded only to run it.
    const { startStack } = await import('../../workers/stack');
    const stack = await startStack({ config: ctx.config, shareDatabase: true, temporalPort, uiPort });
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
      gatewayLine,
      'Press Ctrl-C to stop.',
    ];
    ctx.write(`${lines.join('\n')}\n`);
    await new Promise<void>((resolveStop) => {
      process.once('SIGINT', resolveStop);
      process.once('SIGTERM', resolveStop);
    });
    await gateway?.close();
    await stack.stop();
    return 0;
  },
});
