/**
 * `steward`: the command line. Every command takes `--json` for scripts; errors print the failure
 * type and message (with file, row and column where there is one) and exit 1.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isStewardError, StewardError } from '../lib/core/errors';
import { parseDuration } from '../lib/core/duration';
import { createCliContext, type CliContext } from './context';
import { extraCommands } from './commands';
import { formatState } from './format';

// The registry (database driver), the Temporal client and the policy schema load on first use, so a
// data command or --help does not pay for them.
const registry = () => import('../lib/registry/models');
const releases = () => import('../lib/release/client');

const usage = `steward - keeps deployed models healthy (Temporal workflows)

Usage: npx steward <command> [options]   (every command accepts --json)

  dev [--port 7233] [--ui-port 8233]    start the embedded stack (Temporal dev server + Web UI, database, workers)
  register <policy.json>                register a model or update its policy
  models                                list models with their production and latest versions
  versions <model>                      list a model's versions with metrics and lineage
  release <model> --data <file>         start a release; prints its id
        [--eval <file>] [--timeout 72h] [--epochs N] [--as <principal>] [--wait]
  approve <release> --as <principal> [--comment <text>]
  reject  <release> --as <principal> [--comment <text>]
  status <release>                      a release's stage, evidence and decisions
${extraCommands.flatMap((c) => c.usage.map((u) => `  ${u}`)).join('\n')}

Principal: --as, else $STEWARD_USER. Temporal: $TEMPORAL_ADDRESS, else the running \`steward dev\`.
Database: $DATABASE_URL, else the embedded one.`;

type Flags = Record<string, string | boolean | string[] | undefined>;

function print(json: boolean, value: unknown, text: () => string) {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

function principal(flags: Flags, ctx: CliContext): string {
  const p = (flags.as as string | undefined) ?? ctx.config.user;
  if (!p) throw new StewardError('InvalidInput', 'who are you? pass --as <principal> or set STEWARD_USER');
  return p;
}

function need(args: string[], i: number, what: string): string {
  const v = args[i];
  if (!v) throw new StewardError('InvalidInput', `missing ${what}\n\n${usage}`);
  return v;
}

async function main(argv: string[]): Promise<number> {
  const { values: flags, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: {
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      as: { type: 'string' },
      comment: { type: 'string' },
      data: { type: 'string' },
      eval: { type: 'string' },
      timeout: { type: 'string' },
      epochs: { type: 'string' },
      wait: { type: 'boolean' },
      reference: { type: 'string' },
      current: { type: 'string' },
      label: { type: 'string' },
      score: { type: 'string' },
      threshold: { type: 'string' },
      group: { type: 'string', multiple: true },
      'baseline-score': { type: 'string' },
      out: { type: 'string' },
      separator: { type: 'string' },
      'no-header': { type: 'boolean' },
      port: { type: 'string' },
      'ui-port': { type: 'string' },
    },
  });
  const [command, ...args] = positionals;
  const json = flags.json === true;
  if (!command || flags.help) {
    process.stdout.write(`${usage}\n`);
    return command || flags.help ? 0 : 1;
  }
  let ctx: CliContext | undefined;
  try {
    ctx = createCliContext();
    switch (command) {
      case 'dev': {
        const { runDev } = await import('./dev');
        const port = (name: string) => (typeof flags[name] === 'string' ? Number(flags[name]) : undefined);
        return await runDev(ctx, { temporal: port('port'), ui: port('ui-port') });
      }
      case 'register': {
        const policy = (await import('../lib/policy/load')).loadPolicyFile(need(args, 0, 'policy file'));
        const { db } = await ctx.database();
        const r = await (await registry()).registerModel(db, policy);
        print(json, r, () => `${r.created ? 'registered' : 'updated'} ${r.name} (policy ${r.policyHash.slice(0, 12)})`);
        return 0;
      }
      case 'models': {
        const { db } = await ctx.database();
        const rows = await (await registry()).listModels(db);
        print(json, rows, () =>
          rows.length === 0
            ? 'no models registered (steward register <policy.json>)'
            : rows.map((m) => `${m.name.padEnd(24)} production ${m.productionVersion === null ? '-' : `v${m.productionVersion}`}  latest ${m.latestVersion === null ? '-' : `v${m.latestVersion}`}  releases ${m.releases}  ${m.description}`).join('\n'),
        );
        return 0;
      }
      case 'versions': {
        const { db } = await ctx.database();
        const rows = await (await registry()).listVersions(db, need(args, 0, 'model'));
        print(json, rows, () =>
          rows.map((v) => `v${v.version} ${v.status.padEnd(10)} ${JSON.stringify(v.metrics)} model ${v.modelSha256.slice(0, 12)} data ${String((v.lineage as { dataSha256?: string }).dataSha256).slice(0, 12)}`).join('\n') || 'no versions',
        );
        return 0;
      }
      case 'release': {
        const model = need(args, 0, 'model');
        if (typeof flags.data !== 'string') throw new StewardError('InvalidInput', 'release needs --data <file>');
        // Refuse an unknown model before anything starts, when the registry is reachable without a cold start.
        if (ctx.sharedDatabase()) await (await registry()).getModel((await ctx.database()).db, model);
        const client = await ctx.temporal();
        const { startRelease, explainFailure } = await releases();
        const id = await startRelease(client, {
          model,
          dataFile: resolve(flags.data),
          evaluationFile: typeof flags.eval === 'string' ? resolve(flags.eval) : undefined,
          requestedBy: principal(flags, ctx),
          approvalTimeoutMs: typeof flags.timeout === 'string' ? parseDuration(flags.timeout) : undefined,
          trainingOverrides: typeof flags.epochs === 'string' ? { epochs: Number(flags.epochs) } : undefined,
        });
        if (flags.wait) {
          const state = await client.workflow
            .getHandle(id)
            .result()
            .catch((e: unknown) => {
              throw explainFailure(e);
            });
          print(json, state, () => `${id}: ${state.status}${state.reason ? ` (${state.reason})` : ''}`);
          return state.status === 'promoted' ? 0 : 1;
        }
        const ui = ctx.uiUrl();
        print(json, { releaseId: id, ui: ui ? `${ui}/namespaces/${ctx.config.temporal.namespace}/workflows/${id}` : undefined }, () => id);
        return 0;
      }
      case 'approve':
      case 'reject': {
        const id = need(args, 0, 'release id');
        const who = principal(flags, ctx);
        const state = await (await releases()).decideRelease(await ctx.temporal(), id, command, { principal: who, comment: (flags.comment as string) ?? '' });
        print(json, state, () => `${command === 'approve' ? 'approved' : 'rejected'} ${id} as ${who}; release is now ${state.status === 'running' ? state.stage : state.status}`);
        return 0;
      }
      case 'status': {
        const id = need(args, 0, 'release id');
        const state = await (await releases()).releaseState(await ctx.temporal(), id);
        print(json, state, () => formatState(state));
        return 0;
      }
      default: {
        const extra = extraCommands.find((c) => c.name === command);
        if (extra) return await extra.run(argv.slice(argv.indexOf(command) + 1), ctx);
        throw new StewardError('InvalidInput', `unknown command "${command}"\n\n${usage}`);
      }
    }
  } catch (err) {
    const type = isStewardError(err) ? err.type : ((err as Error).name ?? 'Error');
    const message = (err as Error).message ?? String(err);
    if (json) process.stdout.write(`${JSON.stringify({ error: { type, message } })}\n`);
    else process.stderr.write(`steward: ${type}: ${message}\n`);
    return 1;
  } finally {
    await ctx?.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
