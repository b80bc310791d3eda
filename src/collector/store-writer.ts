// The main thread's handle on the writer thread: writes, checkpoints and prunes as promises, in order.
import { Worker } from 'node:worker_threads';
import type { Heartbeat } from '../domain/heartbeat.js';
import type { RebootAttemptView } from '../domain/protocol.js';
import type { RecordedChain } from '../reboot/resume.js';
import type { SlaveUpdate, StoredAction } from './store.js';

export type WriterRequest =
  | { id: number; op: 'write'; heartbeats: Heartbeat[]; now: number }
  | { id: number; op: 'summaries'; slaves: SlaveUpdate[]; through: number | null }
  | { id: number; op: 'prune'; before: number }
  | { id: number; op: 'action'; action: StoredAction }
  | { id: number; op: 'attempt'; actionId: number; attempt: RebootAttemptView }
  | { id: number; op: 'needs-hands'; slave: string; since: number | null }
  | { id: number; op: 'chain'; chain: RecordedChain }
  | { id: number; op: 'drop-chains'; actionId: number }
  | { id: number; op: 'close' };

/** One answer for one or more requests (writes merged into one commit share it). */
export type WriterReply =
  { ids: number[]; ok: true; value: number } | { ids: number[]; ok: false; error: string };

type Pending = {
  op: WriterRequest['op'];
  sentAt: number;
  resolve: (value: number) => void;
  reject: (err: Error) => void;
};
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export interface StoreWriterOptions {
  /** Told what is wrong with the store when that changes, and null once writes succeed again. */
  onTrouble?: (problem: string | null) => void;
  /** Told each write the database refused (disk full, I/O error, locked too long). */
  onFailedWrite?: (op: WriterRequest['op']) => void;
  /** A write waiting longer than this for its commit means the writer is behind. */
  behindMs?: number;
}

/** Commits take about a millisecond; a write waiting this long means the disk or a lock stalls all. */
export const BEHIND_MS = 2000;

export class StoreWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | null = null;
  /** Why the last write failed, until one succeeds. */
  private failing: string | null = null;
  private behind: string | null = null;
  private trouble: string | null = null;
  private closed = false;
  private readonly watch: NodeJS.Timeout;

  constructor(
    file: string,
    private readonly options: StoreWriterOptions = {},
  ) {
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
        if (!p) continue;
        if (reply.ok) p.resolve(reply.value);
        else {
          this.options.onFailedWrite?.(p.op);
          p.reject(new Error(reply.error));
        }
      }
      this.failing = reply.ok ? null : `writes to the database fail: ${reply.error}`;
      this.checkBehind();
    });
    this.worker.on('error', (err) =>
      this.fail(new Error(`the database writer failed: ${err.message}`)),
    );
    this.worker.on('exit', () => this.fail(new Error('the database writer has stopped')));
    // Checked from this thread: a writer stuck in a commit cannot say so itself.
    this.watch = setInterval(() => this.checkBehind(), 500);
    this.watch.unref();
  }

  /** Age of the oldest write still waiting for its commit, in ms (0 when none waits). */
  oldestWaitMs(now = Date.now()): number {
    // Map order is insertion order and answers come in order: the first is the oldest.
    const first = this.pending.values().next();
    return first.done ? 0 : now - first.value.sentAt;
  }

  private checkBehind(): void {
    const bound = this.options.behindMs ?? BEHIND_MS;
    // The same words while it lasts (the wait itself is the corral_store_oldest_write_seconds gauge).
    this.behind =
      this.oldestWaitMs() > bound
        ? `the database writer is behind: a write has waited more than ${bound / 1000}s for its commit (a stalled disk or a lock held by another process)`
        : null;
    this.report();
  }

  private report(): void {
    if (this.closed) return; // the thread stopping on close is no trouble
    const trouble = this.failure?.message ?? this.failing ?? this.behind;
    if (trouble === this.trouble) return;
    this.trouble = trouble;
    this.options.onTrouble?.(trouble);
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

  /** Records where a reboot chain stands; resolves once committed. */
  saveChain(chain: RecordedChain): Promise<number> {
    return this.request({ op: 'chain', chain });
  }

  /** Forgets the chains of a finished reboot action. */
  dropChains(actionId: number): Promise<number> {
    return this.request({ op: 'drop-chains', actionId });
  }

  prune(before: number): Promise<number> {
    return this.request({ op: 'prune', before });
  }

  async close(): Promise<void> {
    clearInterval(this.watch);
    this.closed = true;
    if (this.failure === null) await this.request({ op: 'close' }).catch(() => {});
    await this.worker.terminate();
  }

  private request(req: WithoutId<WriterRequest>): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { op: req.op, sentAt: Date.now(), resolve, reject });
      this.worker.postMessage({ ...req, id });
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
    this.report();
  }
}
