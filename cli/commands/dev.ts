/** `steward dev`: the embedded stack in the foreground until Ctrl-C. */
import { defineCommand } from '../command';

const port = { type: 'number', integer: true, min: 1, max: 65_535, placeholder: 'port' } as const;

export const dev = defineCommand({
  name: 'dev',
  summary: 'start the embedded stack (Temporal dev server + Web UI, database, workers)',
  details: 'Runs in the foreground until Ctrl-C. Other commands in other terminals find it through $STEWARD_HOME/stack.json.',
  flags: {
    port: { ...port, description: 'Temporal frontend port (default 7233)' },
    'ui-port': { ...port, description: 'Temporal Web UI port (default 8233)' },
  },
  examples: ['steward dev', 'steward dev --port 7300 --ui-port 8300'],
  async run({ port: temporalPort, uiPort }, ctx) {
    // The stack brings the Temporal worker, the dev server and the database: loaded only to run it.
    const { startStack } = await import('../../workers/stack');
    const stack = await startStack({ config: ctx.config, shareDatabase: true, temporalPort, uiPort });
    const lines = [
      'Steward is running.',
      `  Temporal   ${stack.info.temporalAddress} (namespace ${stack.info.namespace})`,
      ...(stack.info.uiUrl ? [`  Web UI     ${stack.info.uiUrl}`] : []),
      `  Database   ${ctx.config.databaseUrl ? 'DATABASE_URL' : `embedded (${stack.info.databaseUrl})`}`,
      `  Artifacts  ${ctx.config.artifactsDir}`,
      'Press Ctrl-C to stop.',
    ];
    ctx.write(`${lines.join('\n')}\n`);
    await new Promise<void>((resolveStop) => {
      process.once('SIGINT', resolveStop);
      process.once('SIGTERM', resolveStop);
    });
    await stack.stop();
    return 0;
  },
});
