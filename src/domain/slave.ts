// A slave as the collector shows it to consoles and scripts (the wire shape of the API and WebSocket).
import type { HeartbeatKind } from './heartbeat.js';
import type { ActionView, MonitoringBackend } from './protocol.js';
import type { Freshness, SlaveState } from './state.js';

/** Why a slave's problems are silenced, read back from Nagios. Times are ISO 8601 UTC. */
export type Muting =
  | {
      kind: 'downtime';
      author: string;
      comment: string;
      start: string;
      end: string;
      fixed: boolean;
      inEffect: boolean;
      /** Nagios: its number; Icinga 2: its name. */
      downtimeId: number | string;
      /** The corral action that made it (downtime, park, extend-downtime); null: not corral's. */
      actionId?: number | null;
      /** Ends when the slave's next buildbot start arrives (corral cancels it then). */
      untilBack?: boolean;
    }
  | { kind: 'acknowledgement'; author: string; comment: string; sticky: boolean };

/**
 * The reboot engine's view of a slave; `since` is ISO 8601 UTC. `by` is the operator who started
 * the reboot and `actionId` that reboot's action (`GET /api/v1/actions/{id}`).
 */
export type RebootView =
  | { phase: 'rebooting'; method: string; since: string; by: string; actionId: number }
  | { phase: 'needs-hands'; since: string; by: string; actionId: number };

export interface SlaveView {
  name: string;
  pool: string | null;
  master: string | null;
  state: SlaveState;
  /** Listed in the inventory (an inventory slave never heard from is `never`). */
  inInventory: boolean;
  /** Inventory attributes (mgmt_host, pdu, outlet, ...). */
  attributes: Record<string, string>;
  firstSeen: string | null;
  lastStart: string | null;
  /** Age at the enclosing message's serverTime; consoles tick it locally. */
  ageSeconds: number | null;
  lastHeartbeat: { at: string; kind: HeartbeatKind; message: string | null } | null;
  lastCritical: { at: string; message: string | null } | null;
  /** What mutes the slave, the one that counts most (see `mutes` for all of them). */
  muted: Muting | null;
  /**
   * Everything muting the slave: every downtime in effect and the acknowledgement, the one
   * ending first first (an acknowledgement has no end: last). Empty when nothing mutes it.
   */
  mutes: Muting[];
  reboot: RebootView | null;
  /** Parked on purpose (`corral park`): kept muted by corral until unparked; null when not. */
  parked?: ParkView | null;
}

/**
 * Why and by whom a slave is parked; times ISO 8601 UTC. `reviewDue` once `review` has passed.
 * `actionId` is the park action (`GET /api/v1/actions/{id}`).
 */
export interface ParkView {
  by: string;
  owner: string;
  reason: string;
  ticket: string | null;
  since: string;
  review: string | null;
  reviewDue: boolean;
  actionId: number;
}

/** One buildbot start in a slave's history, with the interval since the start before it. */
export interface StartRecord {
  at: string;
  intervalSeconds: number | null;
}

export interface MessageRecord {
  at: string;
  kind: HeartbeatKind;
  message: string;
}

/** `GET /api/v1/slaves/{slave}`: a slave with its recent history. */
export interface SlaveDetail extends SlaveView {
  starts: StartRecord[];
  messages: MessageRecord[];
  /** The latest actions on this slave, newest first, each with only this slave's target. */
  actions: ActionView[];
  /**
   * What the monitoring system (Nagios, Icinga 2: `backend` says which) shows of the slave's
   * service as last read; null when it has no such service (or nothing was read yet); absent
   * when the collector has no monitoring. Named `nagios` as consoles have always read it.
   */
  nagios?: MonitoringView | null;
}

/** A slave's service in its monitoring system as last read; times are ISO 8601 UTC. */
export interface ServiceView {
  host: string;
  service: string;
  /** Null until the monitoring system has a result for it. */
  state: 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN' | null;
  output: string;
  lastCheck: string | null;
  /** Every downtime on the service, the one ending first first; `id` is the backend's own. */
  downtimes: Array<{
    id: number | string;
    start: string;
    end: string;
    fixed: boolean;
    /** A flexible downtime's length once it starts (seconds). */
    durationSeconds?: number;
    inEffect: boolean;
    author: string;
    comment: string;
  }>;
  acknowledgement: { author: string; comment: string; sticky: boolean } | null;
  /** Operators' comments on the service (not those added for downtimes and acknowledgements). */
  comments: Array<{ at: string; author: string; comment: string }>;
}

/** The detail's service, naming the monitoring system that shows it. */
export interface MonitoringView extends ServiceView {
  /** Absent from collectors older than the monitoring seam (they spoke only to Nagios). */
  backend?: Exclude<MonitoringBackend, 'none'>;
}

/** The name the detail's service had while Nagios was the only backend (the console still uses it). */
export type NagiosView = MonitoringView;

/** The inputs of stateOf for a slave as received over the wire, so consoles compute states as the collector does. */
export function freshnessOfView(
  v: Pick<SlaveView, 'lastStart' | 'lastCritical' | 'reboot'>,
): Freshness {
  return {
    lastStart: v.lastStart === null ? null : Date.parse(v.lastStart),
    lastCritical: v.lastCritical === null ? null : Date.parse(v.lastCritical.at),
    reboot:
      v.reboot === null
        ? null
        : v.reboot.phase === 'rebooting'
          ? { phase: 'rebooting', method: v.reboot.method, since: Date.parse(v.reboot.since) }
          : { phase: 'needs-hands', since: Date.parse(v.reboot.since) },
  };
}
