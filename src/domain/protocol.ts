// The WebSocket protocol at /api/v1/stream (docs/protocol.md describes it with examples).
import type { SlaveView } from './slave.js';
import type { Thresholds } from './state.js';

export const PROTOCOL_VERSION = 1;

export const ROLES = ['heartbeat', 'viewer', 'operator', 'relay'] as const;
export type Role = (typeof ROLES)[number];

export interface HelloMessage {
  type: 'hello';
  protocol: typeof PROTOCOL_VERSION;
  /** The collector's clock (ISO 8601 UTC); consoles tick ages from their offset to it. */
  serverTime: string;
  thresholds: { default: Thresholds; pools: Record<string, Thresholds> };
  you: { name: string; role: Role };
  /**
   * Whether this collector is wired to Nagios (`nagios.command_file`), so it takes the Nagios
   * actions (downtime, recheck, ack); reboots depend on `reboot` alone.
   */
  nagios?: boolean;
  /** The same as `nagios`, under the name consoles before it read; a console reads `nagios` first. */
  actions?: boolean;
  /** The reboot chains (method names, in order) when reboot methods are configured, else null. */
  reboot?: RebootChains | null;
  /** The monitoring system this collector is wired to and whether it is reachable now. */
  monitoring?: MonitoringLink;
  /** What needs a decision now (see HygieneItem). */
  hygiene?: HygieneItem[];
  /** Whether the collector's database takes writes now (absent from older collectors). */
  database?: DatabaseStatus;
}

/**
 * The collector's database as consoles see it: in `hello`, and in a `database` message whenever
 * it changes. While it has a problem, heartbeats get 503 and actions are refused.
 */
export interface DatabaseStatus {
  /** One printable line naming what is wrong (unreachable, writes failing); null when all is well. */
  problem: string | null;
  /** Since when (ISO 8601 UTC); null while all is well. */
  since: string | null;
}

/** Sent whenever the database's status changes (unreachable, back). */
export interface DatabaseMessage {
  type: 'database';
  database: DatabaseStatus;
}

/** The monitoring systems a collector can be wired to; `none` when it is wired to none. */
export type MonitoringBackend = 'nagios' | 'icinga2' | 'nagios-remote' | 'none';

/**
 * The collector's link to its monitoring system, as it stands now: in `hello`, and in a
 * `monitoring` message whenever it changes.
 */
export interface MonitoringLink {
  backend: MonitoringBackend;
  /** Whether an action or a result sent now would reach it (command file writable, status fresh). */
  reachable: boolean;
  /** One printable line naming what is wrong and what to do; null when all is well. */
  problem: string | null;
  /** When it became unreachable (ISO 8601 UTC); null while reachable. */
  since: string | null;
}

/** Sent whenever the monitoring link changes (unreachable, back, a different problem). */
export interface MonitoringMessage {
  type: 'monitoring';
  monitoring: MonitoringLink;
}

/** Method names in the order they are tried: the default chain and the pools' own. */
export interface RebootChains {
  methods: string[];
  pools: Record<string, string[]>;
}

export interface SnapshotMessage {
  type: 'snapshot';
  seq: number;
  serverTime: string;
  slaves: SlaveView[];
}

export interface DeltaMessage {
  type: 'delta';
  /** Always the previous message's seq + 1; a gap means the console must ask for a resync. */
  seq: number;
  serverTime: string;
  changed: SlaveView[];
  removed: string[];
}

export interface ErrorMessage {
  type: 'error';
  error: string;
  requestId?: string;
}

/** Bulk actions on slaves: through Nagios (docs/actions.md), and reboots (docs/reboot.md). */
export const ACTION_KINDS = [
  'downtime',
  'cancel-downtime',
  'recheck',
  'force-check',
  'ack',
  'remove-ack',
  'reboot',
  'cancel-reboot',
  'park',
  'unpark',
  'extend-downtime',
  'undo',
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** The kinds the reboot methods carry out; the others are Nagios commands. */
export type RebootActionKind = 'reboot' | 'cancel-reboot';
export type NagiosActionKind = Exclude<ActionKind, RebootActionKind>;

export function isRebootKind(kind: string | undefined): kind is RebootActionKind {
  return kind === 'reboot' || kind === 'cancel-reboot';
}

/** What an operator asks for, over the WebSocket or `POST /api/v1/actions`. */
export interface ActionRequest {
  kind: ActionKind;
  /** Slave names; every one must be known to the collector. */
  targets: string[];
  /**
   * downtime: `comment` (required), `duration` (`2h`, `30d`) or `until` (ISO 8601 with a zone),
   * optional `start` (`now` or ISO 8601), `flexible` (boolean). ack: `comment` (required),
   * `sticky` (default true). reboot: `includeMuted` (default false: slaves muted in Nagios are
   * skipped). downtime, ack: `skipMuted` (default false): skip targets already in a downtime or
   * acknowledged. ack: `reacknowledge` (default false: targets another operator acknowledged are
   * skipped). cancel-downtime: `author` (only that operator's downtimes) and/or `actionId` (only
   * the downtimes that downtime action made). The others take none.
   */
  params?: {
    comment?: string;
    duration?: string;
    until?: string;
    start?: string;
    flexible?: boolean;
    sticky?: boolean;
    includeMuted?: boolean;
    skipMuted?: boolean;
    reacknowledge?: boolean;
    author?: string;
    actionId?: number;
    /** park: why the slaves are parked (required), who owns them, when to look again, a ticket. */
    reason?: string;
    owner?: string;
    /** park: `30d` from now or an ISO 8601 date/time; never in the past. */
    review?: string;
    ticket?: string;
    /** downtime: ends when the slave's next buildbot start arrives (bounded by duration/until). */
    untilBack?: boolean;
    /** reboot: the rebooted slaves get an until-back downtime. */
    downtimeUntilBack?: boolean;
    /** extend-downtime: move the end by this (`7d`; `-2h` shortens), or to `until`. */
    extend?: string;
  };
  /** Render the Nagios command lines (or a reboot's argv) without doing or recording anything. */
  dryRun?: boolean;
}

/**
 * One target's progress. Nagios actions: `pending` before the write, then `failed` (with `error`)
 * or `sent`, then `confirmed` once status.dat shows it, or `unconfirmed` when Nagios did not show
 * it in time; `skipped` before anything is sent (already muted with `skipMuted`, acknowledged by
 * another operator, none of the downtimes a limited cancel removes). Reboots: `pending` while queued, `rebooting` while a method runs or the collector
 * waits for the slave's next start, then `back` (the start came), `needs-hands`, `cancelled`,
 * `skipped` (already rebooting, muted) or `failed` (before anything ran); `error` says why.
 */
export const TARGET_STATUSES = [
  'pending',
  'sent',
  'failed',
  'confirmed',
  'unconfirmed',
  'rebooting',
  'back',
  'needs-hands',
  'cancelled',
  'skipped',
] as const;
export type TargetStatus = (typeof TARGET_STATUSES)[number];

export interface ActionTargetView {
  slave: string;
  status: TargetStatus;
  error: string | null;
}

/** The parameters as the collector resolved them: times are ISO 8601 UTC. */
export interface ResolvedParams {
  comment?: string;
  start?: string;
  end?: string;
  fixed?: boolean;
  /** A flexible downtime lasts this long once it starts. */
  durationSeconds?: number;
  sticky?: boolean;
  includeMuted?: boolean;
  skipMuted?: boolean;
  reacknowledge?: boolean;
  /** cancel-downtime: only this operator's downtimes. */
  author?: string;
  /**
   * cancel-downtime, extend-downtime: only the downtimes this action made; undo: the action
   * undone.
   */
  actionId?: number;
  /** park: why, who owns the slaves, when to review (ISO 8601 UTC), a ticket URL. */
  reason?: string;
  owner?: string;
  review?: string;
  ticket?: string;
  /** downtime (and reboot, for the downtime it asks for): ends at the slave's next start. */
  untilBack?: boolean;
  /** extend-downtime: seconds the end moves (negative: shortened); `end` when given as a time. */
  extendSeconds?: number;
}

/**
 * How a finished action went: `done` (every target it acted on went through; skipped ones aside),
 * `partial` (some went through, some failed), `nothing` (every target skipped: nothing was done),
 * `failed` (none went through), `cancelled` (a reboot stopped by an operator or the collector's
 * shutdown before every slave was back).
 */
export const ACTION_OUTCOMES = ['done', 'partial', 'nothing', 'failed', 'cancelled'] as const;
export type ActionOutcome = (typeof ACTION_OUTCOMES)[number];

/** An audited action: who did what to which slaves, and how each went. */
export interface ActionView {
  id: number;
  /** When it was asked for (ISO 8601 UTC). */
  at: string;
  /** The operator token's name; also the Nagios author. */
  author: string;
  kind: ActionKind;
  params: ResolvedParams;
  /** `jdoe scheduled a 30d downtime on 48 slaves` */
  summary: string;
  targets: ActionTargetView[];
  counts: Record<TargetStatus, number>;
  /** Null while targets still wait for Nagios to confirm them. */
  finishedAt: string | null;
  /** Null until `finishedAt`. */
  outcome: ActionOutcome | null;
  /**
   * The operator whose `cancel-reboot` stopped this reboot (the first, if several did); null when
   * nobody did, or when the collector's shutdown did (the targets' `error` says so).
   */
  cancelledBy: string | null;
  /** The undo action that undid this one and its author; null while not undone. */
  undoneBy?: { actionId: number; by: string } | null;
}

/**
 * Something that needs an operator's decision (`corral hygiene`, the console's hygiene view):
 * `mute-ending` (a downtime or acknowledgement ends within 24 h while the slave is still late,
 * dead or critical), `muted-healthy` (muted though it cycled normally for its last starts),
 * `review-due` (parked past its review date), `foreign-downtime` (a downtime corral did not
 * make). `detail` is one printable line; `until` the end that matters (ISO 8601 UTC) or null.
 */
export const HYGIENE_KINDS = [
  'mute-ending',
  'muted-healthy',
  'review-due',
  'foreign-downtime',
] as const;
export type HygieneKind = (typeof HYGIENE_KINDS)[number];

export interface HygieneItem {
  kind: HygieneKind;
  slave: string;
  detail: string;
  /** Whose downtime, acknowledgement or park it is. */
  by: string | null;
  until: string | null;
}

/** Sent whenever the hygiene list changes; `hello` carries the list as it stands. */
export interface HygieneMessage {
  type: 'hygiene';
  items: HygieneItem[];
}

/** One reboot command as the audit log keeps it (`GET /api/v1/actions/{id}` lists them). */
export interface RebootAttemptView {
  slave: string;
  method: string;
  /** Exactly as it ran: no shell, one string per argument. */
  argv: string[];
  startedAt: string;
  durationMs: number;
  exitCode: number | null;
  signal: string | null;
  outcome: 'ok' | 'failed' | 'timed-out' | 'cancelled' | 'not-started';
  /** The first and last lines of its output (stdout and stderr), each bounded. */
  head: string[];
  tail: string[];
  omittedLines: number;
  /** Why it could not run (`spawn ipmitool ENOENT`). */
  error: string | null;
}

export type ActionEvent = 'started' | 'sent' | 'progress' | 'finished';

/**
 * Streamed to every console: `started` (targets pending), `sent` (the write's per-target
 * results), `progress` (more targets confirmed), `finished` (all settled). `requestId` echoes
 * the request of the console that asked.
 */
export interface ActionMessage {
  type: 'action';
  event: ActionEvent;
  requestId?: string;
  action: ActionView;
}

/**
 * The answer to a dry run: the exact lines that would be written to Nagios's command file, or for
 * a reboot each method's argv exactly as it would run (`t-001 ssh: ["ssh","cltbld@t-001",...]`).
 */
export interface DryRunView {
  dryRun: true;
  summary: string;
  targets: ActionTargetView[];
  lines: string[];
  /**
   * What the targets already have that bears on the action, whose and until when: their
   * downtimes in effect and acknowledgements, and reboots under way (for a `cancel-downtime`,
   * exactly the downtimes it would remove). Targets the request skips because of these are
   * `skipped`, with `error` saying whose.
   */
  existing: ExistingMute[];
}

/** A target's downtime, acknowledgement or reboot that was there before the action. */
export type ExistingMute =
  | {
      slave: string;
      kind: 'downtime';
      by: string;
      comment: string;
      /** ISO 8601 UTC. */
      start: string;
      end: string;
      /** Nagios: its number; Icinga 2: its name. */
      downtimeId: number | string;
    }
  | { slave: string; kind: 'acknowledgement'; by: string; comment: string }
  | {
      slave: string;
      kind: 'reboot';
      by: string;
      actionId: number;
      phase: 'rebooting' | 'needs-hands';
      since: string;
    };

export interface DryRunMessage extends DryRunView {
  type: 'dry-run';
  requestId?: string;
}

/** The stream itself: what every console handles. */
export type ServerMessage =
  | HelloMessage
  | SnapshotMessage
  | DeltaMessage
  | ErrorMessage
  | MonitoringMessage
  | HygieneMessage
  | DatabaseMessage;

/** Besides the stream, the answers and progress of actions (a console that acts handles these too). */
export type ActionServerMessage = ActionMessage | DryRunMessage;

export type AnyServerMessage = ServerMessage | ActionServerMessage;

export interface ResyncRequest {
  type: 'resync';
}

/** A console's action request; a refused one is answered by an `error` with the same requestId. */
export interface ActionRequestMessage extends ActionRequest {
  type: 'action';
  requestId: string;
}

export type ClientMessage = ResyncRequest | ActionRequestMessage;

/** How many targets are in each status. */
export function countTargets(
  targets: ReadonlyArray<{ status: TargetStatus }>,
): Record<TargetStatus, number> {
  const counts = Object.fromEntries(TARGET_STATUSES.map((s) => [s, 0])) as Record<
    TargetStatus,
    number
  >;
  for (const t of targets) counts[t.status]++;
  return counts;
}
