// Ends until-back downtimes: when a slave's start is committed after its until-back downtime was
// asked for, corral cancels exactly that downtime (an audited action by corral). The downtimes
// wait in the store, so a start that came while the collector was down is seen at the next start
// of the watch. Single-owner work: one object, started and closed by the collector.
import type { Logger } from 'pino';
import { isBackFor, type UntilBackDowntime } from '../domain/until-back.js';

/** What the watch needs of the collector. */
export interface UntilBackParts {
  /** The waiting downtimes as stored (read at start). */
  load: () => Promise<UntilBackDowntime[]>;
  save: (downtimes: UntilBackDowntime[]) => Promise<unknown>;
  forget: (d: UntilBackDowntime) => Promise<unknown>;
  /** The slave's last committed start, epoch ms; null when it has none. */
  lastStart: (slave: string) => number | null;
  /** Whether the monitoring system shows the downtime now; null while it has not been read. */
  shown: (d: UntilBackDowntime) => boolean | null;
  /** Cancels it as an action by corral; true once the monitoring system has the cancel. */
  cancel: (d: UntilBackDowntime, startAt: number) => Promise<boolean>;
  /** The slave's until-back marks may have changed. */
  changed: (slave: string) => void;
  log: Logger;
}

/** A downtime asked for this recently may not be shown yet: its absence proves nothing. */
const SHOWN_WITHIN_MS = 60_000;
/** How often a slave that came back is tried again (its cancel failed, or it was not shown yet). */
const RETRY_MS = 2_000;

export class UntilBackWatch {
  private readonly waiting = new Map<string, UntilBackDowntime[]>();
  /** Downtimes whose slave is back, by `slave/action`: the start that ended them. */
  private readonly back = new Map<string, { d: UntilBackDowntime; at: number }>();
  private readonly ending = new Set<string>();
  private retry: NodeJS.Timeout | null = null;
  private running = false;

  constructor(private readonly parts: UntilBackParts) {}

  /** Loads the waiting downtimes; those whose slave started meanwhile are ended now. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    let stored: UntilBackDowntime[];
    try {
      stored = await this.parts.load();
    } catch (err) {
      this.running = false;
      throw err;
    }
    if (!this.running) return; // closed meanwhile
    for (const d of stored) this.remember(d);
    for (const list of this.waiting.values()) {
      for (const d of list) this.checkBack(d, this.parts.lastStart(d.slave));
    }
    this.retry = setInterval(() => this.tryAgain(), RETRY_MS);
    this.retry.unref();
  }

  close(): void {
    this.running = false;
    if (this.retry) clearInterval(this.retry);
    this.retry = null;
    this.waiting.clear();
    this.back.clear();
  }

  /** Keeps new until-back downtimes (stored before their downtime is sent). */
  async add(downtimes: UntilBackDowntime[]): Promise<void> {
    await this.parts.save(downtimes);
    for (const d of downtimes) this.remember(d);
  }

  /** Forgets the downtimes an action could not schedule (their targets failed). */
  async drop(actionId: number, slaves: readonly string[]): Promise<void> {
    for (const slave of slaves) {
      const d = this.of(slave).find((x) => x.actionId === actionId);
      if (d === undefined) continue;
      this.unwait(d);
      await this.parts.forget(d);
    }
  }

  /**
   * Takes up the downtimes another collector stored since (it took an until-back request; this
   * one owns the work): each is then ended at its slave's start, or at once if it came already.
   */
  async refresh(): Promise<void> {
    if (!this.running) return;
    const stored = await this.parts.load();
    if (!this.running) return;
    for (const d of stored) {
      if (this.of(d.slave).some((x) => x.actionId === d.actionId)) continue;
      this.remember(d);
      this.checkBack(d, this.parts.lastStart(d.slave));
    }
  }

  /** A start heartbeat was committed. */
  noteStart(slave: string, at: number): void {
    for (const d of this.waiting.get(slave) ?? []) this.checkBack(d, at);
  }

  /** The slave's until-back downtimes still waiting (to mark them in its mutes). */
  of(slave: string): readonly UntilBackDowntime[] {
    return this.waiting.get(slave) ?? [];
  }

  private remember(d: UntilBackDowntime): void {
    const list = (this.waiting.get(d.slave) ?? []).filter((x) => x.actionId !== d.actionId);
    this.waiting.set(d.slave, [...list, d]);
    this.parts.changed(d.slave);
  }

  private unwait(d: UntilBackDowntime): void {
    this.back.delete(keyOf(d));
    const list = (this.waiting.get(d.slave) ?? []).filter((x) => x.actionId !== d.actionId);
    if (list.length === 0) this.waiting.delete(d.slave);
    else this.waiting.set(d.slave, list);
    this.parts.changed(d.slave);
  }

  private checkBack(d: UntilBackDowntime, startAt: number | null): void {
    if (!this.running || !isBackFor(d, startAt)) return;
    const key = keyOf(d);
    if (!this.back.has(key)) this.back.set(key, { d, at: startAt! });
    void this.end(key);
  }

  private tryAgain(): void {
    for (const key of this.back.keys()) void this.end(key);
  }

  /** Cancels the downtime (or forgets it when it is gone already); kept for a retry otherwise. */
  private async end(key: string): Promise<void> {
    const back = this.back.get(key);
    if (back === undefined || this.ending.has(key)) return;
    const { d, at } = back;
    const shown = this.parts.shown(d);
    if (shown === null) return; // monitoring not read yet
    if (!shown && Date.now() - d.since < SHOWN_WITHIN_MS) return;
    this.ending.add(key);
    try {
      if (shown) {
        if (!(await this.parts.cancel(d, at))) return;
      } else {
        this.parts.log.info(
          { slave: d.slave, actionId: d.actionId },
          'until-back downtime already gone when its slave came back (ended, or cancelled by hand)',
        );
      }
      await this.parts.forget(d);
      this.unwait(d);
    } catch (err) {
      this.parts.log.warn(
        { slave: d.slave, actionId: d.actionId, reason: (err as Error).message },
        'ending an until-back downtime failed; trying again',
      );
    } finally {
      this.ending.delete(key);
    }
  }
}

function keyOf(d: UntilBackDowntime): string {
  return `${d.slave}/${d.actionId}`;
}
