/**
 * `steward`: the command line. Finds the command argv names, parses its arguments strictly, runs it
 * and turns errors into `steward: <Type>: <message>` on stderr (or `{"error":{"type","message"}}` on
 * stdout with --json) and exit code 1. The commands live in cli/commands/, one per file.
 */
import { fileURLToPath } from 'node:url';
import { isStewardError, rootMessage } from '../lib/core/errors';
import { parseCommandArgs, resolveCommand, wantsJson, type AnyCommand } from './command';
import { api } from './commands/api';
import { audit } from './commands/audit';
import { backtestCommand } from './commands/backtest';
import { capacity } from './commands/capacity';
import { card } from './commands/card';
import { data } from './commands/data';
import { approve, reject } from './commands/decide';
import { detect } from './commands/detect';
import { dev } from './commands/dev';
import { evaluate } from './commands/eval';
import { forget } from './commands/forget';
import { incident } from './commands/incident';
import { labels } from './commands/labels';
import { models } from './commands/models';
import { monitor } from './commands/monitor';
import { predict } from './commands/predict';
import { register } from './commands/register';
import { release } from './commands/release';
import { rollback } from './commands/rollback';
import { rollout } from './commands/rollout';
import { serve } from './commands/serve';
import { status } from './commands/status';
import { token } from './commands/token';
import { versions } from './commands/versions';
import type { CliContext } from './context';
import { commandHelp, groupHelp, topHelp } from './help';

/** Every command, in the order the help lists them. */
export const commands: AnyCommand[] = [dev, api, register, models, versions, release, approve, reject, status, serve, predict, rollout, rollback, capacity, monitor, labels, incident, forget, data, detect, backtestCommand, evaluate, card, audit, token];

const header = 'steward - keeps deployed models healthy (Temporal workflows)';
const footer =
  'Principal: --as, else $STEWARD_USER (refused with STEWARD_AUTH=on: then --api / $STEWARD_API with $STEWARD_TOKEN).\nTemporal: $TEMPORAL_ADDRESS, else the running `steward dev`. Database: $DATABASE_URL, else the embedded one.';

/** Where a run reads its environment and writes its output (the process's by default; tests capture them). */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
}

/**
 * Runs one command line and returns its exit code: 0 ok, 1 failure or failing verdict.
 *
 * @example process.exitCode = await runCli(['data', 'profile', 'batch.csv']);
 */
export async function runCli(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const out: CliIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), env: process.env, ...io };
  const json = wantsJson(argv);
  let ctx: CliContext | undefined;
  try {
    const found = resolveCommand(commands, argv);
    if (found.kind === 'help') {
      const t = found.target;
      out.stdout(t === undefined ? topHelp(commands, header, footer) : t.kind === 'group' ? groupHelp(t, found.path) : commandHelp(t, found.path));
      return found.asked ? 0 : 1;
    }
    const args = await parseCommandArgs(found.command, found.path, found.argv, process.cwd());
    // Loaded after parsing: --help and a mistyped flag never pay for the configuration.
    ctx = (await import('./context')).createCliContext(out.env);
    const print = (value: unknown, text: () => string) => out.stdout(`${json ? JSON.stringify(value, null, 2) : text()}\n`);
    return await found.command.run(args, { ...ctx, json, write: out.stdout, warn: (text) => out.stderr(`warning: ${text}\n`), print });
  } catch (err) {
    const type = isStewardError(err) ? err.type : ((err as Error).name ?? 'Error');
    // A wrapped failure (a driver's "Failed query: <sql>") says what failed in its innermost cause.
    const outer = (err as Error).message ?? String(err);
    const message = !isStewardError(err) && (err as Error).cause ? `${rootMessage(err)} (${outer.length > 120 ? `${outer.slice(0, 120)}…` : outer})` : outer;
    if (json) out.stdout(`${JSON.stringify({ error: { type, message } })}\n`);
    else out.stderr(`steward: ${type}: ${message}\n`);
    return 1;
  } finally {
    await ctx?.close();
  }
}

// Run as a program (bin/steward.mjs, `tsx cli/main.ts`), not when a test imports runCli.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await runCli(process.argv.slice(2));
}
