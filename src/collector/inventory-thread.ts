// Reads an inventory file in a worker thread with a heap limit: a huge or hostile file fails there,
// as one InventoryError, while the collector keeps answering heartbeats.
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { InventoryEntry } from '../domain/inventory.js';
import { InventoryError } from './inventory.js';

export interface InventoryRequest {
  file: string;
  maxBytes: number;
}

export type InventoryReply =
  | { kind: 'slice'; entries: InventoryEntry[] }
  | { kind: 'done' }
  | { kind: 'refused'; problem: string };

const MiB = 1024 * 1024;

/**
 * The heap a file of `bytes` may need: YAML parsing holds 75 to 90 bytes of heap per byte of
 * text at its peak (measured: 8.9 MB for 100k slaves peaks at 646 MB), plus the thread's start.
 */
export function heapLimitMb(bytes: number): number {
  return 64 + Math.ceil((128 * bytes) / MiB);
}

/** Sized to the file as it is now: a file of normal shape fits, a hostile one fails in the thread. */
function heapFor(file: string, maxBytes: number): number {
  let size = 0;
  try {
    size = statSync(file).size;
  } catch {
    // The thread reports why the file cannot be read.
  }
  return heapLimitMb(Math.min(size, maxBytes));
}

export interface InventoryRead {
  entries: Promise<InventoryEntry[]>;
  /** Stops the thread (collector shutdown); `entries` then rejects. */
  cancel(): void;
}

export function readInventoryInThread(
  file: string,
  maxBytes: number,
  heapMb = heapFor(file, maxBytes),
): InventoryRead {
  const worker = new Worker(new URL('./inventory-worker.js', import.meta.url), {
    workerData: { file, maxBytes } satisfies InventoryRequest,
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
  });
  const entries = new Promise<InventoryEntry[]>((resolve, reject) => {
    const received: InventoryEntry[] = [];
    worker.on('message', (reply: InventoryReply) => {
      if (reply.kind === 'slice') for (const e of reply.entries) received.push(e);
      else if (reply.kind === 'done') resolve(received);
      else reject(new InventoryError(reply.problem));
    });
    worker.on('error', (err: Error & { code?: string }) => {
      reject(
        new InventoryError(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `${file}: reading the inventory needs more than ${heapMb} MB of memory: trim the file (or write it as one name per line)`
            : `${file}: the inventory reader failed: ${err.message.split('\n')[0]}`,
        ),
      );
    });
    // After a reply this does nothing (a promise settles once).
    worker.on('exit', (code) =>
      reject(new InventoryError(`${file}: the inventory reader stopped (exit ${code})`)),
    );
  });
  return { entries, cancel: () => void worker.terminate() };
}
