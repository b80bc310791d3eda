// `corral ls --summary`: the farm in a few lines: slaves per state (unhandled, and handled: muted
// or rebooting), the muted ones that are ok, and each cause the collector sees, as the console says them.
import { causeLine, type Cause } from '../domain/causes.js';
import type { SlaveView } from '../domain/slave.js';
import { SLAVE_STATES } from '../domain/state.js';
import { countTriage } from '../console/triage.js';

/** `critical 16 (+199 handled)  dead 2  ...  of 1500`, then `muted while ok: 186`, then one line per cause. */
export function summaryText(slaves: readonly SlaveView[], causes: readonly Cause[]): string {
  const triage = countTriage(slaves.map((s) => ({ state: s.state, muted: s.muted !== null })));
  const counts = SLAVE_STATES.map((state) => {
    const whole = state === 'rebooting' || state === 'ok';
    const handled = triage.handled[state];
    const shown = whole ? triage.unhandled[state] + handled : triage.unhandled[state];
    return `${state} ${shown}${!whole && handled > 0 ? ` (+${handled} handled)` : ''}`;
  });
  const lines = [`${counts.join('  ')}  of ${slaves.length}`];
  if (triage.mutedHealthy > 0) lines.push(`muted while ok: ${triage.mutedHealthy}`);
  lines.push(
    causes.length === 0
      ? 'no common cause: no master or pool has many slaves that turned bad together'
      : `causes (${causes.length}):`,
  );
  for (const cause of causes) lines.push(`  ${causeLine(cause, localTime)}`);
  return lines.join('\n');
}

/** `2026-11-25 03:10 CET`: local, with its zone, as `corral ls` writes times. */
function localTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  const zone = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(d)
    .find((x) => x.type === 'timeZoneName')?.value;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())} ${zone ?? 'local'}`;
}
