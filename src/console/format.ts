// How the console writes times, countdowns and state marks: local time zone, said out loud.
import { formatAge } from '../domain/duration.js';
import type { SlaveState } from '../domain/state.js';
import type { Row } from './rows.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** `14:05:09` in the operator's local zone. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `11-24 22:10` in the operator's local zone: a start is rarely more than days old. */
export function formatStamp(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The local zone's short name (`UTC`, `CET`, `GMT+2`), so every time on screen says which zone it is in. */
export function zoneName(at = Date.now()): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? 'local';
}

/** `LATE in 38m`, `DEAD in 1h38m`; empty when time alone will not change the state. */
export function formatNext(row: Row, now: number): string {
  if (row.nextAt === null || row.state === 'dead') return '';
  const next = row.state === 'ok' ? 'LATE' : 'DEAD';
  return `${next} in ${formatAge(Math.ceil((row.nextAt - now) / 1000))}`;
}

export function formatRowAge(row: Row, now: number): string {
  return row.lastStart === null ? '-' : formatAge((now - row.lastStart) / 1000);
}

/** A state mark that reads without colour. */
export const STATE_MARKS: Record<SlaveState, string> = {
  never: '? NEVER',
  critical: '✖ CRIT',
  dead: '✖ DEAD',
  late: '▲ LATE',
  'needs-hands': '! HANDS',
  rebooting: '↻ REBOOT',
  ok: '✓ OK',
};

/** Nagios habits: red for dead and critical, yellow for late, magenta for never. */
export const STATE_COLORS: Record<SlaveState, string> = {
  never: 'magenta',
  critical: 'red',
  dead: 'red',
  late: 'yellow',
  'needs-hands': 'redBright',
  rebooting: 'cyan',
  ok: 'green',
};

/** The muted marker: `DT→11-25 14:00` for a downtime (its end), `ACK jdoe` for an acknowledgement. */
export function formatMuted(row: Row): string {
  const m = row.view.muted;
  if (m === null) return '';
  if (m.kind === 'downtime') return `DT→${formatStamp(Date.parse(m.end))}`;
  return `ACK ${m.author}`;
}

/** What is in flight on the slave (reboots today; the actions of issue 4 later). */
export function formatAction(row: Row, now: number): string {
  const r = row.view.reboot;
  if (r === null) return '';
  const since = formatAge((now - Date.parse(r.since)) / 1000);
  return r.phase === 'rebooting' ? `reboot ${r.method} ${since}` : `needs hands ${since}`;
}

export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text.padEnd(width);
  return `${text.slice(0, Math.max(width - 1, 0))}…`;
}
