// The inventory thread: reads and parses one inventory file off the event loop, under the memory
// limit its parent set, and hands the entries back in slices so no single message stalls the parent.
import { parentPort, workerData } from 'node:worker_threads';
import { InventoryError, loadInventory } from './inventory.js';
import type { InventoryReply, InventoryRequest } from './inventory-thread.js';

const SLICE = 2000;
const { file, maxBytes } = workerData as InventoryRequest;
const port = parentPort!;
const send = (reply: InventoryReply) => port.postMessage(reply);

try {
  const entries = loadInventory(file, maxBytes);
  for (let i = 0; i < entries.length; i += SLICE) {
    send({ kind: 'slice', entries: entries.slice(i, i + SLICE) });
  }
  send({ kind: 'done' });
} catch (err) {
  send({
    kind: 'refused',
    problem:
      err instanceof InventoryError
        ? err.message
        : `${file}: the inventory cannot be read: ${(err as Error).message.split('\n')[0]}`,
  });
}
