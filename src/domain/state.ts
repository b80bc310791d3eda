// The state of a slave, computed from its heartbeats, its reboot status and the clock: one pure function.

export const SLAVE_STATES = [
  'never',
  'critical',
  'dead',
  'late',
  'needs-hands',
  'rebooting',
  'ok',
] as const;

/** In docs/design.md order: worst first, which is also the console's default sort. */
export type SlaveState = (typeof SLAVE_STATES)[number];

/**
 * States that mean somebody should look: what the console's "problems" filter shows. A slave
 * being rebooted, or that needs hands, is still one: it does not leave the operator's view.
 */
export const PROBLEM_STATES: ReadonlySet<SlaveState> = new Set([
  'never',
  'critical',
  'dead',
  'late',
  'needs-hands',
  'rebooting',
]);

export function isSlaveState(value: string): value is SlaveState {
  return (SLAVE_STATES as readonly string[]).includes(value);
}

export function stateRank(state: SlaveState): number {
  return SLAVE_STATES.indexOf(state);
}

export interface Thresholds {
  /** Age at which a slave is late (Nagios WARNING). */
  warningSeconds: number;
  /** Age at which a slave is dead (Nagios CRITICAL). */
  criticalSeconds: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  warningSeconds: 6 * 3600,
  criticalSeconds: 7 * 3600,
};

/** Set by the reboot engine; while present it decides the state. */
export type RebootStatus =
  { phase: 'rebooting'; method: string; since: number } | { phase: 'needs-hands'; since: number };

/** What the state depends on. Times are epoch milliseconds. */
export interface Freshness {
  lastStart: number | null;
  /** The last `critical` heartbeat; it counts until the next `start`. */
  lastCritical: number | null;
  reboot: RebootStatus | null;
}

export function ageSeconds(lastStart: number | null, now: number): number | null {
  return lastStart === null ? null : Math.max(0, Math.floor((now - lastStart) / 1000));
}

export function stateOf(f: Freshness, t: Thresholds, now: number): SlaveState {
  if (f.reboot) return f.reboot.phase;
  if (f.lastStart === null && f.lastCritical === null) return 'never';
  if (f.lastCritical !== null && (f.lastStart === null || f.lastCritical > f.lastStart)) {
    return 'critical';
  }
  const age = ageSeconds(f.lastStart, now) ?? 0;
  if (age >= t.criticalSeconds) return 'dead';
  if (age >= t.warningSeconds) return 'late';
  return 'ok';
}

/** The next state that time alone will bring, and when (epoch ms); null when none will. */
export function nextTransition(
  f: Freshness,
  t: Thresholds,
  now: number,
): { state: 'late' | 'dead'; at: number } | null {
  const state = stateOf(f, t, now);
  if (f.lastStart === null) return null;
  if (state === 'ok') return { state: 'late', at: f.lastStart + t.warningSeconds * 1000 };
  if (state === 'late') return { state: 'dead', at: f.lastStart + t.criticalSeconds * 1000 };
  return null;
}
