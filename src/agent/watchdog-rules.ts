// The watchdog's decisions, pure: given what it observed and what it did before, what to do now and why.
import { formatDuration } from '../domain/duration.js';

/** Times and durations are milliseconds. */
export interface WatchdogRules {
  /** `host:port` as the operator wrote it; null when the master is not watched. */
  master: string | null;
  /** How long the master must stay unreachable before the critical heartbeat. */
  afterMs: number;
  /** Reboot after the critical heartbeat (--reboot). */
  reboot: boolean;
  /** Restart when the activity file has been still this long (--idle-reboot); null: never. */
  idleMs: number | null;
  /** No reboot of any kind within this long of the last one (the marker file). */
  guardMs: number;
}

export interface Observation {
  /** Wall clock: compared with file times (activity, marker). */
  now: number;
  /**
   * A monotonic clock for how long the master has been away: slaves often step their wall
   * clock at boot (NTP), and a jump must not look like a ten-minute outage. Defaults to now.
   */
  monotonic?: number;
  /** null when the master is not watched. */
  masterReachable: boolean | null;
  /** The activity file's mtime; null when it is missing, undefined when none is watched. */
  activityMtime?: number | null;
  uptimeMs: number;
  /** When this watchdog last rebooted the host (the marker file), null if never. */
  lastRebootAt: number | null;
}

/** What the watchdog remembers between checks. */
export interface WatchState {
  /** On the monotonic clock. */
  unreachableSince: number | null;
  /** The critical heartbeat for the current outage went out. */
  criticalSent: boolean;
  /** This process asked for a reboot: never again, whatever happens (it is going down). */
  rebootRequested: boolean;
  /** The notes raised by the last check: a steady condition is logged once, not every check. */
  notes: readonly string[];
}

export const INITIAL_STATE: WatchState = {
  unreachableSince: null,
  criticalSent: false,
  rebootRequested: false,
  notes: [],
};

export type Decision =
  | { kind: 'critical'; message: string; reason: string }
  | { kind: 'reboot'; reason: string }
  | { kind: 'idle-restart'; reason: string }
  /** Something worth one log line: the master lost or back, a reboot held back and why. */
  | { kind: 'note'; reason: string };

export function decide(
  state: WatchState,
  obs: Observation,
  rules: WatchdogRules,
): { state: WatchState; decisions: Decision[] } {
  const next = { ...state };
  const decisions: Decision[] = [];
  const raised: string[] = [];
  const note = (reason: string) => {
    if (!state.notes.includes(reason)) decisions.push({ kind: 'note', reason });
    raised.push(reason);
  };
  let rebootReason: string | null = null;

  const clock = obs.monotonic ?? obs.now;
  if (rules.master !== null && obs.masterReachable !== null) {
    if (obs.masterReachable) {
      if (next.unreachableSince !== null) {
        const down = formatDuration((clock - next.unreachableSince) / 1000);
        note(`master ${rules.master} reachable again after ${down}`);
      }
      next.unreachableSince = null;
      next.criticalSent = false;
    } else {
      if (next.unreachableSince === null) {
        next.unreachableSince = clock;
        note(
          `cannot connect to master ${rules.master}; critical after ${formatDuration(rules.afterMs / 1000)} of this`,
        );
      }
      const downMs = clock - next.unreachableSince;
      if (downMs >= rules.afterMs) {
        const message = `cannot connect to master ${rules.master} for ${formatDuration(rules.afterMs / 1000)}`;
        if (!next.criticalSent) {
          decisions.push({ kind: 'critical', message, reason: message });
          next.criticalSent = true;
        }
        if (rules.reboot) rebootReason = message;
      }
    }
  }

  let idleReason: string | null = null;
  if (rules.idleMs !== null && obs.activityMtime !== undefined) {
    const idle = formatDuration(rules.idleMs / 1000);
    if (obs.activityMtime === null) {
      note('the activity file is missing: cannot tell whether the slave is idle');
    } else if (obs.now - obs.activityMtime >= rules.idleMs) {
      if (obs.uptimeMs >= rules.idleMs) {
        idleReason = `no activity for ${formatDuration((obs.now - obs.activityMtime) / 1000)} (idle reboot after ${idle}) and up ${formatDuration(obs.uptimeMs / 1000)}`;
      } else {
        note(`idle for ${idle}, but the host has been up less than that: waiting`);
      }
    }
  }

  const wanted = rebootReason ?? idleReason;
  if (wanted !== null && !next.rebootRequested) {
    const sinceLast = obs.lastRebootAt === null ? Infinity : obs.now - obs.lastRebootAt;
    if (sinceLast < rules.guardMs) {
      // Stable words (no running durations), so a steady hold is logged once.
      note(
        `a reboot is due (${rebootReason !== null ? 'master unreachable' : 'idle'}) but held: this watchdog rebooted the host at ${new Date(obs.lastRebootAt!).toISOString()}, within the guard of ${formatDuration(rules.guardMs / 1000)}`,
      );
    } else {
      next.rebootRequested = true;
      decisions.push(
        rebootReason !== null
          ? { kind: 'reboot', reason: rebootReason }
          : { kind: 'idle-restart', reason: idleReason! },
      );
    }
  }
  next.notes = raised;
  return { state: next, decisions };
}
