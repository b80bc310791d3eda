// SlaveView fixtures and wire messages for the console's unit tests, at a fixed server time.
import type {
  ActionView,
  DeltaMessage,
  HelloMessage,
  SnapshotMessage,
} from '../../../src/domain/protocol.js';
import type { Muting, SlaveView } from '../../../src/domain/slave.js';
import type { Thresholds } from '../../../src/domain/state.js';
import { countTargets } from '../../../src/domain/protocol.js';

export const T0 = Date.parse('2026-11-25T12:00:00Z');
export const HOUR = 3600;

export interface ViewOptions {
  /** Seconds since the last start at T0; null for never started. */
  ago?: number | null;
  pool?: string | null;
  master?: string | null;
  /** A critical heartbeat this many seconds ago (after the start, so it counts). */
  criticalAgo?: number;
  muted?: Muting | null;
  rebootingSinceAgo?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function view(name: string, o: ViewOptions = {}): SlaveView {
  const ago = o.ago === undefined ? 3600 : o.ago;
  const lastStart = ago === null ? null : iso(T0 - ago * 1000);
  return {
    name,
    pool: o.pool === undefined ? 'talos-r3-fed' : o.pool,
    master: o.master === undefined ? 'bm01' : o.master,
    state: 'ok',
    inInventory: true,
    attributes: {},
    firstSeen: lastStart,
    lastStart,
    ageSeconds: ago,
    lastHeartbeat: lastStart ? { at: lastStart, kind: 'start', message: null } : null,
    lastCritical:
      o.criticalAgo === undefined
        ? null
        : { at: iso(T0 - o.criticalAgo * 1000), message: 'cannot reach master' },
    muted: o.muted ?? null,
    mutes: o.muted ? [o.muted] : [],
    reboot:
      o.rebootingSinceAgo === undefined
        ? null
        : {
            phase: 'rebooting',
            method: 'ssh',
            since: iso(T0 - o.rebootingSinceAgo * 1000),
            by: 'jdoe',
            actionId: 1,
          },
  };
}

export const downtime = (author = 'jdoe', comment = 'waiting for hands'): Muting => ({
  kind: 'downtime',
  author,
  comment,
  start: iso(T0 - 3600_000),
  end: iso(T0 + 2 * 3600_000),
  fixed: true,
  inEffect: true,
  downtimeId: 7,
});

export function hello(pools: Record<string, Thresholds> = {}, serverNow = T0): HelloMessage {
  return {
    type: 'hello',
    protocol: 1,
    serverTime: iso(serverNow),
    thresholds: { default: { warningSeconds: 6 * HOUR, criticalSeconds: 7 * HOUR }, pools },
    you: { name: 'jdoe', role: 'operator' },
  };
}

export function snapshot(seq: number, slaves: SlaveView[], serverNow = T0): SnapshotMessage {
  return { type: 'snapshot', seq, serverTime: iso(serverNow), slaves };
}

export function delta(
  seq: number,
  changed: SlaveView[],
  removed: string[] = [],
  serverNow = T0,
): DeltaMessage {
  return { type: 'delta', seq, serverTime: iso(serverNow), changed, removed };
}

/** A small farm with one slave in each state, in the order the console must show them. */
export function farm(): SlaveView[] {
  return [
    view('ok-young', { ago: 600 }),
    view('late-1', { ago: 6 * HOUR + 120 }),
    view('dead-old', { ago: 9 * HOUR }),
    view('never-1', { ago: null }),
    view('crit-1', { ago: 2 * HOUR, criticalAgo: 60 }),
    view('dead-young', { ago: 7 * HOUR + 5 }),
    view('ok-older', { ago: 5 * HOUR }),
    view('rebooting-1', { ago: 8 * HOUR, rebootingSinceAgo: 300 }),
    view('muted-dead', { ago: 10 * HOUR, pool: 'talos-r4-snow', muted: downtime() }),
  ];
}

/** An action as the collector streams it, its counts from its targets. */
export function actionView(o: Partial<ActionView> = {}): ActionView {
  const targets = o.targets ?? [
    { slave: 'a', status: 'confirmed', error: null },
    { slave: 'b', status: 'sent', error: null },
  ];
  const counts = countTargets(targets);
  return {
    id: 1,
    at: new Date(T0).toISOString(),
    author: 'jdoe',
    kind: 'downtime',
    params: {},
    summary: `jdoe scheduled a 2h downtime on ${targets.length} slaves`,
    targets,
    counts,
    finishedAt: null,
    outcome: null,
    cancelledBy: null,
    ...o,
  };
}
