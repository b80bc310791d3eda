// The collector's side of Nagios: forwards each slave's newest heartbeat and its threshold crossings
// as passive results, and reads status.dat back into who muted which slave. A Nagios that is down
// never slows or fails heartbeat ingest; what it missed is sent again, at a bounded rate, once it is
// back, and a slave never heard from gets its CRITICAL once its critical threshold has passed.
// It is also what the actions and a slave's detail see of Nagios.
import type { Heartbeat } from '../domain/heartbeat.js';
import type { NagiosView } from '../domain/slave.js';
import { poolOf, recordState, type SlaveMutes, type SlaveRecord } from '../domain/slave-record.js';
import type { Thresholds } from '../domain/state.js';
import { thresholdsFor } from '../domain/thresholds.js';
import {
  NagiosBridge,
  type ActionOutcome,
  type LineWriter,
  type SlaveRef,
} from '../nagios/bridge.js';
import { CommandFileWriter } from '../nagios/command-file.js';
import { NagiosInputError, type ServiceRef } from '../nagios/commands.js';
import { checkMapping, type NagiosMapping } from '../nagios/mapping.js';
import { mutesOf, NOT_MUTED } from '../nagios/muting.js';
import { NeverHeard } from '../nagios/never-heard.js';
import { serviceView } from '../nagios/service-view.js';
import {
  serviceKey,
  type Downtime,
  type NagiosStatus,
  type StatusComment,
} from '../nagios/status-file.js';
import type { NagiosSettings } from './config.js';
import type { Fleet, StateChange } from './fleet.js';
import type { Health } from './health.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { NagiosWatch } from './nagios-watch.js';

/** A heartbeat older than this when it arrives (replayed from a spool) is sent as the slave's current state. */
const FRESH_HEARTBEAT_MS = 60_000;
/** At most one log line per this long about results failing, so a flood cannot fill the log. */
const LOG_EVERY_MS = 60_000;
/**
 * Results owed to Nagios go out at most RESEND_BATCH every RESEND_EVERY_MS (2,000 a second: 10,000
 * slaves in 5 s, in packed writes of 4 KiB), so a Nagios just back is not handed a full pipe.
 */
const RESEND_BATCH = 200;
const RESEND_EVERY_MS = 100;

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
  private readonly watch: NagiosWatch;
  private readonly statusListeners = new Set<(status: NagiosStatus) => void>();
  /** Per slave, the one result still to send: a newer one replaces an older one not yet written. */
  private pending = new Map<string, Pending>();
  private sending: Promise<void> | null = null;
  /** Slaves whose current state Nagios may have missed, in the order they are to be sent again. */
  private readonly owed = new Set<string>();
  private pump: NodeJS.Timeout | null = null;
  private resent = 0;
  private readonly neverHeard = new NeverHeard();
  /** Slaves whose name or attributes cannot be a Nagios service, with why (said once each). */
  private readonly unmappable = new Map<string, string>();
  private closed = false;
  private readonly lastLogged = new Map<string, { at: number; suppressed: number }>();

  constructor(
    readonly settings: NagiosSettings & { commandFile: string },
    private readonly fleet: Fleet,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    health: Health,
  ) {
    this.mapping = checkMapping({ hostTemplate: settings.host, service: settings.service });
    this.watch = new NagiosWatch(
      settings,
      new CommandFileWriter(settings.commandFile),
      health,
      metrics,
      log,
      { onStatus: (status) => this.applyStatus(status), onBack: (why) => this.resendAll(why) },
    );
    // Through the watch: every write, an action's too, tells whether Nagios is reading.
    this.bridge = this.bridgeWriting(this.watch);
  }

  /** status.dat as last read whole; null without a status file or before the first read. */
  get status(): NagiosStatus | null {
    return this.watch.status;
  }

  get hasStatusFile(): boolean {
    return this.settings.statusFile !== null;
  }

  /** For a dry run: a bridge like the real one that hands its lines to `writer`, not to Nagios. */
  dryRunBridge(writer: LineWriter): NagiosBridge {
    return this.bridgeWriting(writer);
  }

  private bridgeWriting(writer: LineWriter): NagiosBridge {
    return new NagiosBridge({
      commandFile: this.settings.commandFile,
      statusFile: this.settings.statusFile,
      // The copy parsed in the worker thread: the bridge reads status.dat itself only while there is none.
      status: () => this.watch.status,
      mapping: this.mapping,
      writer,
    });
  }

  /**
   * The slave's service as status.dat last showed it (state, output, downtimes, comments), for
   * its detail; null when Nagios has none, or status.dat was not read yet.
   */
  serviceView(name: string): NagiosView | null {
    const record = this.fleet.get(name);
    const status = this.watch.status;
    if (!record || !status) return null;
    const target = this.targetOf(slaveRef(record));
    return target && serviceView(status, target);
  }

  statusAgeSeconds(now: number): number | null {
    return this.watch.statusAgeSeconds(now);
  }

  /** How many slaves wait to have their current state sent to Nagios again. */
  get owedCount(): number {
    return this.owed.size;
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
      this.neverHeard.forget(h.slave);
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

  /**
   * After the clock tick: a slave that time made late or dead is WARNING or CRITICAL in Nagios
   * now, and one never heard from whose critical threshold passed since it was listed is CRITICAL.
   */
  afterTick(changes: readonly StateChange[], now: number): void {
    for (const c of changes) {
      if (c.to !== 'late' && c.to !== 'dead') continue;
      const record = this.fleet.get(c.name);
      if (record) this.queueFreshness(record, now);
    }
    for (const name of this.neverHeard.takeDue(now)) {
      const record = this.fleet.get(name);
      if (record && !this.pending.has(name))
        this.pending.set(name, { kind: 'current', slave: slaveRef(record) });
    }
    this.kick();
  }

  /** After the inventory changed: which slaves are listed and silent, and since when. */
  afterInventory(now: number): void {
    const silent = [];
    for (const record of this.fleet.all()) {
      if (record.lastHeartbeat !== null) continue;
      const { criticalSeconds } = thresholdsFor(this.fleet.policy, poolOf(record));
      silent.push({ name: record.name, criticalSeconds });
    }
    this.neverHeard.update(silent, now);
  }

  /**
   * At startup, once the fleet and inventory are loaded: reads status.dat a first time, then
   * submits the result of every slave that is late or dead now, as afterTick would have. The
   * fleet loads its states silently, so a crossing made while the collector was down would
   * otherwise reach Nagios only at the slave's next change (for a dead slave, maybe never).
   */
  async start(): Promise<void> {
    await this.watch.poll();
    if (this.closed) return;
    const now = Date.now();
    this.afterInventory(now);
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
    this.stopPump();
    this.statusListeners.clear();
    await this.drain();
    await this.watch.close();
  }

  /** Nagios is back: every slave's current state goes again, as Nagios may have missed any. */
  private resendAll(why: string): void {
    if (this.closed) return;
    for (const record of this.fleet.all()) this.owed.add(record.name);
    this.log.info({ slaves: this.owed.size }, `${why}: sending every slave's current state again`);
    this.startPump();
  }

  /** Slaves whose result did not reach Nagios: their current state goes again. */
  private owe(names: readonly string[]): void {
    for (const name of names) this.owed.add(name);
    this.startPump();
  }

  private startPump(): void {
    if (this.pump !== null || this.closed || this.owed.size === 0) return;
    this.pump = setInterval(() => this.pumpOnce(), RESEND_EVERY_MS);
    this.pump.unref();
  }

  private stopPump(): void {
    if (this.pump !== null) clearInterval(this.pump);
    this.pump = null;
  }

  /**
   * Hands the next owed slaves to the sender, each as its state now. Waits while Nagios is
   * unreachable (its return owes everything anyway) and while a write is under way (so the rate
   * follows Nagios's pace). A slave with a newer result waiting is skipped: that one goes.
   */
  private pumpOnce(): void {
    if (!this.watch.reachable || this.sending !== null) return;
    const now = Date.now();
    let taken = 0;
    for (const name of this.owed) {
      if (taken === RESEND_BATCH) break;
      this.owed.delete(name);
      taken++;
      const record = this.fleet.get(name);
      if (!record || this.pending.has(name) || !this.neverHeard.maySend(name, now)) continue;
      this.pending.set(name, { kind: 'current', slave: slaveRef(record) });
      this.resent++;
    }
    if (this.owed.size === 0) {
      this.stopPump();
      this.log.info({ slaves: this.resent }, 'owed results handed to Nagios');
      this.resent = 0;
    }
    this.kick();
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
    const t = this.targetOf(slave);
    if (t === null) {
      this.metrics.nagiosResults.inc({ outcome: 'failed' });
      return false;
    }
    const status = this.watch.status;
    if (status === null || status.services.has(serviceKey(t.host, t.service))) return true;
    this.metrics.nagiosResults.inc({ outcome: 'not_in_nagios' });
    return false;
  }

  /**
   * The slave's Nagios service; null when its name or its nagios_host / nagios_service
   * attributes cannot be one, which is logged once per slave (until the reason changes).
   */
  private targetOf(slave: SlaveRef): ServiceRef | null {
    try {
      const target = this.bridge.targetOf(slave);
      this.unmappable.delete(slave.name);
      return target;
    } catch (err) {
      if (!(err instanceof NagiosInputError)) throw err;
      if (this.unmappable.get(slave.name) !== err.message) {
        this.unmappable.set(slave.name, err.message);
        this.log.warn(
          { slave: slave.name, reason: err.message },
          `${slave.name} cannot have a Nagios service, so Nagios hears nothing of it: fix its nagios_host or nagios_service attribute in the inventory, or nagios.host in corral.yaml`,
        );
      }
      return null;
    }
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
    const unwritten: string[] = [];
    for (const r of results) {
      if (r.ok) continue;
      failed++;
      // The watch has said why the write failed; the slave's state goes again when it can.
      if (r.unwritten) {
        unwritten.push(r.slave);
        continue;
      }
      this.warn(
        'forward',
        { what, slave: r.slave, reason: r.error },
        'Nagios did not get a result',
      );
    }
    this.metrics.nagiosResults.inc({ outcome: 'sent' }, results.length - failed);
    this.metrics.nagiosResults.inc({ outcome: 'failed' }, failed);
    this.owe(unwritten);
  }

  /** A changed status.dat: who muted which slave goes into the records. */
  private applyStatus(status: NagiosStatus): void {
    if (this.closed) return;
    this.fleet.setMuting(this.mutingOfAll(status));
    for (const listener of this.statusListeners) listener(status);
  }

  /** Muting for every slave, with downtimes and comments indexed once (not scanned per slave). */
  private mutingOfAll(status: NagiosStatus): Map<string, SlaveMutes> {
    const downtimes = groupBy(status.downtimes);
    const comments = groupBy(status.comments);
    const out = new Map<string, SlaveMutes>();
    for (const record of this.fleet.all()) {
      const target = this.targetOf(slaveRef(record));
      if (target === null) {
        out.set(record.name, NOT_MUTED); // no service in Nagios: nothing there mutes it
        continue;
      }
      const key = serviceKey(target.host, target.service);
      const own: NagiosStatus = {
        ...status,
        downtimes: downtimes.get(key) ?? [],
        comments: comments.get(key) ?? [],
      };
      out.set(record.name, mutesOf(own, target));
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
