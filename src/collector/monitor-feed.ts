// The collector's side of its monitoring system: forwards each slave's newest heartbeat and its
// threshold crossings as passive results, and reads back who muted which slave. A backend that is
// down never slows or fails heartbeat ingest; what it missed is sent again, at a bounded rate, once
// it is back, and a slave never heard from gets its CRITICAL once its critical threshold has passed.
// It talks to the backend through the seam (src/monitoring/monitor.ts) only.
import type { Heartbeat } from '../domain/heartbeat.js';
import type { MonitoringView } from '../domain/slave.js';
import { poolOf, recordState, type SlaveRecord } from '../domain/slave-record.js';
import type { Thresholds } from '../domain/state.js';
import { thresholdsFor } from '../domain/thresholds.js';
import type { Answer, Monitor, PassiveResult, SlaveRef } from '../monitoring/monitor.js';
import { currentPassive, freshnessPassive, heartbeatPassive } from '../monitoring/results.js';
import { NeverHeard } from '../nagios/never-heard.js';
import type { Fleet, StateChange } from './fleet.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

/** A heartbeat older than this when it arrives (replayed from a spool) is sent as the slave's current state. */
const FRESH_HEARTBEAT_MS = 60_000;
/** At most one log line per this long about results failing, so a flood cannot fill the log. */
const LOG_EVERY_MS = 60_000;
/**
 * Results owed to the backend go out at most RESEND_BATCH every RESEND_EVERY_MS (2,000 a second:
 * 10,000 slaves in 5 s; to Nagios in packed writes of 4 KiB), so a backend just back is not flooded.
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

export class MonitorFeed {
  private readonly unsubscribe: () => void;
  /** Per slave, the one result still to send: a newer one replaces an older one not yet written. */
  private pending = new Map<string, Pending>();
  private sending: Promise<void> | null = null;
  /** Slaves whose current state the backend may have missed, in the order they are to be sent again. */
  private readonly owed = new Set<string>();
  private pump: NodeJS.Timeout | null = null;
  private resent = 0;
  private readonly neverHeard = new NeverHeard();
  /** Slaves whose name or attributes cannot be a service in the backend, with why (said once each). */
  private readonly unmappable = new Map<string, string>();
  private closed = false;
  /** Only the owner forwards (see ownership.ts); every collector with the link reads the backend back. */
  private forwarding = false;
  private started: Promise<void> | null = null;
  private readonly lastLogged = new Map<string, { at: number; suppressed: number }>();

  constructor(
    readonly monitor: Monitor,
    private readonly fleet: Fleet,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.unsubscribe = monitor.subscribe({
      readBack: () => this.applyReadBack(),
      back: (why) => this.resendAll(why),
    });
  }

  /** The slave's service as the backend last showed it, for its detail; null when it has none. */
  serviceView(name: string): MonitoringView | null {
    const record = this.fleet.get(name);
    return record ? this.monitor.service(slaveRef(record)) : null;
  }

  /** How many slaves wait to have their current state sent to the backend again. */
  get owedCount(): number {
    return this.owed.size;
  }

  /**
   * After a group commit: each slave's newest heartbeat goes to the backend. One that is not the
   * slave's newest (a late replay) is not sent: Nagios, for one, would apply it over the newer result.
   * A newest one that is old by the time it arrives is sent as the slave's current state, with its true age.
   */
  afterCommit(heartbeats: readonly Heartbeat[]): void {
    const now = Date.now();
    for (const h of heartbeats) {
      this.neverHeard.forget(h.slave);
      if (!this.forwarding) continue;
      const record = this.fleet.get(h.slave);
      const last = record?.lastHeartbeat;
      if (!record || !last || last.at !== h.at || last.kind !== h.kind) continue;
      const slave = slaveRef(record);
      // This result is the slave's newest: an older one still owed would only overwrite its words.
      this.owed.delete(h.slave);
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
   * After the clock tick: a slave that time made late or dead is WARNING or CRITICAL in the backend
   * now, and one never heard from whose critical threshold passed since it was listed is CRITICAL.
   */
  afterTick(changes: readonly StateChange[], now: number): void {
    if (!this.forwarding) return;
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

  /** At startup: reads the backend a first time (every collector with the link shows its muting). */
  start(): Promise<void> {
    this.started ??= this.monitor.start();
    return this.started;
  }

  /**
   * Forwarding begins (this collector owns the work): once the backend was read, the result of
   * every slave that is late or dead now is submitted, as afterTick would have. The fleet loads its
   * states silently, so a crossing made while the collector was down would otherwise reach the
   * backend only at the slave's next change (for a dead slave, maybe never). A collector taking
   * over (`everything`) sends every slave's current state: the last owner may have missed any.
   */
  async startForwarding(everything: boolean): Promise<void> {
    this.forwarding = true;
    await this.start();
    if (this.closed || !this.forwarding) return;
    const now = Date.now();
    this.afterInventory(now);
    let queued = 0;
    for (const record of this.fleet.all()) {
      // A heartbeat or a crossing that came in meanwhile is newer: it stays.
      if (this.pending.has(record.name)) continue;
      const state = recordState(record, this.fleet.policy, now);
      if ((state === 'late' || state === 'dead') && this.queueFreshness(record, now)) queued++;
      else if (everything) this.owed.add(record.name);
    }
    if (queued > 0)
      this.log.info(
        { slaves: queued },
        `sending ${this.monitor.label} the results of the late and dead slaves`,
      );
    if (everything && this.owed.size > 0) {
      this.log.info(
        { slaves: this.owed.size },
        "took over forwarding as the owner: sending every other slave's current state again",
      );
      this.startPump();
    }
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

  /** Forwarding stops at once (no longer the owner): nothing waiting is sent; what is being written finishes. */
  stopForwarding(): Promise<void> {
    this.forwarding = false;
    this.stopPump();
    this.pending = new Map();
    this.owed.clear();
    return this.drain();
  }

  /** Waits until every result handed over so far has been written (or has failed). */
  async drain(): Promise<void> {
    while (this.sending !== null) await this.sending;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopPump();
    this.unsubscribe();
    await this.drain();
    await this.monitor.close();
  }

  /** The backend is back: every slave's current state goes again, as it may have missed any. */
  private resendAll(why: string): void {
    if (this.closed || !this.forwarding) return;
    for (const record of this.fleet.all()) this.owed.add(record.name);
    this.log.info({ slaves: this.owed.size }, `${why}: sending every slave's current state again`);
    this.startPump();
  }

  /** Slaves whose result did not reach the backend: their current state goes again. */
  private owe(names: readonly string[]): void {
    if (!this.forwarding) return;
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
   * Hands the next owed slaves to the sender, each as its state now. Waits while the backend
   * takes nothing (its return owes everything anyway) and while a submission is under way (so the
   * rate follows the backend's pace). A slave with a newer result waiting is skipped: that one goes.
   */
  private pumpOnce(): void {
    if (!this.monitor.delivering || this.sending !== null) return;
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
      this.log.info({ slaves: this.resent }, `owed results handed to ${this.monitor.label}`);
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

  /**
   * Every result waiting, in one submission: heartbeats, then current states, then crossings
   * (each slave has one, its newest).
   */
  private async sendPending(): Promise<void> {
    const batch = [...this.pending.values()].filter((p) => this.knownToBackend(p.slave));
    this.pending = new Map();
    const now = Date.now();
    const results: PassiveResult[] = [];
    for (const p of batch) {
      if (p.kind !== 'heartbeat') continue;
      const h = p.heartbeat;
      const master = h.master ?? this.fleet.get(p.slave.name)?.master ?? null;
      results.push(heartbeatPassive(p.slave, h.kind, master, h.message));
    }
    for (const p of batch) {
      if (p.kind !== 'current') continue;
      const view = this.fleet.view(p.slave.name, now);
      if (view) results.push(currentPassive(view));
    }
    for (const p of batch) {
      if (p.kind === 'freshness')
        results.push(freshnessPassive(p.slave, p.ageSeconds, p.thresholds));
    }
    if (results.length > 0) await this.count(this.monitor.submit(results));
  }

  /**
   * Whether the backend has the slave's service, as last read (true until read): a result for a
   * service it lacks only adds a warning to its log.
   */
  private knownToBackend(slave: SlaveRef): boolean {
    if (!this.mappable(slave)) {
      this.metrics.nagiosResults.inc({ outcome: 'failed' });
      return false;
    }
    if (this.monitor.knows(slave)) return true;
    this.metrics.nagiosResults.inc({ outcome: 'not_in_nagios' });
    return false;
  }

  /**
   * Whether the slave can have a service in the backend; when its name or its mapping attributes
   * cannot be one, that is logged once per slave (until the reason changes).
   */
  private mappable(slave: SlaveRef): boolean {
    const reason = this.monitor.mappingProblem(slave);
    if (reason === null) {
      this.unmappable.delete(slave.name);
      return true;
    }
    if (this.unmappable.get(slave.name) !== reason) {
      this.unmappable.set(slave.name, reason);
      const { label, mappingFix } = this.monitor;
      this.log.warn(
        { slave: slave.name, reason },
        `${slave.name} cannot have a ${label} service, so ${label} hears nothing of it: ${mappingFix}`,
      );
    }
    return false;
  }

  private async count(submitted: Promise<Answer[]>): Promise<void> {
    let answers: Answer[];
    try {
      answers = await submitted;
    } catch (err) {
      this.warn(
        'forward',
        { reason: (err as Error).message },
        `forwarding to ${this.monitor.label} failed`,
      );
      return;
    }
    let failed = 0;
    const unsent: string[] = [];
    for (const a of answers) {
      if (a.outcome === 'sent' || a.outcome === 'done') continue;
      failed++;
      // The backend's health says why it was not reached; the slave's state goes again when it can.
      if (a.outcome === 'unsent') {
        unsent.push(a.slave);
        continue;
      }
      this.warn(
        'forward',
        { slave: a.slave, reason: a.reason },
        `${this.monitor.label} did not take a result`,
      );
    }
    this.metrics.nagiosResults.inc({ outcome: 'sent' }, answers.length - failed);
    this.metrics.nagiosResults.inc({ outcome: 'failed' }, failed);
    this.owe(unsent);
  }

  /** What the backend shows changed: who muted which slave goes into the records. */
  private applyReadBack(): void {
    if (this.closed) return;
    const slaves = [...this.fleet.all()].map(slaveRef);
    this.fleet.setMuting(this.monitor.mutings(slaves));
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
