// The writer thread: owns the SQLite connection that commits, so an fsync never stalls the event loop.
// Writes that queue up while a transaction runs are merged into the next one (group commit): the
// thread never waits for the main thread between two commits.
import { parentPort, workerData } from 'node:worker_threads';
import { Store } from './store.js';
import type { WriterRequest, WriterReply } from './store-writer.js';

type WriteRequest = Extract<WriterRequest, { op: 'write' }>;

const store = new Store((workerData as { file: string }).file);
const port = parentPort!;
let writes: WriteRequest[] = [];

port.on('message', (req: WriterRequest) => {
  if (req.op === 'write') {
    // Every message already queued is delivered before this runs: they all join one commit.
    if (writes.length === 0) setImmediate(commitWrites);
    writes.push(req);
    return;
  }
  // Requests are answered in the order they came: writes before first.
  commitWrites();
  port.postMessage(answer(req));
});

function commitWrites(): void {
  if (writes.length === 0) return;
  const batch = writes;
  writes = [];
  const ids = batch.map((w) => w.id);
  let reply: WriterReply;
  try {
    reply = { ids, ok: true, value: store.writeHeartbeats(batch) };
  } catch (err) {
    reply = { ids, ok: false, error: (err as Error).message };
  }
  port.postMessage(reply);
}

function answer(req: Exclude<WriterRequest, WriteRequest>): WriterReply {
  const ids = [req.id];
  try {
    if (req.op === 'summaries') {
      store.writeSummaries(req.slaves, req.through);
      return { ids, ok: true, value: 0 };
    } else if (req.op === 'action') {
      store.saveAction(req.action);
      return { ids, ok: true, value: req.action.id };
    } else if (req.op === 'attempt') {
      store.saveAttempt(req.actionId, req.attempt);
      return { ids, ok: true, value: req.actionId };
    } else if (req.op === 'needs-hands') {
      store.setNeedsHands(req.slave, req.since);
      return { ids, ok: true, value: 0 };
    } else if (req.op === 'chain') {
      store.saveChain(req.chain);
      return { ids, ok: true, value: 0 };
    } else if (req.op === 'drop-chains') {
      store.dropChains(req.actionId);
      return { ids, ok: true, value: 0 };
    } else if (req.op === 'prune') {
      return { ids, ok: true, value: store.prune(req.before) };
    } else {
      store.close();
      return { ids, ok: true, value: 0 };
    }
  } catch (err) {
    return { ids, ok: false, error: (err as Error).message };
  }
}
