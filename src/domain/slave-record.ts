// What the collector knows of one slave, how a heartbeat changes it, and how it is shown.
import type { Heartbeat, HeartbeatKind } from './heartbeat.js';
import type { InventoryEntry } from './inventory.js';
import type { Muting, SlaveView, StartRecord } from './slave.js';
import {
  ageSeconds,
  stateOf,
  type Freshness,
  type RebootStatus,
  type SlaveState,
} from './state.js';
import { thresholdsFor, type ThresholdPolicy } from './thresholds.js';

/** A reboot under way or ended in needs-hands, and who started it (the operator and the action). */
export type SlaveReboot = RebootStatus & { by: string; actionId: number };

/** What mutes a slave: `muted` the one that counts most, `mutes` everything in effect. */
export interface SlaveMutes {
  muted: Muting | null;
  mutes: Muting[];
}

/** Times are epoch milliseconds. */
export interface SlaveRecord {
  name: string;
  /** As the slave last reported them; the inventory fills in what it did not say. */
  pool: string | null;
  master: string | null;
  firstSeen: number | null;
  lastStart: number | null;
  lastCritical: { at: number; message: string | null } | null;
  lastHeartbeat: { at: number; kind: HeartbeatKind; message: string | null } | null;
  /** Recent starts, oldest first, at most the configured history length. */
  starts: number[];
  inventory: InventoryEntry | null;
  reboot?: SlaveReboot | null;
  /** Who silenced the slave in Nagios (a downtime or an acknowledgement), read from status.dat. */
  muted?: Muting | null;
  /** Every downtime in effect and the acknowledgement, ending first first. */
  mutes?: Muting[];
}

export function newRecord(name: string, inventory: InventoryEntry | null = null): SlaveRecord {
  return {
    name,
    pool: null,
    master: null,
    firstSeen: null,
    lastStart: null,
    lastCritical: null,
    lastHeartbeat: null,
    starts: [],
    inventory,
  };
}

/**
 * The record after a heartbeat. Heartbeats may arrive out of order (replayed from a slave's
 * spool), so nothing moves backwards: the last start is the latest start ever seen.
 */
export function applyHeartbeat(r: SlaveRecord, h: Heartbeat, maxStarts: number): SlaveRecord {
  const isLatest = r.lastHeartbeat === null || h.at >= r.lastHeartbeat.at;
  const next: SlaveRecord = {
    ...r,
    firstSeen: r.firstSeen === null ? h.at : Math.min(r.firstSeen, h.at),
    lastHeartbeat: isLatest ? { at: h.at, kind: h.kind, message: h.message } : r.lastHeartbeat,
    pool: isLatest && h.pool !== null ? h.pool : r.pool,
    master: isLatest && h.master !== null ? h.master : r.master,
  };
  if (h.kind === 'start') {
    next.lastStart = r.lastStart === null ? h.at : Math.max(r.lastStart, h.at);
    next.starts = insertStart(r.starts, h.at, maxStarts);
    // A new start is the proof a reboot worked.
    if (r.reboot && h.at >= r.reboot.since) next.reboot = null;
  } else if (r.lastCritical === null || h.at >= r.lastCritical.at) {
    next.lastCritical = { at: h.at, message: h.message };
  }
  return next;
}

function insertStart(starts: number[], at: number, max: number): number[] {
  const out = starts.slice();
  let i = out.length;
  while (i > 0 && out[i - 1]! > at) i--;
  if (out[i - 1] === at) return starts;
  out.splice(i, 0, at);
  return out.length > max ? out.slice(out.length - max) : out;
}

export function freshnessOf(r: SlaveRecord): Freshness {
  return {
    lastStart: r.lastStart,
    lastCritical: r.lastCritical?.at ?? null,
    reboot: r.reboot ?? null,
  };
}

export function poolOf(r: SlaveRecord): string | null {
  return r.pool ?? r.inventory?.pool ?? null;
}

export function recordState(r: SlaveRecord, policy: ThresholdPolicy, now: number): SlaveState {
  return stateOf(freshnessOf(r), thresholdsFor(policy, poolOf(r)), now);
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toView(r: SlaveRecord, policy: ThresholdPolicy, now: number): SlaveView {
  return {
    name: r.name,
    pool: poolOf(r),
    master: r.master ?? r.inventory?.master ?? null,
    state: recordState(r, policy, now),
    inInventory: r.inventory !== null,
    attributes: r.inventory?.attributes ?? {},
    firstSeen: iso(r.firstSeen),
    lastStart: iso(r.lastStart),
    ageSeconds: ageSeconds(r.lastStart, now),
    lastHeartbeat: r.lastHeartbeat && {
      at: iso(r.lastHeartbeat.at)!,
      kind: r.lastHeartbeat.kind,
      message: r.lastHeartbeat.message,
    },
    lastCritical: r.lastCritical && {
      at: iso(r.lastCritical.at)!,
      message: r.lastCritical.message,
    },
    muted: r.muted ?? null,
    mutes: r.mutes ?? [],
    reboot: r.reboot ? rebootView(r.reboot) : null,
  };
}

function rebootView(r: SlaveReboot): SlaveView['reboot'] {
  const { by, actionId } = r;
  const since = iso(r.since)!;
  return r.phase === 'rebooting'
    ? { phase: 'rebooting', method: r.method, since, by, actionId }
    : { phase: 'needs-hands', since, by, actionId };
}

/** The recent starts, newest first, each with the interval since the one before it. */
export function startHistory(r: SlaveRecord): StartRecord[] {
  return r.starts
    .map((at, i) => ({
      at: iso(at)!,
      intervalSeconds: i === 0 ? null : Math.round((at - r.starts[i - 1]!) / 1000),
    }))
    .reverse();
}
