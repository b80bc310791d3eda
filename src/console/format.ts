// How the console writes times, countdowns and state marks: local time zone, said out loud.
import { formatAge } from '../domain/duration.js';
import type { Muting } from '../domain/slave.js';
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

/** Every downtime in effect and the acknowledgement, ending first; `muted` alone from older collectors. */
export function mutesOf(row: Row): readonly Muting[] {
  const v = row.view as Row['view'] & { mutes?: readonly Muting[] };
  return v.mutes ?? (v.muted ? [v.muted] : []);
}

/**
 * The muted marker: `DT→11-25 14:00` for a downtime (when the last one ends, `×2` when there are
 * two; `DT→back≤11-25 14:00` until the slave is back, at the latest then; `PARKED releng`, or
 * `PARKED DUE releng` past its review date, for a parked slave), `ACK jdoe` for an acknowledgement, both when both: `DT→11-25 14:00 ACK jdoe`.
 */
export function formatMuted(row: Row): string {
  const mutes = mutesOf(row);
  const downtimes = mutes.filter((m) => m.kind === 'downtime');
  const ack = mutes.find((m) => m.kind === 'acknowledgement');
  const parts: string[] = [];
  const park = row.view.parked;
  // A parked slave's downtime is corral's to renew: its end says nothing, the park does.
  if (park) parts.push(`PARKED${park.reviewDue ? ' DUE' : ''} ${park.owner}`);
  else if (downtimes.length > 0) {
    const last = Math.max(...downtimes.map((d) => Date.parse(d.end)));
    // Until back: it ends at the next start, at the latest then.
    const back = downtimes.every((d) => d.kind === 'downtime' && d.untilBack) ? 'back≤' : '';
    parts.push(
      `DT→${back}${formatStamp(last)}${downtimes.length > 1 ? ` ×${downtimes.length}` : ''}`,
    );
  }
  if (ack) parts.push(`ACK ${ack.author}`);
  return parts.join(' ');
}

/** What is in flight on the slave and who started it: `reboot ssh 2m jdoe`, `needs hands 5m`. */
export function formatAction(row: Row, now: number): string {
  const r = row.view.reboot;
  if (r === null) return '';
  const since = formatAge((now - Date.parse(r.since)) / 1000);
  const what = r.phase === 'rebooting' ? `reboot ${r.method} ${since}` : `needs hands ${since}`;
  return r.by ? `${what} ${r.by}` : what;
}

/** Whether the slave's last critical heartbeat still counts (no start since): its message is news. */
export function hasCurrentCritical(row: Row): boolean {
  const f = row.freshness;
  return f.lastCritical !== null && (f.lastStart === null || f.lastCritical > f.lastStart);
}

/** The last critical message while it counts, on one line (it arrives printable), or ''. */
export function criticalMessage(row: Row): string {
  if (!hasCurrentCritical(row)) return '';
  return (row.view.lastCritical?.message ?? '').replace(/\s+/g, ' ').trim();
}

/**
 * The MESSAGE column: a parked slave's reason (`review due · parked (releng): old 0.7 master`),
 * else its critical message while it counts, else ''.
 */
export function rowMessage(row: Row): string {
  const p = row.view.parked;
  if (!p) return criticalMessage(row);
  const park = `parked (${p.owner}): ${p.reason}`.replace(/\s+/g, ' ').trim();
  return p.reviewDue ? `review due · ${park}` : park;
}

/** Cut at the end with `…`, padded to `width`. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text.padEnd(width);
  return `${text.slice(0, Math.max(width - 1, 0))}…`;
}

/**
 * Cut in the middle with `…`, padded to `width`: slave names differ at their end
 * (`bld-linux64-ec2-101`, `-102`), so both ends stay.
 */
export function truncateMiddle(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text.padEnd(width);
  if (width < 5) return truncate(text, width);
  const tail = Math.floor((width - 1) / 2);
  return `${text.slice(0, width - 1 - tail)}…${text.slice(text.length - tail)}`;
}
