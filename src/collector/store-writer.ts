// The main thread's handle on the writer thread: writes, checkpoints and prunes as promises, in order.
import { Worker } from 'node:worker_threads';
import type { Heartbeat } from '../domain/heartbeat.js';
import type { RebootAttemptView } from '../domain/protocol.js';
import type { SlaveUpdate, StoredAction } from './store.js';

export type WriterRequest =
  | { id: number; op: 'write'; heartbeats: Heartbeat[]; now: number }
  | { id: number; op: 'summaries'; slaves: SlaveUpdate[]; through: number | null }
  | { id: number; op: 'prune'; before: number }
  | { id: number; op: 'action'; action: StoredAction }
  | { id: number; op: 'attempt'; actionId: number; attempt: RebootAttemptView }
  | { id: number; op: 'needs-hands'; slave: string; since: number | null }
  | { id: number; op: 'close' };

/** One answer for one or more requests (writes merged into one commit share it). */
export type WriterReply =
  { ids: number[]; ok: true; value: number } | { ids: number[]; ok: false; error: string };

type Pending = { resolve: (value: number) => void; reject: (err: Error) => void };
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export class StoreWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | null = null;

  constructor(file: string) {
    this.worker = new Worker(new URL('./store-worker.js', import.meta.url), {
      workerData: { file },
      // What the thread allocates lives for one batch: a small young generation keeps its
      // memory small (V8's default lets it grow to tens of MB under load).
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    this.worker.on('message', (reply: WriterReply) => {
      for (const id of reply.ids) {
        const p = this.pending.get(id);
        this.pending.delete(id);
        if (reply.ok) p?.resolve(reply.value);
        else p?.reject(new Error(reply.error));
      }
    });
    this.worker.on('error', (err) =>
      this.fail(new Error(`the database writer failed: ${err.message}`)),
    );
    this.worker.on('exit', () => this.fail(new Error('the database writer has stopped')));
  }

  /**
   * Appends heartbeats to the log; resolves with the id of the last once they are on disk. Writes
   * sent while the thread is busy share its next commit.
   */
  write(heartbeats: Heartbeat[], now: number): Promise<number> {
    return this.request({ op: 'write', heartbeats, now });
  }

  /** Checkpoints slaves' summaries (see Store.writeSummaries). */
  writeSummaries(slaves: SlaveUpdate[], through: number | null): Promise<number> {
    return this.request({ op: 'summaries', slaves, through });
  }

  /** Records an action as it stands (inserted the first time, its progress after). */
  saveAction(action: StoredAction): Promise<number> {
    return this.request({ op: 'action', action });
  }

  /** Records one reboot command run for an action. */
  saveAttempt(actionId: number, attempt: RebootAttemptView): Promise<number> {
    return this.request({ op: 'attempt', actionId, attempt });
  }

  /** Keeps (or clears) that a slave needs hands, so a restart does not forget it. */
  setNeedsHands(slave: string, since: number | null): Promise<number> {
    return this.request({ op: 'needs-hands', slave, since });
  }

  prune(before: number): Promise<number> {
    return this.request({ op: 'prune', before });
  }

  async close(): Promise<void> {
    if (this.failure === null) await this.request({ op: 'close' }).catch(() => {});
    await this.worker.terminate();
  }

  private request(req: WithoutId<WriterRequest>): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id });
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}
