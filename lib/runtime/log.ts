/**
 * Structured logs: one JSON line per event (pino), on standard error. Errors are reduced to their
 * type and message; stack traces appear only at `debug` (STEWARD_LOG_LEVEL=debug). The Temporal
 * SDK's own events (workers, activities, workflows) go through the same logger.
 *
 * Nothing personal is logged: data errors already carry redacted cells (lib/data/columns.ts), and
 * activity inputs are never logged.
 *
 * @example
 *   const log = createLogger();
 *   log.info({ releaseId }, 'release started');
 */
import pino, { type Logger as Pino } from 'pino';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';

const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type Level = (typeof levels)[number];

/** The process's logger; the level comes from STEWARD_LOG_LEVEL (default `info`). */
export function createLogger(options: { level?: string; destination?: number | string } = {}): Pino {
  const wanted = (options.level ?? process.env.STEWARD_LOG_LEVEL ?? 'info').toLowerCase();
  const level = (levels as readonly string[]).includes(wanted) ? wanted : 'info';
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: options.destination ?? 2, sync: true }));
}

/** An error as a log line shows it: its type and message, its stack only when debugging. */
function describeError(e: unknown, withStack: boolean): Record<string, unknown> {
  let inner = e as { name?: string; type?: string; message?: string; stack?: string; cause?: unknown };
  // Temporal wraps failures ("Activity task failed" around the real one): show the innermost.
  for (let depth = 0; inner?.cause && depth < 10; depth++) inner = inner.cause as typeof inner;
  return { type: inner?.type ?? inner?.name ?? 'Error', message: inner?.message ?? String(e), ...(withStack && inner?.stack ? { stack: inner.stack } : {}) };
}

/** The SDK's logger interface over pino: one line per event, errors without stack traces unless debugging. */
export function temporalLogger(log: Pino): TemporalLogger {
  const debugging = log.isLevelEnabled('debug');
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(meta ?? {})) {
      if (k === 'taskToken') continue; // opaque and long
      fields[k] = v instanceof Error || (k === 'error' && v && typeof v === 'object') ? describeError(v, debugging) : v;
    }
    const method = level.toLowerCase() as Level;
    log[levels.includes(method) ? method : 'info'](fields, message);
  };
  return {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
}
