// The WebSocket protocol at /api/v1/stream (docs/protocol.md describes it with examples).
import type { SlaveView } from './slave.js';
import type { Thresholds } from './state.js';

export const PROTOCOL_VERSION = 1;

export const ROLES = ['heartbeat', 'viewer', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export interface HelloMessage {
  type: 'hello';
  protocol: typeof PROTOCOL_VERSION;
  /** The collector's clock (ISO 8601 UTC); consoles tick ages from their offset to it. */
  serverTime: string;
  thresholds: { default: Thresholds; pools: Record<string, Thresholds> };
  you: { name: string; role: Role };
  /** Whether this collector is wired to Nagios, so operators can act (downtime, recheck, ack). */
  actions?: boolean;
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

/** Bulk actions on slaves through Nagios (docs/actions.md). */
export const ACTION_KINDS = [
  'downtime',
  'cancel-downtime',
  'recheck',
  'force-check',
  'ack',
  'remove-ack',
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** What an operator asks for, over the WebSocket or `POST /api/v1/actions`. */
export interface ActionRequest {
  kind: ActionKind;
  /** Slave names; every one must be known to the collector. */
  targets: string[];
  /**
   * downtime: `comment` (required), `duration` (`2h`, `30d`) or `until` (ISO 8601 with a zone),
   * optional `start` (`now` or ISO 8601), `flexible` (boolean). ack: `comment` (required),
   * `sticky` (default true). The others take none.
   */
  params?: {
    comment?: string;
    duration?: string;
    until?: string;
    start?: string;
    flexible?: boolean;
    sticky?: boolean;
  };
  /** Render the Nagios command lines without writing or recording anything. */
  dryRun?: boolean;
}

/**
 * One target's progress: `pending` before the write, then `failed` (with `error`) or `sent`,
 * then `confirmed` once status.dat shows it, or `unconfirmed` when Nagios did not show it in time.
 */
export const TARGET_STATUSES = ['pending', 'sent', 'failed', 'confirmed', 'unconfirmed'] as const;
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
}

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

/** The answer to a dry run: the exact lines that would be written to Nagios's command file. */
export interface DryRunView {
  dryRun: true;
  summary: string;
  targets: ActionTargetView[];
  lines: string[];
}

export interface DryRunMessage extends DryRunView {
  type: 'dry-run';
  requestId?: string;
}

/** The stream itself: what every console handles. */
export type ServerMessage = HelloMessage | SnapshotMessage | DeltaMessage | ErrorMessage;

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
