// What the command line prints: each line made printable, so a slave's message, an inventory's
// pool or a Nagios comment shows as text and never drives the operator's terminal.
import { printable, terminalSafeJson } from '../domain/printable.js';

/** Lines of text as they may reach a terminal: the line breaks stay, every other control shows. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}

export function printOut(text: string): void {
  process.stdout.write(`${printableLines(text)}\n`);
}

export function printErr(text: string): void {
  process.stderr.write(`${printableLines(text)}\n`);
}

/** JSON for scripts: the same values, with what JSON leaves raw (C1, bidi) escaped as `\u`. */
export function printJson(value: unknown): void {
  process.stdout.write(`${terminalSafeJson(JSON.stringify(value, null, 2))}\n`);
}
