// Group commit: heartbeats that arrive together share one transaction, so durability costs one
// fsync per batch, not per request, and never blocks the event loop. Batches are pipelined: the
// next one goes to the writer thread while the previous one is still being written (the writer
// commits them in order), so the main thread's work and the disk's overlap.
import type { Heartbeat } from '../domain/heartbeat.js';
import type { SlaveRecord } from '../domain/slave-record.js';
import type { Fleet, StateChange } from './fleet.js';
import { slaveUpdate } from './store.js';
import type { StoreWriter } from './store-writer.js';

interface Waiting {
  heartbeats: Heartbeat[];
  resolve: () => void;
  reject: (err: Error) => void;
}

/** A batch handed to the writer: its records as they will be once it is committed. */
interface InFlight {
  records: Map<string, SlaveRecord>;
  written: Promise<void>;
}

/** More batches than this in the writer's queue add latency, not throughput. */
const MAX_IN_FLIGHT = 2;

export class GroupCommit {
  private waiting: Waiting[] = [];
  private readonly inFlight: InFlight[] = [];
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
      if (!this.scheduled) {
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
    while (this.inFlight.length > 0 || this.waiting.length > 0) {
      this.writeNext();
      await this.inFlight[0]?.written;
    }
  }

  private writeNext(): void {
    if (this.inFlight.length >= MAX_IN_FLIGHT || this.waiting.length === 0) return;
    const batch = this.waiting;
    this.waiting = [];
    const heartbeats = batch.flatMap((w) => w.heartbeats);
    // On top of the batches still being written: the writer commits them before this one.
    const records = this.fleet.preview(heartbeats, this.pendingRecords());
    const updates = [...records.values()].map(slaveUpdate);
    const flight: InFlight = {
      records,
      written: this.writer.write(heartbeats, updates, Date.now()).then(
        () => {
          const changes = this.fleet.commit(records, Date.now());
          for (const w of batch) w.resolve();
          this.onCommitted(heartbeats, changes);
        },
        (err: Error) => {
          const error = new Error(`could not store heartbeats: ${err.message}`);
          for (const w of batch) w.reject(error);
        },
      ),
    };
    this.inFlight.push(flight);
    void flight.written.finally(() => {
      this.inFlight.splice(this.inFlight.indexOf(flight), 1);
      // What arrived meanwhile goes next, at once.
      this.writeNext();
    });
  }

  /** The newest record of each slave in the batches not committed yet. */
  private pendingRecords(): Map<string, SlaveRecord> | undefined {
    if (this.inFlight.length === 0) return undefined;
    if (this.inFlight.length === 1) return this.inFlight[0]!.records;
    const merged = new Map<string, SlaveRecord>();
    for (const f of this.inFlight) for (const [name, r] of f.records) merged.set(name, r);
    return merged;
  }
}
