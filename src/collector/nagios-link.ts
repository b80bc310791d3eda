// The collector's side of Nagios: forwards each slave's newest heartbeat and its threshold crossings
// as passive results, and reads status.dat back into who muted which slave. A Nagios that is down
// never slows or fails heartbeat ingest: failures are counted and logged, not passed on.
import type { Heartbeat } from '../domain/heartbeat.js';
import type { Muting } from '../domain/slave.js';
import { poolOf, recordState, type SlaveRecord } from '../domain/slave-record.js';
import type { Thresholds } from '../domain/state.js';
import { thresholdsFor } from '../domain/thresholds.js';
import { NagiosBridge, type ActionOutcome, type SlaveRef } from '../nagios/bridge.js';
import { checkMapping, type NagiosMapping } from '../nagios/mapping.js';
import { mutingOf } from '../nagios/muting.js';
import {
  serviceKey,
  type Downtime,
  type NagiosStatus,
  type StatusComment,
} from '../nagios/status-file.js';
import type { NagiosSettings } from './config.js';
import type { Fleet, StateChange } from './fleet.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { StatusThread } from './status-thread.js';

/** A heartbeat older than this when it arrives (replayed from a spool) is sent as the slave's current state. */
const FRESH_HEARTBEAT_MS = 60_000;
const STATUS_POLL_MS = 1000;
/** At most one log line per this long about Nagios failing, so a Nagios that is down cannot flood the log. */
const LOG_EVERY_MS = 60_000;

type Pending =
  | { kind: 'heartbeat'; slave: SlaveRef; heartbeat: Heartbeat }
  | { kind: 'current'; slave: SlaveRef }
  | { kind: 'freshness'; slave: SlaveRef; ageSeconds: number; thresholds: Thresholds };

export function slaveRef(record: SlaveRecord): SlaveRef {
  return { name: record.name, attributes: record.inventory?.attributes ?? {} };
}

export class NagiosLink {
  readonly bridge: NagiosBridge;
  readonly mapping: NagiosMapping;
  private readonly reader: StatusThread | null;
  private latest: NagiosStatus | null = null;
  private readonly statusListeners = new Set<(status: NagiosStatus) => void>();
  /** Per slave, the one result still to send: a newer one replaces an older one not yet written. */
  private pending = new Map<string, Pending>();
  private sending: Promise<void> | null = null;
  private readonly poller: NodeJS.Timeout | null;
  private polling = false;
  private closed = false;
  private readonly lastLogged = new Map<string, { at: number; suppressed: number }>();

  constructor(
    readonly settings: NagiosSettings & { commandFile: string },
    private readonly fleet: Fleet,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.mapping = checkMapping({ hostTemplate: settings.host, service: settings.service });
    this.bridge = new NagiosBridge({
      commandFile: settings.commandFile,
      statusFile: settings.statusFile,
      // The copy parsed in the worker thread: the bridge reads status.dat itself only while there is none.
      status: () => this.latest,
      mapping: this.mapping,
    });
    this.reader = settings.statusFile ? new StatusThread(settings.statusFile) : null;
    this.poller = this.reader ? setInterval(() => void this.pollStatus(), STATUS_POLL_MS) : null;
    this.poller?.unref();
  }

  /** status.dat as last read whole; null without a status file or before the first read. */
  get status(): NagiosStatus | null {
    return this.latest;
  }

  onStatus(listener: (status: NagiosStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /**
   * After a group commit: each slave's newest heartbeat goes to Nagios. One that is not the
   * slave's newest (a late replay) is not sent: Nagios would apply it over the newer result.
   * A newest one that is old by the time it arrives is sent as the slave's current state, with its true age.
   */
  afterCommit(heartbeats: readonly Heartbeat[]): void {
    const now = Date.now();
    for (const h of heartbeats) {
      const record = this.fleet.get(h.slave);
      const last = record?.lastHeartbeat;
      if (!record || !last || last.at !== h.at || last.kind !== h.kind) continue;
      const slave = slaveRef(record);
      this.pending.set(
        h.slave,
        now - h.at > FRESH_HEARTBEAT_MS
          ? { kind: 'current', slave }
          : { kind: 'heartbeat', slave, heartbeat: h },
      );
    }
    this.kick();
  }

  /** After the clock tick: a slave that time made late or dead is WARNING or CRITICAL in Nagios now. */
  afterTick(changes: readonly StateChange[], now: number): void {
    for (const c of changes) {
      if (c.to !== 'late' && c.to !== 'dead') continue;
      const record = this.fleet.get(c.name);
      if (record) this.queueFreshness(record, now);
    }
    this.kick();
  }

  /**
   * At startup, once the fleet and inventory are loaded: reads status.dat a first time, then
   * submits the result of every slave that is late or dead now, as afterTick would have. The
   * fleet loads its states silently, so a crossing made while the collector was down would
   * otherwise reach Nagios only at the slave's next change (for a dead slave, maybe never).
   */
  async start(): Promise<void> {
    await this.pollStatus();
    if (this.closed) return;
    const now = Date.now();
    let queued = 0;
    for (const record of this.fleet.all()) {
      // A heartbeat or a crossing that came in meanwhile is newer: it stays.
      if (this.pending.has(record.name)) continue;
      const state = recordState(record, this.fleet.policy, now);
      if ((state === 'late' || state === 'dead') && this.queueFreshness(record, now)) queued++;
    }
    if (queued > 0)
      this.log.info({ slaves: queued }, 'sending Nagios the results of the late and dead slaves');
    this.kick();
  }

  private queueFreshness(record: SlaveRecord, now: number): boolean {
    if (record.lastStart === null) return false;
    this.pending.set(record.name, {
      kind: 'freshness',
      slave: slaveRef(record),
      ageSeconds: Math.floor((now - record.lastStart) / 1000),
      thresholds: thresholdsFor(this.fleet.policy, poolOf(record)),
    });
    return true;
  }

  /** Waits until every result handed over so far has been written (or has failed). */
  async drain(): Promise<void> {
    while (this.sending !== null) await this.sending;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    this.statusListeners.clear();
    await this.drain();
    await this.reader?.close();
  }

  private kick(): void {
    if (this.sending !== null || this.pending.size === 0) return;
    this.sending = this.sendPending().finally(() => {
      this.sending = null;
      this.kick();
    });
  }

  private async sendPending(): Promise<void> {
    const batch = [...this.pending.values()].filter((p) => this.knownToNagios(p.slave));
    this.pending = new Map();
    const beats = batch.filter((p) => p.kind === 'heartbeat');
    const current = batch.filter((p) => p.kind === 'current');
    const freshness = batch.filter((p) => p.kind === 'freshness');
    const now = Date.now();
    if (beats.length > 0) {
      await this.count(
        'heartbeat',
        this.bridge.forwardHeartbeats(
          beats.map((p) => ({
            slave: p.slave,
            kind: p.heartbeat.kind,
            master: p.heartbeat.master ?? this.fleet.get(p.slave.name)?.master ?? null,
            message: p.heartbeat.message,
          })),
        ),
      );
    }
    if (current.length > 0) {
      const views = current.flatMap((p) => this.fleet.view(p.slave.name, now) ?? []);
      await this.count('current', this.bridge.resubmit(views));
    }
    if (freshness.length > 0) {
      await this.count('freshness', this.bridge.submitFreshness(freshness));
    }
  }

  /**
   * Whether Nagios has the slave's service, as status.dat last said (true until it was read):
   * a result for a service Nagios lacks only adds a warning to its log.
   */
  private knownToNagios(slave: SlaveRef): boolean {
    if (this.latest === null) return true;
    try {
      const t = this.bridge.targetOf(slave);
      if (this.latest.services.has(serviceKey(t.host, t.service))) return true;
    } catch {
      // a name that cannot be a Nagios host: the bridge fails it, counted below
      return true;
    }
    this.metrics.nagiosResults.inc({ outcome: 'not_in_nagios' });
    return false;
  }

  private async count(what: string, outcome: Promise<ActionOutcome>): Promise<void> {
    let results: ActionOutcome['results'];
    try {
      results = (await outcome).results;
    } catch (err) {
      this.warn('forward', { what, reason: (err as Error).message }, 'forwarding to Nagios failed');
      return;
    }
    let failed = 0;
    for (const r of results) {
      if (r.ok) continue;
      failed++;
      this.warn(
        'forward',
        { what, slave: r.slave, reason: r.error },
        'Nagios did not get a result',
      );
    }
    this.metrics.nagiosResults.inc({ outcome: 'sent' }, results.length - failed);
    this.metrics.nagiosResults.inc({ outcome: 'failed' }, failed);
  }

  /** Reads status.dat when it changed and puts who muted which slave into the records. */
  async pollStatus(): Promise<void> {
    if (!this.reader || this.polling || this.closed) return;
    this.polling = true;
    try {
      const read = await this.reader.read();
      if (!read || !read.fresh) return;
      this.latest = read.status;
      this.fleet.setMuting(this.mutingOfAll(read.status));
      for (const listener of this.statusListeners) listener(read.status);
    } catch (err) {
      if (this.closed) return;
      this.warn('status', { reason: (err as Error).message }, 'cannot read Nagios status.dat');
    } finally {
      this.polling = false;
    }
  }

  /** Muting for every slave, with downtimes and comments indexed once (not scanned per slave). */
  private mutingOfAll(status: NagiosStatus): Map<string, Muting | null> {
    const downtimes = groupBy(status.downtimes);
    const comments = groupBy(status.comments);
    const out = new Map<string, Muting | null>();
    for (const record of this.fleet.all()) {
      try {
        const target = this.bridge.targetOf(slaveRef(record));
        const key = serviceKey(target.host, target.service);
        const own: NagiosStatus = {
          created: status.created,
          services: status.services,
          downtimes: downtimes.get(key) ?? [],
          comments: comments.get(key) ?? [],
        };
        out.set(record.name, mutingOf(own, target));
      } catch {
        // A slave whose name cannot be a Nagios host has no service there: nothing mutes it.
        out.set(record.name, null);
      }
    }
    return out;
  }

  private warn(topic: string, details: Record<string, unknown>, msg: string): void {
    const now = Date.now();
    const last = this.lastLogged.get(topic);
    if (last && now - last.at < LOG_EVERY_MS) {
      last.suppressed++;
      return;
    }
    this.lastLogged.set(topic, { at: now, suppressed: 0 });
    this.log.warn({ ...details, suppressedSinceLast: last?.suppressed ?? 0 }, msg);
  }
}

function groupBy<T extends Downtime | StatusComment>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const key = serviceKey(item.host, item.service);
    const list = out.get(key);
    if (list) list.push(item);
    else out.set(key, [item]);
  }
  return out;
}
