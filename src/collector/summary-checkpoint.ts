// Writes the slaves whose summary changed to their SQLite rows now and then, off the heartbeat
// path: a commit appends to the log only, and a load replays what no checkpoint holds yet.
import type { Heartbeat } from '../domain/heartbeat.js';
import type { Fleet } from './fleet.js';
import { slaveUpdate } from './store.js';
import type { CollectorStore } from './collector-store.js';

/** Rows per writer transaction: small enough that a heartbeat batch never waits long behind one. */
const ROWS_PER_PART = 200;

export class SummaryCheckpoint {
  private dirty = new Set<string>();
  /** The last heartbeat id the fleet holds. */
  private through: number;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** With other collectors: every heartbeat id up to this one is in the fleet (peer-sync.ts). */
  private settled: (() => number) | null = null;

  constructor(
    private readonly writer: Pick<CollectorStore, 'writeSummaries'>,
    private readonly fleet: Fleet,
    loaded: { through: number; replayed: readonly string[] },
  ) {
    this.through = loaded.through;
    // What the load replayed from the log is not in the rows yet.
    for (const name of loaded.replayed) this.dirty.add(name);
  }

  /** Checkpoints every `intervalMs`; a crash costs a load at most that much of the log to replay. */
  start(intervalMs: number, onError: (err: Error) => void): void {
    this.timer = setInterval(() => this.run().catch(onError), intervalMs);
    this.timer.unref();
  }

  /**
   * Other collectors write to the same log: an id below this collector's last may still commit
   * (theirs, out of order), so a checkpoint claims no more than every id up to `settled` folded.
   */
  holdBelow(settled: () => number): void {
    this.settled = settled;
  }

  /** A batch is committed and in the fleet: its slaves changed, up to heartbeat `through`. */
  noteCommitted(heartbeats: readonly Heartbeat[], through: number): void {
    for (const h of heartbeats) this.dirty.add(h.slave);
    this.through = through;
  }

  /** Writes one checkpoint (or waits for the one under way). */
  run(): Promise<void> {
    this.running ??= this.write().finally(() => (this.running = null));
    return this.running;
  }

  /** Stops the timer and writes a last checkpoint, so the next start replays nothing. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => {});
    await this.run();
  }

  private async write(): Promise<void> {
    if (this.dirty.size === 0) return;
    const names = [...this.dirty];
    const through = Math.min(this.through, this.settled?.() ?? Infinity);
    this.dirty = new Set();
    try {
      // Rows are read from the fleet as each part goes: a row newer than `through` is fine, as a
      // replayed heartbeat the row already holds changes nothing.
      for (let i = 0; i < names.length; i += ROWS_PER_PART) {
        const part = names.slice(i, i + ROWS_PER_PART).flatMap((name) => {
          const record = this.fleet.get(name);
          return record ? [slaveUpdate(record)] : [];
        });
        const last = i + ROWS_PER_PART >= names.length;
        await this.writer.writeSummaries(part, last ? through : null);
      }
    } catch (err) {
      for (const name of names) this.dirty.add(name);
      throw err;
    }
  }
}
