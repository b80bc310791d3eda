// Group commit: the heartbeats of one event-loop turn go to the writer thread together, and the
// writer merges whatever queued up during its last transaction into the next, so durability costs
// one fsync per batch, not per request, and never blocks the event loop. A batch only appends to
// the log; the slaves it changed are checkpointed later.
import type { Heartbeat } from '../domain/heartbeat.js';
import type { Fleet, StateChange } from './fleet.js';
import type { CollectorStore } from './collector-store.js';
import type { SummaryCheckpoint } from './summary-checkpoint.js';

interface Waiting {
  heartbeats: Heartbeat[];
  resolve: () => void;
  reject: (err: Error) => void;
}

export class GroupCommit {
  private waiting: Waiting[] = [];
  /** The last batch handed to the writer: batches are answered in order, so it ends last. */
  private lastWrite: Promise<void> = Promise.resolve();
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly writer: Pick<CollectorStore, 'write'>,
    private readonly fleet: Fleet,
    private readonly checkpoint: SummaryCheckpoint,
    private readonly onCommitted: (heartbeats: Heartbeat[], changes: StateChange[]) => void,
  ) {}

  /** Resolves once the heartbeats are on disk (and only then are they acknowledged). */
  submit(heartbeats: Heartbeat[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the collector is shutting down'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ heartbeats, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After this turn's I/O callbacks: every request parsed by then joins the batch.
        setImmediate(() => {
          this.scheduled = false;
          this.writeWaiting();
        });
      }
    });
  }

  /** Refuses new work and waits until everything submitted is written. */
  async close(): Promise<void> {
    this.closed = true;
    this.writeWaiting();
    await this.lastWrite;
  }

  private writeWaiting(): void {
    if (this.waiting.length === 0) return;
    const batch = this.waiting;
    this.waiting = [];
    const heartbeats = batch.flatMap((w) => w.heartbeats);
    this.lastWrite = this.writer.write(heartbeats, Date.now()).then(
      (lastId) => {
        // Answers come in the order batches were sent, so the fleet applies them in that order.
        // Batches merged into one commit share its last id; they are all applied in this same
        // run of promise callbacks, before a checkpoint (a timer) can read that id.
        const changes = this.fleet.apply(heartbeats, Date.now());
        this.checkpoint.noteCommitted(heartbeats, lastId);
        for (const w of batch) w.resolve();
        this.onCommitted(heartbeats, changes);
      },
      (err: Error) => {
        const error = new Error(`could not store heartbeats: ${err.message}`);
        for (const w of batch) w.reject(error);
      },
    );
  }
}
