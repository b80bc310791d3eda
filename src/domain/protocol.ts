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

export type ServerMessage = HelloMessage | SnapshotMessage | DeltaMessage | ErrorMessage;

export interface ResyncRequest {
  type: 'resync';
}

export type ClientMessage = ResyncRequest;
