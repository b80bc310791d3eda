// The collector's log: pino JSON lines, to stdout or (when a console owns the terminal) to a file.
import { pino, type Logger as PinoLogger } from 'pino';
import { terminalSafeJson } from '../domain/printable.js';

export type Logger = PinoLogger;

export function createLogger(options: { file?: string; level?: string } = {}): Logger {
  const level = options.level ?? process.env.CORRAL_LOG_LEVEL ?? 'info';
  const destination = options.file
    ? pino.destination({ dest: options.file, mkdir: true, sync: false })
    : pino.destination({ dest: 1, sync: true });
  // A logged slave message reaches a terminal (stdout, `tail -f`): JSON escapes C0 but leaves
  // C1 and bidi controls raw, so those are escaped too. Same values, on every destination.
  return pino({ level, base: undefined, hooks: { streamWrite: terminalSafeJson } }, destination);
}
