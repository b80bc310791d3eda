// Group commit: heartbeats that arrive in the same turn of the event loop share one transaction.
import type { Heartbeat } from '../domain/heartbeat.js';
import type { Fleet, StateChange } from './fleet.js';
import type { Store } from './store.js';

interface Waiting {
  heartbeats: Heartbeat[];
  resolve: () => void;
  reject: (err: Error) => void;
}

export class GroupCommit {
  private waiting: Waiting[] = [];
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly fleet: Fleet,
    private readonly onCommitted: (heartbeats: Heartbeat[], changes: StateChange[]) => void,
  ) {}

  /** Resolves once the heartbeats are on disk (and only then are they acknowledged). */
  submit(heartbeats: Heartbeat[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the collector is shutting down'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ heartbeats, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate runs after the I/O callbacks of this turn: every request parsed by now joins.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Writes everything waiting, now. Called by the timer and on shutdown. */
  flush(): void {
    this.scheduled = false;
    const batch = this.waiting;
    if (batch.length === 0) return;
    this.waiting = [];
    const heartbeats = batch.flatMap((w) => w.heartbeats);
    const now = Date.now();
    let changes: StateChange[];
    try {
      const records = this.fleet.preview(heartbeats);
      this.store.writeBatch(heartbeats, [...records.values()], now);
      changes = this.fleet.commit(records, now);
    } catch (err) {
      const error = new Error(`could not store heartbeats: ${(err as Error).message}`);
      for (const w of batch) w.reject(error);
      return;
    }
    for (const w of batch) w.resolve();
    this.onCommitted(heartbeats, changes);
  }

  /** Refuses new work and writes what is waiting. */
  close(): void {
    this.closed = true;
    this.flush();
  }
}
