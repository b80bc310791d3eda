// Group commit: heartbeats that arrive while the previous transaction is being written share the
// next one, so durability costs one fsync per batch, not per request, and never blocks the event loop.
import type { Heartbeat } from '../domain/heartbeat.js';
import type { Fleet, StateChange } from './fleet.js';
import { slaveUpdate } from './store.js';
import type { StoreWriter } from './store-writer.js';

interface Waiting {
  heartbeats: Heartbeat[];
  resolve: () => void;
  reject: (err: Error) => void;
}

export class GroupCommit {
  private waiting: Waiting[] = [];
  private writing: Promise<void> | null = null;
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly writer: StoreWriter,
    private readonly fleet: Fleet,
    private readonly onCommitted: (heartbeats: Heartbeat[], changes: StateChange[]) => void,
  ) {}

  /** Resolves once the heartbeats are on disk (and only then are they acknowledged). */
  submit(heartbeats: Heartbeat[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the collector is shutting down'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ heartbeats, resolve, reject });
      if (this.writing === null && !this.scheduled) {
        this.scheduled = true;
        // After this turn's I/O callbacks: every request parsed by then joins the batch.
        setImmediate(() => {
          this.scheduled = false;
          this.writeNext();
        });
      }
    });
  }

  /** Refuses new work and waits until everything submitted is written. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.writing !== null || this.waiting.length > 0) {
      if (this.writing === null) this.writeNext();
      await this.writing;
    }
  }

  private writeNext(): void {
    if (this.writing !== null || this.waiting.length === 0) return;
    const batch = this.waiting;
    this.waiting = [];
    const heartbeats = batch.flatMap((w) => w.heartbeats);
    // The fleet holds every earlier batch by now: batches are written one after another.
    const records = this.fleet.preview(heartbeats);
    const updates = [...records.values()].map(slaveUpdate);
    this.writing = this.writer.write(heartbeats, updates, Date.now()).then(
      () => {
        const changes = this.fleet.commit(records, Date.now());
        for (const w of batch) w.resolve();
        this.onCommitted(heartbeats, changes);
        this.done();
      },
      (err: Error) => {
        const error = new Error(`could not store heartbeats: ${err.message}`);
        for (const w of batch) w.reject(error);
        this.done();
      },
    );
  }

  private done(): void {
    this.writing = null;
    // What arrived during the write goes next, at once.
    this.writeNext();
  }
}
