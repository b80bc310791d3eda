// The one seam between corral and a monitoring system: what the results feed, the action engine and
// a slave's detail ask of monitoring, in corral's words. Nagios on this host, Icinga 2's REST API and
// a Nagios on another host (through its relay) each implement it; nothing above it knows which.
import type { ActionFacts } from '../domain/action-facts.js';
import type { DowntimeMatch } from '../domain/downtime-match.js';
import type { MonitoringBackend } from '../domain/protocol.js';
import type { MonitoringView } from '../domain/slave.js';
import type { SlaveMutes } from '../domain/slave-record.js';

export type { ActionFacts, MonitoringBackend };

/** A slave as a backend needs it: its name and the inventory attributes that may map it elsewhere. */
export interface SlaveRef {
  name: string;
  attributes?: Record<string, string>;
}

/** A service state as plugins report it: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
export type CheckState = 0 | 1 | 2 | 3;

/** One passive result: what the slave's service is to say now. Perfdata is ours, never from input. */
export interface PassiveResult {
  slave: SlaveRef;
  state: CheckState;
  output: { text: string; perfdata?: string };
}

/** An action carried out by the monitoring system; times are epoch ms. */
export type MonitorAction =
  | {
      kind: 'downtime';
      start: number;
      end: number;
      fixed: boolean;
      /** For a flexible downtime: how long it lasts once it starts. */
      durationSeconds?: number;
      author: string;
      comment: string;
    }
  /** Every downtime of each target, or only those `only` picks. */
  | { kind: 'cancel-downtime'; only?: DowntimeMatch }
  | { kind: 'ack'; author: string; comment: string; sticky: boolean }
  | { kind: 'remove-ack' }
  /** Asks the monitoring system to run `corral check` for each target now. */
  | { kind: 'force-check' }
  /** Each target's current state, submitted again as a passive result (keyed by slave name). */
  | { kind: 'recheck'; results: ReadonlyMap<string, PassiveResult> };

/**
 * One target's answer. `done`: the backend says it is done (an API that answers per object).
 * `sent`: handed over; `confirmed` later tells whether it shows done. `refused`: the backend (or
 * the slave's mapping) will not take it, with why, and sending it again changes nothing.
 * `unsent`: it did not reach the backend (link down); sending it again may succeed.
 */
export type Answer =
  | { slave: string; outcome: 'done' }
  | { slave: string; outcome: 'sent' }
  | { slave: string; outcome: 'refused'; reason: string }
  | { slave: string; outcome: 'unsent'; reason: string };

/** What an action did (or, previewed, would do): each target's answer and the backend's words. */
export interface ActOutcome {
  answers: Answer[];
  /** A preview's exact requests (Nagios: the command lines); empty when acting. */
  lines: string[];
}

/**
 * The link's health now, in the shape of the protocol's MonitoringLink: `problem` is one
 * printable line naming what is wrong and what to do; `since` (ISO) when it became unreachable.
 */
export interface LinkHealth {
  backend: Exclude<MonitoringBackend, 'none'>;
  reachable: boolean;
  problem: string | null;
  since: string | null;
}

export interface MonitorEvents {
  /** What the backend shows changed (services, downtimes, acknowledgements): muting and confirmation may move. */
  readBack?(): void;
  /** The backend is back after an outage, or restarted: whatever it was sent meanwhile may be lost. */
  back?(why: string): void;
  /** The link's health changed. */
  health?(health: LinkHealth): void;
}

export interface Monitor {
  readonly backend: Exclude<MonitoringBackend, 'none'>;
  /** The backend's name in operators' messages: `Nagios`, `Icinga 2`. */
  readonly label: string;
  /** Whether read-back can confirm actions (a Nagios without status.dat cannot). */
  readonly confirms: boolean;

  /** Reads the backend a first time (status, objects), so muting is known before the first results. */
  start(): Promise<void>;
  close(): Promise<void>;
  subscribe(events: MonitorEvents): () => void;
  health(): LinkHealth;
  /**
   * Whether results sent now reach the backend (Nagios: its command file is read). Narrower than
   * `health().reachable`: a stale status.dat does not stop results going out.
   */
  readonly delivering: boolean;
  /** How old the backend's state as last read is (Nagios: status.dat's age); null when unknown. */
  readBackAgeSeconds?(now: number): number | null;

  /**
   * Why this slave cannot have a service in the backend (its name or mapping attributes), said as
   * one operator line; null when it can.
   */
  mappingProblem(slave: SlaveRef): string | null;
  /** What the operator does about a mapping problem, for the log line that says it. */
  readonly mappingFix: string;
  /**
   * Whether the backend has the slave's service as last read (true until read): a result for a
   * service it lacks is only noise in its log.
   */
  knows(slave: SlaveRef): boolean;

  /** Passive results, many at once (each slave's newest; the caller keeps it so). */
  submit(results: readonly PassiveResult[]): Promise<Answer[]>;
  /** Carries out an action on the targets, each answered on its own. */
  act(action: MonitorAction, targets: readonly SlaveRef[]): Promise<Answer[]>;
  /** What `act` would send, without sending anything. */
  preview(action: MonitorAction, targets: readonly SlaveRef[]): Promise<ActOutcome>;
  /** Whether what the backend shows now proves the action done on this target. */
  confirmed(action: ActionFacts, slave: SlaveRef): boolean;

  /** The slave's service as last read; null when the backend has none or nothing was read yet. */
  service(slave: SlaveRef): MonitoringView | null;
  /** Who mutes each of these slaves as last read (null: nothing does, or no service). */
  mutings(slaves: readonly SlaveRef[]): Map<string, SlaveMutes>;
}
