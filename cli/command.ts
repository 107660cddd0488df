/**
 * The command model of the `steward` CLI. A command declares its positional arguments and typed
 * flags once; the same declaration parses argv strictly (every value checked at the edge, so a typo
 * or a bad number fails here with the flag's name instead of deep inside a workflow) and writes the
 * help text (cli/help.ts), so the two cannot drift apart.
 *
 * This module and the command files stay light (type-only imports of anything heavy): `steward
 * --help` loads every command's declaration, and only the command that runs loads what it needs.
 *
 * @example
 *   export const versions = defineCommand({
 *     name: 'versions',
 *     summary: "list a model's versions",
 *     positionals: [{ name: 'model', description: 'a registered model' }],
 *     examples: ['steward versions adult-income'],
 *     async run({ model }, ctx) { ... return 0; },
 *   });
 */
import { isAbsolute, resolve } from 'node:path';
import { StewardError } from '../lib/core/errors';
import { closest } from '../lib/core/text';

export { closest, editDistance } from '../lib/core/text';
import type { CliContext } from './context';

interface ValueFlagBase {
  description: string;
  /** What the value is, shown in help as `--data <file>` (default: the type's name). */
  placeholder?: string;
  required?: boolean;
}
/** A switch: present or not (`--wait`). Takes no value. */
export interface BooleanFlag {
  type: 'boolean';
  description: string;
}
/** Text as given (`string`) or a file or folder resolved against the working directory (`path`). */
export interface TextFlag extends ValueFlagBase {
  type: 'string' | 'path';
  /** May be given several times (`--group sex --group race`); the value is then a list. */
  multiple?: boolean;
}
/** A number written in decimal, checked against its bounds. */
export interface NumberFlag extends ValueFlagBase {
  type: 'number';
  integer?: boolean;
  min?: number;
  max?: number;
}
/** A positive duration with a unit (`90s`, `15m`, `72h`, `7d`), in milliseconds. */
export interface DurationFlag extends ValueFlagBase {
  type: 'duration';
}
export type Flag = BooleanFlag | TextFlag | NumberFlag | DurationFlag;
export type FlagSpecs = Record<string, Flag>;

export interface Positional {
  name: string;
  description: string;
  /** `path` resolves against the working directory. */
  type?: 'string' | 'path';
}

/** `baseline-score` -> `baselineScore`: the key a flag's value has in a command's arguments. */
type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;
type FlagValue<F> = F extends { type: 'boolean' }
  ? boolean
  : F extends { multiple: true }
    ? string[]
    : (F extends { type: 'number' | 'duration' } ? number : string) | (F extends { required: true } ? never : undefined);

/** The parsed, typed arguments a command's `run` receives: positionals by name, flags in camelCase, and `json`. */
export type Args<F extends FlagSpecs, P extends readonly Positional[]> = { [K in keyof F & string as Camel<K>]: FlagValue<F[K]> } & {
  [X in P[number] as X['name']]: string;
} & { json: boolean };

/** What a running command can use: the services of `CliContext` and the output, which follows `--json`. */
export interface RunContext extends CliContext {
  json: boolean;
  /** Writes to standard output as is. */
  write(text: string): void;
  /** With `--json`, `value` as indented JSON; otherwise `text()`. Either way one trailing newline. */
  print(value: unknown, text: () => string): void;
  /** One `warning: <text>` line on standard error (also with --json, whose stdout stays parseable). */
  warn(text: string): void;
}

export interface CommandSpec<F extends FlagSpecs, P extends readonly Positional[]> {
  name: string;
  /** One line, for the command list. */
  summary: string;
  /** More about the command (environment variables, exit codes), shown in its help. */
  details?: string;
  positionals?: P;
  flags?: F;
  /** Full command lines, shown in help. */
  examples: string[];
  /** Runs with values already parsed and checked; returns the exit code. */
  run(args: Args<F, P>, ctx: RunContext): Promise<number>;
}

/** A command after `defineCommand`: its declaration with the types erased. */
export interface Command {
  kind: 'command';
  name: string;
  summary: string;
  details?: string;
  positionals: readonly Positional[];
  flags: FlagSpecs;
  examples: string[];
  run(args: Record<string, unknown>, ctx: RunContext): Promise<number>;
}

/** A command with subcommands (`steward data check|profile|drift`). */
export interface CommandGroup {
  kind: 'group';
  name: string;
  summary: string;
  subcommands: Command[];
  /**
   * Runs when the word after the group's name is not one of its subcommands (`steward rollout
   * adult-income 3` next to `steward rollout status adult-income`); its usage is the group's.
   */
  default?: Command;
}

export type AnyCommand = Command | CommandGroup;

/** Every command takes these two; `--help` is handled before parsing. */
export const commonFlags: FlagSpecs = {
  json: { type: 'boolean', description: 'print JSON (errors too, as {"error":{"type","message"}} on stdout)' },
  help: { type: 'boolean', description: 'show this help' },
};

/** `--api <url>`: the commands that can go through the control API take it (default $STEWARD_API). */
export const apiFlag = {
  api: { type: 'string', placeholder: 'url', description: 'go through the control API at this URL (default $STEWARD_API); token from $STEWARD_TOKEN' },
} as const satisfies FlagSpecs;

const flagName = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const camel = (name: string): string => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Declares a command; the type parameters carry the declaration into `run`'s arguments.
 *
 * @example
 *   defineCommand({ name: 'status', summary: "a release's state", positionals: [{ name: 'release', description: 'release id' }],
 *     examples: ['steward status adult-income-20261103-0912'], async run({ release }, ctx) { return 0; } });
 */
export function defineCommand<const F extends FlagSpecs = Record<never, Flag>, const P extends readonly Positional[] = []>(spec: CommandSpec<F, P>): Command {
  const flags = (spec.flags ?? {}) as FlagSpecs;
  const positionals = spec.positionals ?? [];
  for (const name of Object.keys(flags)) {
    if (!flagName.test(name) || name in commonFlags) throw new Error(`command ${spec.name}: bad flag name "${name}"`);
    if (positionals.some((p) => p.name === camel(name))) throw new Error(`command ${spec.name}: flag --${name} and argument <${camel(name)}> share a name`);
  }
  return { ...spec, kind: 'command', flags, positionals, run: spec.run as Command['run'] };
}

/**
 * Declares a command whose first argument picks a subcommand.
 *
 * @example defineGroup({ name: 'audit', summary: 'the audit record', subcommands: [verify] });
 */
export function defineGroup(group: Omit<CommandGroup, 'kind'>): CommandGroup {
  return { ...group, kind: 'group' };
}

const invalid = (message: string, field?: string): StewardError => new StewardError('InvalidInput', message, field === undefined ? {} : { field });

/** The command line a command is reached by, e.g. `steward data drift`. */
export type CommandPath = string[];
export const named = (path: CommandPath): string => path.join(' ');

/** `an integer from 1 to 10000`: what a number flag accepts, for errors and help. */
export function describeNumber(f: NumberFlag): string {
  const what = f.integer ? 'an integer' : 'a number';
  if (f.min !== undefined && f.max !== undefined) return `${what} from ${f.min} to ${f.max}`;
  if (f.min !== undefined) return `${what} of at least ${f.min}`;
  if (f.max !== undefined) return `${what} of at most ${f.max}`;
  return f.integer ? what : 'a finite number';
}

const integerText = /^[+-]?\d+$/;
const decimalText = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseNumber(raw: string, f: NumberFlag, field: string): number {
  const v = Number(raw);
  const ok = (f.integer ? integerText : decimalText).test(raw.trim()) && Number.isFinite(v) && (f.min === undefined || v >= f.min) && (f.max === undefined || v <= f.max);
  if (!ok) throw invalid(`must be ${describeNumber(f)}, got "${raw}"`, field);
  return v;
}

async function parseDurationFlag(raw: string, field: string): Promise<number> {
  // A bare number would be milliseconds to parseDuration: `--timeout 72` is then 72 ms, never what
  // was meant on a command line, so the unit is required here.
  if (/^\s*\d+(\.\d+)?\s*$/.test(raw)) throw invalid(`"${raw}" needs a unit (e.g. 90s, 15m, 72h, 7d)`, field);
  // Loaded here, not at the top: it brings zod, which `--help` and most parses never need.
  const { parseDuration } = await import('../lib/core/duration');
  let ms: number;
  try {
    ms = parseDuration(raw);
  } catch (e) {
    throw invalid((e as Error).message, field);
  }
  if (!(ms > 0)) throw invalid(`must be a positive duration, got "${raw}"`, field);
  return ms;
}

function parsePath(raw: string, field: string, cwd: string): string {
  if (raw === '') throw invalid('is an empty path', field);
  return isAbsolute(raw) ? raw : resolve(cwd, raw);
}

/** True when argv (before a `--`) asks for help. */
export function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** True when argv (before a `--`) asks for JSON output: errors are then printed as JSON too. */
export function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

/**
 * Parses a command's arguments (everything after its name) strictly: unknown flags (with the
 * nearest valid one), missing or extra arguments, missing values, repeated single flags and
 * values of the wrong type are `InvalidInput` errors whose field is the flag (`--epochs`) or the
 * argument (`model`).
 *
 * @example
 *   await parseCommandArgs(release, ['steward', 'release'], ['m', '--data', 'b.csv', '--timeout', '72h'], '/work');
 *   // { model: 'm', data: '/work/b.csv', timeout: 259200000, json: false, ... }
 */
export async function parseCommandArgs(command: Command, path: CommandPath, argv: string[], cwd: string): Promise<Record<string, unknown>> {
  const flags: FlagSpecs = { ...command.flags, ...commonFlags };
  const seen = new Map<string, string[]>();
  const positionals: string[] = [];
  const hint = ` (usage: ${synopsis(command, path)}; see ${named(path)} --help)`;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    // A lone dash and negative numbers are values, not options.
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg === '-h' ? 'help' : arg.startsWith('--') ? arg.slice(2, eq < 0 ? undefined : eq) : '';
    const field = arg === '-h' || !arg.startsWith('--') ? arg : `--${name}`;
    const flag = Object.hasOwn(flags, name) ? flags[name] : undefined;
    if (!flag) {
      const guess = arg.startsWith('--') ? closest(name, Object.keys(flags)) : undefined;
      throw invalid(`unknown option for "${named(path)}"${guess ? `; did you mean --${guess}?` : hint}`, field);
    }
    let value: string;
    if (flag.type === 'boolean') {
      if (eq >= 0) throw invalid('is a switch and takes no value', field);
      value = '';
    } else if (eq >= 0) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw invalid(`needs a value: ${field} <${placeholder(flag)}>`, field);
      value = next;
      i++;
    }
    const values = seen.get(name) ?? [];
    if (values.length > 0 && flag.type !== 'boolean' && !isMultiple(flag)) throw invalid('is given more than once; it takes one value', field);
    seen.set(name, [...values, value]);
  }

  const args: Record<string, unknown> = {};
  command.positionals.forEach((p, k) => {
    const raw = positionals[k];
    if (raw === undefined || raw === '') throw invalid(`missing argument <${p.name}>${hint}`, p.name);
    args[p.name] = p.type === 'path' ? parsePath(raw, p.name, cwd) : raw;
  });
  if (positionals.length > command.positionals.length) {
    throw invalid(`unexpected argument "${positionals[command.positionals.length]}" for "${named(path)}"${hint}`);
  }
  for (const [name, flag] of Object.entries(flags)) {
    const field = `--${name}`;
    const raw = seen.get(name);
    const key = camel(name);
    if (flag.type === 'boolean') {
      args[key] = raw !== undefined;
      continue;
    }
    if (raw === undefined) {
      if (flag.required) throw invalid(`is required (usage: ${synopsis(command, path)})`, field);
      args[key] = isMultiple(flag) ? [] : undefined;
      continue;
    }
    if (flag.type === 'number') args[key] = parseNumber(raw[0], flag, field);
    else if (flag.type === 'duration') args[key] = await parseDurationFlag(raw[0], field);
    else {
      const values = flag.type === 'path' ? raw.map((r) => parsePath(r, field, cwd)) : raw;
      args[key] = flag.multiple ? values : values[0];
    }
  }
  return args;
}

export function isMultiple(flag: Flag): boolean {
  return (flag.type === 'string' || flag.type === 'path') && flag.multiple === true;
}

function placeholder(flag: Exclude<Flag, BooleanFlag>): string {
  return flag.placeholder ?? (flag.type === 'number' ? (flag.integer ? 'n' : 'x') : flag.type === 'path' ? 'file' : flag.type);
}

/** `--data <file>`, or `--wait` for a switch. */
export function flagUsage(name: string, flag: Flag): string {
  return flag.type === 'boolean' ? `--${name}` : `--${name} <${placeholder(flag)}>`;
}

/**
 * A command's one-line usage: its path, arguments and required flags.
 *
 * @example synopsis(release, ['steward', 'release']) === 'steward release <model> --data <file> [options]'
 */
export function synopsis(command: Command, path: CommandPath): string {
  const required = Object.entries(command.flags).filter(([, f]) => f.type !== 'boolean' && f.required);
  return [named(path), ...command.positionals.map((p) => `<${p.name}>`), ...required.map(([n, f]) => flagUsage(n, f)), '[options]'].join(' ');
}

/** What argv asks for: a command to run (with the rest of argv), or help on a command or group. */
export type Resolved =
  | { kind: 'run'; command: Command; path: CommandPath; argv: string[] }
  /** `target` undefined: the top-level help; `asked` false when argv named no command at all (exit 1). */
  | { kind: 'help'; target: AnyCommand | undefined; path: CommandPath; asked: boolean };

function pick(commands: AnyCommand[], word: string | undefined, path: CommandPath): AnyCommand {
  const names = commands.map((c) => c.name);
  const found = commands.find((c) => c.name === word);
  if (found) return found;
  if (word === undefined || word.startsWith('-')) throw invalid(`"${named(path)}" needs a command: ${names.join(', ')}`);
  const guess = closest(word, names);
  throw invalid(`unknown command "${word}" for "${named(path)}"${guess ? `; did you mean ${guess}?` : ` (commands: ${names.join(', ')})`}`);
}

/**
 * Finds the command argv names, descending into groups. `steward help <command...>` and `--help`
 * anywhere before `--` ask for help instead. Unknown commands are `InvalidInput` with a suggestion.
 *
 * @example resolveCommand(commands, ['data', 'drift', '--reference', 'a.csv']) // { kind: 'run', path: ['steward', 'data', 'drift'], ... }
 */
export function resolveCommand(commands: AnyCommand[], argv: string[]): Resolved {
  const help = wantsHelp(argv);
  // Only --json and --help may come before the command.
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('-') && argv[i] !== '--'; i++) {
    if (!['--json', '--help', '-h'].includes(argv[i])) {
      const name = argv[i].replace(/^-+/, '').split('=')[0];
      const guess = closest(name, ['json', 'help']);
      throw invalid(`unknown option for "steward"${guess ? `; did you mean --${guess}?` : ' (put options after the command)'}`, argv[i].split('=')[0]);
    }
  }
  const words = argv.slice(i);
  if (words[0] === 'help') {
    let target: AnyCommand | undefined;
    const path = ['steward'];
    for (const word of words.slice(1).filter((w) => !w.startsWith('-'))) {
      const within = target === undefined ? commands : target.kind === 'group' ? target.subcommands : [];
      if (within.length === 0) break;
      target = pick(within, word, path);
      path.push(target.name);
    }
    return { kind: 'help', target, path, asked: true };
  }
  if (words.length === 0 || words[0] === '--') return { kind: 'help', target: undefined, path: ['steward'], asked: help };
  const top = pick(commands, words[0], ['steward']);
  if (top.kind === 'command') return help ? { kind: 'help', target: top, path: ['steward', top.name], asked: true } : { kind: 'run', command: top, path: ['steward', top.name], argv: words.slice(1) };
  const groupPath = ['steward', top.name];
  if (help && (words[1] === undefined || words[1].startsWith('-'))) return { kind: 'help', target: top, path: groupPath, asked: true };
  if (top.default && words[1] !== undefined && !words[1].startsWith('-') && !top.subcommands.some((c) => c.name === words[1])) {
    return help ? { kind: 'help', target: top, path: groupPath, asked: true } : { kind: 'run', command: top.default, path: groupPath, argv: words.slice(1) };
  }
  const sub = pick(top.subcommands, words[1], groupPath) as Command;
  const path = [...groupPath, sub.name];
  return help ? { kind: 'help', target: sub, path, asked: true } : { kind: 'run', command: sub, path, argv: words.slice(2) };
}
