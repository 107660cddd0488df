/**
 * Help texts, generated from the command declarations: the top-level list, a group's subcommands,
 * and one command's usage, arguments, options (with what each accepts) and examples.
 */
import { commonFlags, describeNumber, flagUsage, isMultiple, named, synopsis, type AnyCommand, type Command, type CommandGroup, type CommandPath, type Flag } from './command';

/** Two aligned columns; a left cell wider than `max` puts its right cell on the next line. */
function columns(rows: [string, string][], max = 28): string[] {
  const width = Math.min(max, Math.max(...rows.map(([left]) => left.length)));
  return rows.map(([left, right]) => (left.length > width ? `  ${left}\n  ${' '.repeat(width)}  ${right}` : `  ${left.padEnd(width)}  ${right}`));
}

function flagNotes(flag: Flag): string {
  const notes: string[] = [];
  if (flag.type === 'number') notes.push(describeNumber(flag));
  if (flag.type !== 'boolean' && flag.required) notes.push('required');
  if (isMultiple(flag)) notes.push('repeatable');
  return notes.map((n) => `; ${n}`).join('');
}

/**
 * The help of one command: usage, arguments, options (with their constraints) and examples.
 *
 * @example process.stdout.write(commandHelp(release, ['steward', 'release']));
 */
export function commandHelp(command: Command, path: CommandPath): string {
  const out = [`${named(path)}: ${command.summary}`, '', `Usage: ${synopsis(command, path)}`];
  if (command.details) out.push('', command.details);
  if (command.positionals.length > 0) out.push('', 'Arguments:', ...columns(command.positionals.map((p) => [`<${p.name}>`, p.description])));
  const options = Object.entries({ ...command.flags, ...commonFlags }).map(([n, f]): [string, string] => [n === 'help' ? '-h, --help' : flagUsage(n, f), f.description + flagNotes(f)]);
  out.push('', 'Options:', ...columns(options));
  out.push('', command.examples.length > 1 ? 'Examples:' : 'Example:', ...command.examples.map((e) => `  ${e}`));
  return `${out.join('\n')}\n`;
}

/** The help of a command group: its subcommands with their usage and summary. */
export function groupHelp(group: CommandGroup, path: CommandPath): string {
  const out = [`${named(path)}: ${group.summary}`, '', `Usage: ${named(path)} <${group.subcommands.map((c) => c.name).join('|')}> [options]`];
  if (group.default) out.push(`       ${synopsis(group.default, path)}`);
  out.push('', 'Commands:');
  const rows: [string, string][] = group.subcommands.map((c) => [synopsis(c, [...path, c.name]).replace(/^steward /, ''), c.summary]);
  if (group.default) rows.unshift([synopsis(group.default, path).replace(/^steward /, ''), group.default.summary]);
  out.push(...columns(rows, 44));
  out.push('', `Run \`${named(path)} <command> --help\` for its options.`);
  // The default command's own help follows: it has no name to ask for it by.
  if (group.default) out.push('', '', commandHelp(group.default, path).trimEnd());
  return `${out.join('\n')}\n`;
}

/**
 * The top-level help, generated from the commands: every command (and subcommand) with its usage
 * and summary, then `footer`.
 */
export function topHelp(commands: AnyCommand[], header: string, footer: string): string {
  const rows = commands.flatMap((c): [string, string][] =>
    c.kind === 'group'
      ? [...(c.default ? [[synopsis(c.default, [c.name]), c.default.summary] as [string, string]] : []), ...c.subcommands.map((s): [string, string] => [synopsis(s, [c.name, s.name]), s.summary])]
      : [[synopsis(c, [c.name]), c.summary]],
  );
  return `${[header, '', 'Usage: steward <command> [options]   (every command accepts --json and --help)', '', 'Commands:', ...columns(rows, 44), '', 'Run `steward help <command>` or `steward <command> --help` for its arguments, options and an example.', '', footer].join('\n')}\n`;
}
