// What the command line prints: each line made printable, so a slave's message, an inventory's
// pool or a Nagios comment shows as text and never drives the operator's terminal; and a reader
// that stops early (`corral ls | head -1`) ends the command quietly.
import { printable, terminalSafeJson } from '../domain/printable.js';

let guarded = false;

/**
 * A closed pipe is the reader saying it has enough: exit at once, quietly, with the status the
 * command had so far (0 for a listing), instead of Node's EPIPE stack trace.
 */
function endQuietlyOnClosedPipe(): void {
  if (guarded) return;
  guarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

/** Text this program wrote itself (a config, a report), as it is; every other line: printOut. */
export function writeOut(text: string): void {
  endQuietlyOnClosedPipe();
  process.stdout.write(text);
}

/** Lines of text as they may reach a terminal: the line breaks stay, every other control shows. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}

export function printOut(text: string): void {
  writeOut(`${printableLines(text)}\n`);
}

export function printErr(text: string): void {
  process.stderr.write(`${printableLines(text)}\n`);
}

/** JSON for scripts: the same values, with what JSON leaves raw (C1, bidi) escaped as `\u`. */
export function printJson(value: unknown): void {
  writeOut(`${terminalSafeJson(JSON.stringify(value, null, 2))}\n`);
}
