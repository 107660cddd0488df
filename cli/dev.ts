/** `steward dev`: the embedded stack in the foreground until Ctrl-C. */
import { startStack } from '../workers/stack';
import type { CliContext } from './context';

export async function runDev(ctx: CliContext, ports: { temporal?: number; ui?: number } = {}): Promise<number> {
  const stack = await startStack({ config: ctx.config, shareDatabase: true, temporalPort: ports.temporal, uiPort: ports.ui });
  console.log(`Steward is running.`);
  console.log(`  Temporal   ${stack.info.temporalAddress} (namespace ${stack.info.namespace})`);
  if (stack.info.uiUrl) console.log(`  Web UI     ${stack.info.uiUrl}`);
  console.log(`  Database   ${ctx.config.databaseUrl ? 'DATABASE_URL' : `embedded (${stack.info.databaseUrl})`}`);
  console.log(`  Artifacts  ${ctx.config.artifactsDir}`);
  console.log('Press Ctrl-C to stop.');
  await new Promise<void>((resolveStop) => {
    process.once('SIGINT', resolveStop);
    process.once('SIGTERM', resolveStop);
  });
  await stack.stop();
  return 0;
}
