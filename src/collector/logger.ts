// The collector's log: pino JSON lines, to stdout or (when a console owns the terminal) to a file.
import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

export function createLogger(options: { file?: string; level?: string } = {}): Logger {
  const level = options.level ?? process.env.CORRAL_LOG_LEVEL ?? 'info';
  const destination = options.file
    ? pino.destination({ dest: options.file, mkdir: true, sync: false })
    : pino.destination({ dest: 1, sync: true });
  return pino({ level, base: undefined }, destination);
}
