/** Commands beyond the release loop (data checks, evaluation of external scores, model cards). */
import type { CliContext } from './context';

export interface ExtraCommand {
  name: string;
  usage: string;
  run(args: string[], flags: Record<string, unknown>, ctx: CliContext, json: boolean): Promise<number>;
}

export const extraCommands: ExtraCommand[] = [];
