// The main thread's handle on the status.dat thread: the same answers as StatusFileReader.read(),
// with the parsing done in a worker so heartbeat ingest never waits for it.
import { Worker } from 'node:worker_threads';
import type { NagiosStatus, StatusReadResult } from '../nagios/status-file.js';

export interface StatusRequest {
  id: number;
}

export type StatusReply =
  | { id: number; ok: true; status: NagiosStatus | null; fresh: boolean }
  | { id: number; ok: false; error: string };

type Pending = {
  resolve: (r: StatusReadResult | null) => void;
  reject: (err: Error) => void;
};

export class StatusThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private last: NagiosStatus | null = null;
  private stopped = false;

  constructor(readonly path: string) {
    this.worker = new Worker(new URL('./status-worker.js', import.meta.url), {
      workerData: { file: path },
    });
    this.worker.unref();
    this.worker.on('message', (reply: StatusReply) => this.settle(reply));
    this.worker.on('error', (err) =>
      this.failAll(new Error(`the status.dat reader failed: ${err.message}`)),
    );
    this.worker.on('exit', () => this.failAll(new Error('the status.dat reader has stopped')));
  }

  /** The latest whole status (fresh when it changed since the last read); null until one was read. */
  read(): Promise<StatusReadResult | null> {
    if (this.stopped) return Promise.reject(new Error('the status.dat reader has stopped'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id } satisfies StatusRequest);
    });
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.worker.terminate();
  }

  private settle(reply: StatusReply): void {
    const p = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (!p) return;
    if (!reply.ok) return p.reject(new Error(reply.error));
    if (reply.status !== null) this.last = reply.status;
    p.resolve(this.last === null ? null : { status: this.last, fresh: reply.fresh });
  }

  private failAll(err: Error): void {
    this.stopped = true;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
